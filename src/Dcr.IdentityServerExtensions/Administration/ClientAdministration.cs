using System.Security.Claims;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Administration;

/// <summary>
/// The operators' view of the clients, over the catalog (<see cref="IClientCatalog"/>) for listing and the registry for
/// deleting, so an administrator's delete is the RFC 7592 delete: the client, its tokens and authorizations, and its
/// record, in one unit. Each deletion is audited under the administrator who asked (the request's user).
/// </summary>
internal sealed class ClientAdministration : IClientAdministration
{
    private const int DeleteBatchSize = 100;

    private readonly ClientRegistry _registry;
    private readonly ClientRegistrationAudit _audit;
    private readonly IHttpContextAccessor _httpContext;

    public ClientAdministration(ClientRegistry registry, ClientRegistrationAudit audit, IHttpContextAccessor httpContext)
    {
        _registry = registry;
        _audit = audit;
        _httpContext = httpContext;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The cursor is not one this service made for the query's order, or the limit is out of range.</exception>
    public async Task<ClientPage> ListAsync(ClientQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > ClientQuery.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"The limit must be between 1 and {ClientQuery.MaxLimit}.");
        }

        ClientListPosition? after = null;
        if (query.Cursor is { } cursor)
        {
            after = ClientCursor.TryDecode(cursor, query.Order, out var position)
                ? position
                : throw new ArgumentException("The cursor is not one this server made for this order.", nameof(query));
        }

        // One more than asked: whether it comes back says whether there is a next page.
        var records = await _registry.Catalog.ListAsync(query.Filter, query.Order, after, query.Limit + 1, cancellationToken).ConfigureAwait(false);
        var page = records.Take(query.Limit).ToList();
        var next = records.Count > query.Limit ? ClientCursor.Encode(query.Order, ClientCursor.PositionOf(page[^1], query.Order)) : null;
        return new ClientPage(page.Select(Summarize).ToList(), next);
    }

    /// <inheritdoc />
    public async Task<ClientSummary?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var record = await _registry.Catalog.FindAsync(clientId, cancellationToken).ConfigureAwait(false);
        return record is null ? null : Summarize(record);
    }

    /// <inheritdoc />
    /// <exception cref="ClientStoreUnavailableException">The storage could not be reached; nothing is known to be deleted.</exception>
    public async Task<bool> DeleteAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (await _registry.Catalog.FindAsync(clientId, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        // A concurrent update of the client (a rotation) wins the race on its concurrency token: read it again and retry.
        for (var attempt = 1; ; attempt++)
        {
            var deleted = await _registry.DeleteAsync(clientId, cancellationToken).ConfigureAwait(false);
            switch (deleted.Status)
            {
                case StoreStatus.Succeeded:
                    await _audit.SucceededAsync(ClientRegistrationAction.DeleteByAdministrator, clientId, Administrator(), cancellationToken)
                        .ConfigureAwait(false);
                    return true;
                case StoreStatus.NotFound:
                    return false;
                case StoreStatus.Conflict when attempt < 3:
                    continue;
                case StoreStatus.Unavailable:
                    throw new ClientStoreUnavailableException();
                default:
                    throw new InvalidOperationException($"The client store answered {deleted.Status} to the deletion of a client.");
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The filter is empty.</exception>
    public async Task<BulkDeleteResult> DeleteManyAsync(ClientFilter filter, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            throw new ArgumentException("A bulk delete needs at least one filter.", nameof(filter));
        }

        var matched = (int)await _registry.Catalog.CountAsync(filter, cancellationToken).ConfigureAwait(false);
        if (dryRun)
        {
            return new BulkDeleteResult(matched, 0);
        }

        // In bounded batches, oldest first, each page starting after the last client looked at: a client that cannot
        // be deleted is passed over, never looked at forever.
        var deleted = 0;
        ClientListPosition? after = null;
        IReadOnlyList<ClientRecord> batch;
        do
        {
            batch = await _registry.Catalog.ListAsync(filter, ClientOrder.CreatedAscending, after, DeleteBatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var record in batch)
            {
                if (await DeleteAsync(record.ClientId, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                }
            }

            after = batch.Count > 0 ? ClientCursor.PositionOf(batch[^1], ClientOrder.CreatedAscending) : null;
        }
        while (batch.Count == DeleteBatchSize);

        return new BulkDeleteResult(matched, deleted);
    }

    internal static ClientSummary Summarize(ClientRecord record) => new(
        record.ClientId,
        record.ClientName,
        record.Source,
        record.CreatedBy,
        record.InitialAccessTokenId,
        record.ClientIdIssuedAt,
        record.LastUsedAt,
        record.GrantTypes,
        record.RedirectUris,
        record.TokenEndpointAuthMethod,
        record.Scope);

    // Who asked: the admin API's token (its client, or subject) or the admin page's signed-in user.
    private string? Administrator()
    {
        var user = _httpContext.HttpContext?.User;
        return user?.FindFirst("client_id")?.Value ?? user?.FindFirst("azp")?.Value ?? user?.FindFirst("sub")?.Value
            ?? user?.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user?.Identity?.Name;
    }
}
