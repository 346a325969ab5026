using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.TestSupport;

/// <summary>
/// A catalog in a dictionary, for unit tests of the core; atomic units simply run (one thread). The EF Core catalog, with
/// its transactions and locks, is exercised by the integration tests over real databases.
/// </summary>
internal sealed class InMemoryClientCatalog : IClientCatalog
{
    private readonly Dictionary<string, ClientRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ClientRecord> Records => _records;

    public Task<TResult> ExecuteAtomicallyAsync<TResult>(Func<CancellationToken, Task<TResult>> work, Func<TResult, bool> commit, CancellationToken cancellationToken) =>
        work(cancellationToken);

    public Task<long> IncrementAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_counters[key] = _counters.GetValueOrDefault(key) + 1);

    public Task<long> ReadCounterAsync(string key, CancellationToken cancellationToken) => Task.FromResult(_counters.GetValueOrDefault(key));

    public Task<long> CountByCreatorAsync(string createdBy, CancellationToken cancellationToken) =>
        Task.FromResult((long)_records.Values.Count(record => record.CreatedBy == createdBy && record.Source == ClientSources.Registration));

    public Task<long> CountAnonymousAsync(CancellationToken cancellationToken) =>
        Task.FromResult((long)_records.Values.Count(record => record.RegisteredAnonymously && record.Source == ClientSources.Registration));

    public Task AddAsync(ClientRecord record, CancellationToken cancellationToken)
    {
        _records[record.ClientId] = record;
        return Task.CompletedTask;
    }

    public Task UpdateAsync(ClientRecord record, CancellationToken cancellationToken)
    {
        _records[record.ClientId] = _records.TryGetValue(record.ClientId, out var existing)
            ? existing with
            {
                ClientName = record.ClientName,
                GrantTypes = record.GrantTypes,
                RedirectUris = record.RedirectUris,
                TokenEndpointAuthMethod = record.TokenEndpointAuthMethod,
                Scope = record.Scope,
            }
            : record;
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken) => Task.FromResult(_records.Remove(clientId));

    public Task<bool> RecordUseAsync(string clientId, DateTimeOffset usedAt, DateTimeOffset writtenAtOrBefore, CancellationToken cancellationToken)
    {
        if (_records.TryGetValue(clientId, out var record) && (record.LastUsedAt is null || record.LastUsedAt <= writtenAtOrBefore))
        {
            _records[clientId] = record with { LastUsedAt = usedAt };
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }

    public Task<ClientRecord?> FindAsync(string clientId, CancellationToken cancellationToken) => Task.FromResult(_records.GetValueOrDefault(clientId));

    public Task<IReadOnlyList<ClientRecord>> ListAsync(ClientFilter filter, ClientOrder order, ClientListPosition? after, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ClientRecord>>(_records.Values.Take(limit).ToList());

    public Task<long> CountAsync(ClientFilter filter, CancellationToken cancellationToken) => Task.FromResult((long)_records.Count);

    public Task<IReadOnlyList<string>> FindExpiredAsync(DateTimeOffset? neverUsedIssuedBefore, DateTimeOffset? inactiveBefore, string? afterClientId,
        int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
}
