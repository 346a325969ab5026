using System.Text.Json;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.EntityFrameworkCore;

namespace Dcr.IdentityServerExtensions.EntityFrameworkCore;

/// <summary>
/// The client catalog over the host's own <typeparamref name="TContext"/>, the context OpenIddict (or the host's other
/// client store) writes its applications with: resolved from the request's scope, it is the same instance, on the same
/// connection, so one database transaction covers the client's row and its record.
/// </summary>
/// <typeparam name="TContext">The host's context; its model must call <c>UseDynamicClientRegistration()</c>.</typeparam>
public sealed class EntityFrameworkCoreClientCatalog<TContext> : IClientCatalog
    where TContext : DbContext
{
    private readonly TContext _context;

    /// <summary>Creates the catalog over the request's context.</summary>
    public EntityFrameworkCoreClientCatalog(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    private DbSet<DcrClient> Clients => _context.Set<DcrClient>();

    private DbSet<DcrCounter> Counters => _context.Set<DcrCounter>();

    /// <inheritdoc />
    public async Task<TResult> ExecuteAtomicallyAsync<TResult>(
        Func<CancellationToken, Task<TResult>> work, Func<TResult, bool> commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(commit);
        var database = _context.Database;
        if (database.CurrentTransaction is not null)
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }

        // Inside the unit, OpenIddict's stores find the transaction open: their SaveChanges join it (behind a savepoint),
        // and their delete, which opens a transaction of its own when none is open, runs in this one.
        return await database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            // Opened (and closed) here rather than by the transaction: EF Core leaves a connection it opened for a
            // transaction open after the commit, when a SaveChanges joined the transaction in between, and a later
            // transaction of this context that is disposed without a commit (a concurrency failure) would then end
            // with its connection still open, which hosts that order writers by transaction and connection (the
            // sample's SQLite gate) never see end.
            await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await work(cancellationToken).ConfigureAwait(false);
                    if (commit(result))
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    return result;
                }
            }
            finally
            {
                await database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> IncrementAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);

        // The UPDATE takes the row's lock until the transaction ends; READ COMMITTED lets a waiting unit see the count
        // the first committed. The first use of a key inserts its row instead: a concurrent first use fails on the key,
        // its SaveChanges rolls back to its savepoint, and the UPDATE then waits for the row the other unit wrote.
        if (await IncrementExistingAsync(key, cancellationToken).ConfigureAwait(false) == 0)
        {
            var counter = new DcrCounter { Key = key, Count = 1 };
            Counters.Add(counter);
            try
            {
                await _context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return 1;
            }
            catch (DbUpdateException)
            {
                if (await IncrementExistingAsync(key, cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw;
                }
            }
            finally
            {
                _context.Entry(counter).State = EntityState.Detached;
            }
        }

        return await ReadCounterAsync(key, cancellationToken).ConfigureAwait(false);
    }

    private Task<int> IncrementExistingAsync(string key, CancellationToken cancellationToken) =>
        InTransactionAsync(token => Counters.Where(counter => counter.Key == key)
            .ExecuteUpdateAsync(setters => setters.SetProperty(counter => counter.Count, counter => counter.Count + 1), token), cancellationToken);

    // A bulk statement (ExecuteUpdate, ExecuteDelete) runs in no transaction of its own, whatever the context's
    // AutoTransactionBehavior says. Outside a unit it gets one here, as every SaveChanges of the host has: a host that
    // orders its writers by their transactions (the sample's SQLite write gate) then sees this write too.
    private Task<T> InTransactionAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken) =>
        ExecuteAtomicallyAsync(write, static _ => true, cancellationToken);

    /// <inheritdoc />
    public async Task<long> ReadCounterAsync(string key, CancellationToken cancellationToken) =>
        await Counters.AsNoTracking().Where(counter => counter.Key == key).Select(counter => (long?)counter.Count)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) ?? 0;

    /// <inheritdoc />
    public Task<long> CountByCreatorAsync(string createdBy, CancellationToken cancellationToken) =>
        Clients.LongCountAsync(client => client.CreatedBy == createdBy && client.Source == ClientSources.Registration, cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAnonymousAsync(CancellationToken cancellationToken) =>
        Clients.LongCountAsync(client => client.Source == ClientSources.Registration && client.Anonymous, cancellationToken);

    /// <inheritdoc />
    public async Task AddAsync(ClientRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);

        // A record left by a client the host deleted on its own must not block a new client of that id (a Client ID
        // Metadata Document URL comes back). A registration's client id is new, drawn at random: no record can be left.
        if (record.Source != ClientSources.Registration)
        {
            await InTransactionAsync(token => Clients.Where(client => client.ClientId == record.ClientId).ExecuteDeleteAsync(token), cancellationToken)
                .ConfigureAwait(false);
        }

        var entity = ToEntity(record);
        Clients.Add(entity);
        try
        {
            await _context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _context.Entry(entity).State = EntityState.Detached;
        }
    }

    /// <inheritdoc />
    public async Task UpdateAsync(ClientRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = ToEntity(record);
        var updated = await InTransactionAsync(token => Clients.Where(client => client.ClientId == record.ClientId).ExecuteUpdateAsync(setters => setters
            .SetProperty(client => client.ClientName, entity.ClientName)
            .SetProperty(client => client.SearchText, entity.SearchText)
            .SetProperty(client => client.GrantTypes, entity.GrantTypes)
            .SetProperty(client => client.RedirectUris, entity.RedirectUris)
            .SetProperty(client => client.TokenEndpointAuthMethod, entity.TokenEndpointAuthMethod)
            .SetProperty(client => client.Scope, entity.Scope), token), cancellationToken).ConfigureAwait(false);
        if (updated == 0)
        {
            await AddAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken) =>
        await InTransactionAsync(token => Clients.Where(client => client.ClientId == clientId).ExecuteDeleteAsync(token), cancellationToken)
            .ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<bool> RecordUseAsync(string clientId, DateTimeOffset usedAt, DateTimeOffset writtenAtOrBefore, CancellationToken cancellationToken)
    {
        var used = usedAt.ToUnixTimeSeconds();
        var bound = writtenAtOrBefore.ToUnixTimeSeconds();
        return await InTransactionAsync(token => Clients
            .Where(client => client.ClientId == clientId && (client.LastUsedAt == null || client.LastUsedAt <= bound))
            .ExecuteUpdateAsync(setters => setters.SetProperty(client => client.LastUsedAt, used), token), cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<ClientRecord?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        var entity = await Clients.AsNoTracking().FirstOrDefaultAsync(client => client.ClientId == clientId, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToRecord(entity);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClientRecord>> ListAsync(
        ClientFilter filter, ClientOrder order, ClientListPosition? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        // string.Compare becomes the SQL comparison (<, >) under the column's collation, the one ORDER BY uses too; the
        // StringComparison overloads have no translation.
#pragma warning disable CA1309
        var query = Filter(Clients.AsNoTracking(), filter);
        IOrderedQueryable<DcrClient> ordered;
        if (after is { } position)
        {
            var value = position.SortValue;
            var id = position.ClientId;
            query = order switch
            {
                ClientOrder.CreatedAscending => query.Where(client => client.ClientIdIssuedAt > value
                    || (client.ClientIdIssuedAt == value && string.Compare(client.ClientId, id) > 0)),
                ClientOrder.LastUsedDescending => query.Where(client => (client.LastUsedAt ?? 0) < value
                    || ((client.LastUsedAt ?? 0) == value && string.Compare(client.ClientId, id) < 0)),
                ClientOrder.LastUsedAscending => query.Where(client => (client.LastUsedAt ?? 0) > value
                    || ((client.LastUsedAt ?? 0) == value && string.Compare(client.ClientId, id) > 0)),
                _ => query.Where(client => client.ClientIdIssuedAt < value
                    || (client.ClientIdIssuedAt == value && string.Compare(client.ClientId, id) < 0)),
            };
        }

        ordered = order switch
        {
            ClientOrder.CreatedAscending => query.OrderBy(client => client.ClientIdIssuedAt).ThenBy(client => client.ClientId),
            ClientOrder.LastUsedDescending => query.OrderByDescending(client => client.LastUsedAt ?? 0).ThenByDescending(client => client.ClientId),
            ClientOrder.LastUsedAscending => query.OrderBy(client => client.LastUsedAt ?? 0).ThenBy(client => client.ClientId),
            _ => query.OrderByDescending(client => client.ClientIdIssuedAt).ThenByDescending(client => client.ClientId),
        };

#pragma warning restore CA1309
        var entities = await ordered.Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return entities.Select(ToRecord).ToList();
    }

    /// <inheritdoc />
    public Task<long> CountAsync(ClientFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Filter(Clients, filter).LongCountAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> FindExpiredAsync(DateTimeOffset? neverUsedIssuedBefore, DateTimeOffset? inactiveBefore,
        string? afterClientId, int limit, CancellationToken cancellationToken)
    {
        if (neverUsedIssuedBefore is null && inactiveBefore is null)
        {
            return [];
        }

        var neverUsed = neverUsedIssuedBefore?.ToUnixTimeSeconds();
        var inactive = inactiveBefore?.ToUnixTimeSeconds();
        var query = Clients.AsNoTracking().Where(client =>
            (neverUsed != null && client.LastUsedAt == null && client.ClientIdIssuedAt < neverUsed)
            || (inactive != null && (client.LastUsedAt ?? client.ClientIdIssuedAt) < inactive));
        if (afterClientId is not null)
        {
#pragma warning disable CA1309 // the SQL comparison under the column's collation, as in ListAsync
            query = query.Where(client => string.Compare(client.ClientId, afterClientId) > 0);
#pragma warning restore CA1309
        }

        return await query.OrderBy(client => client.ClientId).Take(limit).Select(client => client.ClientId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    // Every filter is an exact comparison on a column, or (q) an exact substring of the lower-cased name and id, matched
    // by the database's string position function, never a LIKE pattern the caller's text could widen.
    private static IQueryable<DcrClient> Filter(IQueryable<DcrClient> query, ClientFilter filter)
    {
        if (filter.Source is { } source)
        {
            query = query.Where(client => client.Source == source);
        }

        if (filter.CreatedBy is { } createdBy)
        {
            query = query.Where(client => client.CreatedBy == createdBy);
        }

        if (filter.InitialAccessTokenId is { } tokenId)
        {
            query = query.Where(client => client.InitialAccessTokenId == tokenId);
        }

        if (filter.CreatedAfter is { } createdAfter)
        {
            var seconds = CeilingSeconds(createdAfter);
            query = query.Where(client => client.ClientIdIssuedAt >= seconds);
        }

        if (filter.CreatedBefore is { } createdBefore)
        {
            var seconds = CeilingSeconds(createdBefore);
            query = query.Where(client => client.ClientIdIssuedAt < seconds);
        }

        if (filter.UnusedSince is { } unusedSince)
        {
            var seconds = CeilingSeconds(unusedSince);
            query = query.Where(client => client.LastUsedAt == null || client.LastUsedAt < seconds);
        }

        if (!string.IsNullOrEmpty(filter.Text))
        {
            var text = filter.Text.ToLowerInvariant();
            query = query.Where(client => client.SearchText.Contains(text));
        }

        return query;
    }

    // Stored times are whole seconds: an instant within a second compares as the next whole one.
    private static long CeilingSeconds(DateTimeOffset instant)
    {
        var seconds = instant.ToUnixTimeSeconds();
        return DateTimeOffset.FromUnixTimeSeconds(seconds) < instant ? seconds + 1 : seconds;
    }

    private static DcrClient ToEntity(ClientRecord record) => new()
    {
        ClientId = record.ClientId,
        Source = record.Source,
        CreatedBy = record.CreatedBy,
        InitialAccessTokenId = record.InitialAccessTokenId,
        Anonymous = record.RegisteredAnonymously,
        ClientIdIssuedAt = record.ClientIdIssuedAt.ToUnixTimeSeconds(),
        LastUsedAt = record.LastUsedAt?.ToUnixTimeSeconds(),
        ClientName = record.ClientName,
        SearchText = ((record.ClientName ?? string.Empty) + "\n" + record.ClientId).ToLowerInvariant(),
        GrantTypes = string.Join(' ', record.GrantTypes),
        RedirectUris = WriteList(record.RedirectUris),
        TokenEndpointAuthMethod = record.TokenEndpointAuthMethod,
        Scope = record.Scope,
    };

    private static ClientRecord ToRecord(DcrClient entity) => new()
    {
        ClientId = entity.ClientId,
        Source = entity.Source,
        CreatedBy = entity.CreatedBy,
        InitialAccessTokenId = entity.InitialAccessTokenId,
        RegisteredAnonymously = entity.Anonymous,
        ClientIdIssuedAt = DateTimeOffset.FromUnixTimeSeconds(entity.ClientIdIssuedAt),
        LastUsedAt = entity.LastUsedAt is { } lastUsed ? DateTimeOffset.FromUnixTimeSeconds(lastUsed) : null,
        ClientName = entity.ClientName,
        GrantTypes = entity.GrantTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        RedirectUris = ReadList(entity.RedirectUris),
        TokenEndpointAuthMethod = entity.TokenEndpointAuthMethod,
        Scope = entity.Scope,
    };

    private static string WriteList(IReadOnlyList<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static List<string> ReadList(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(element => element.GetString() ?? string.Empty).ToList();
    }
}
