using System.Globalization;
using System.Text;
using Dcr.IdentityServerExtensions.Administration;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// TEST DOUBLE of <see cref="IClientAdministration"/>: clients held in memory, filtered, ordered and paged as the
/// contract describes, so that the admin pages' tests can set up any listing (hundreds of clients, hostile names, exact
/// creation and last-use times) without registering clients over HTTP. It stands in for the product's implementation
/// (branch <c>ops</c>, #17 points 1 and 5) until that lands; the end-to-end test in <c>AdminUiEndToEndTests</c> runs
/// against the real one and registers no double.
/// </summary>
public sealed class FakeClientAdministration : IClientAdministration
{
    private readonly object _gate = new();
    private readonly List<ClientSummary> _clients = [];

    /// <summary>The clients held now.</summary>
    public IReadOnlyList<ClientSummary> Clients
    {
        get
        {
            lock (_gate)
            {
                return [.. _clients];
            }
        }
    }

    /// <summary>Every filter a bulk delete was called with, and whether it was a dry run.</summary>
    public List<(ClientFilter Filter, bool DryRun)> BulkDeletes { get; } = [];

    public ClientSummary Add(string clientId, string? name = null, DateTimeOffset? issuedAt = null, DateTimeOffset? lastUsedAt = null,
        string? createdBy = null, string? initialAccessTokenId = null, string source = "dcr")
    {
        var client = new ClientSummary(clientId, name, source, createdBy, initialAccessTokenId,
            issuedAt ?? DateTimeOffset.UnixEpoch.AddDays(20_000), lastUsedAt, ["client_credentials"], [],
            "client_secret_basic", "api");
        lock (_gate)
        {
            _clients.Add(client);
        }

        return client;
    }

    public void Add(ClientSummary client)
    {
        lock (_gate)
        {
            _clients.Add(client);
        }
    }

    public Task<ClientPage> ListAsync(ClientQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var offset = 0;
        if (query.Cursor is not null)
        {
            // Opaque to the pages; here simply the offset of the next page.
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(query.Cursor));
            if (!decoded.StartsWith("offset:", StringComparison.Ordinal)
                || !int.TryParse(decoded["offset:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw new ArgumentException("Not a cursor of this listing.", nameof(query));
            }
        }

        List<ClientSummary> matching;
        lock (_gate)
        {
            matching = Order(_clients.Where(client => Matches(client, query.Filter)), query.Order).ToList();
        }

        var page = matching.Skip(offset).Take(query.Limit).ToList();
        var next = offset + page.Count < matching.Count
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + (offset + page.Count).ToString(CultureInfo.InvariantCulture)))
            : null;
        return Task.FromResult(new ClientPage(page, next));
    }

    public Task<ClientSummary?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_clients.FirstOrDefault(client => client.ClientId == clientId));
        }
    }

    public Task<bool> DeleteAsync(string clientId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_clients.RemoveAll(client => client.ClientId == clientId) > 0);
        }
    }

    public Task<BulkDeleteResult> DeleteManyAsync(ClientFilter filter, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            throw new InvalidOperationException("The contract forbids an empty filter; the caller must refuse it first.");
        }

        lock (_gate)
        {
            BulkDeletes.Add((filter, dryRun));
            var matched = _clients.Count(client => Matches(client, filter));
            if (dryRun)
            {
                return Task.FromResult(new BulkDeleteResult(matched, 0));
            }

            _clients.RemoveAll(client => Matches(client, filter));
            return Task.FromResult(new BulkDeleteResult(matched, matched));
        }
    }

    private static bool Matches(ClientSummary client, ClientFilter filter) =>
        (filter.Source is null || client.Source == filter.Source)
        && (filter.CreatedBy is null || client.CreatedBy == filter.CreatedBy)
        && (filter.InitialAccessTokenId is null || client.InitialAccessTokenId == filter.InitialAccessTokenId)
        && (filter.CreatedAfter is null || client.ClientIdIssuedAt >= filter.CreatedAfter)
        && (filter.CreatedBefore is null || client.ClientIdIssuedAt < filter.CreatedBefore)
        && (filter.UnusedSince is null || client.LastUsedAt is null || client.LastUsedAt < filter.UnusedSince)
        && (string.IsNullOrEmpty(filter.Text)
            || client.ClientId.Contains(filter.Text, StringComparison.OrdinalIgnoreCase)
            || (client.ClientName?.Contains(filter.Text, StringComparison.OrdinalIgnoreCase) ?? false));

    private static IEnumerable<ClientSummary> Order(IEnumerable<ClientSummary> clients, ClientOrder order) => order switch
    {
        ClientOrder.CreatedAscending => clients.OrderBy(client => client.ClientIdIssuedAt).ThenBy(client => client.ClientId, StringComparer.Ordinal),
        ClientOrder.LastUsedDescending => clients.OrderBy(client => client.LastUsedAt is null)
            .ThenByDescending(client => client.LastUsedAt).ThenBy(client => client.ClientId, StringComparer.Ordinal),
        ClientOrder.LastUsedAscending => clients.OrderBy(client => client.LastUsedAt is not null)
            .ThenBy(client => client.LastUsedAt).ThenBy(client => client.ClientId, StringComparer.Ordinal),
        _ => clients.OrderByDescending(client => client.ClientIdIssuedAt).ThenBy(client => client.ClientId, StringComparer.Ordinal),
    };
}
