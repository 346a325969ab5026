using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.TestSupport;

/// <summary>
/// A store that keeps clients in a dictionary, assigns a new version on every write and enforces it like a real
/// store; <see cref="NextResult"/> makes the next write answer a given failure instead.
/// </summary>
internal sealed class InMemoryClientRegistrationStore : IClientRegistrationStore
{
    private readonly Dictionary<string, StoredClient> _clients = new(StringComparer.Ordinal);

    public StoreResult? NextResult { get; set; }

    public int Writes { get; private set; }

    public int Finds { get; private set; }

    public StoredClient? this[string clientId] => _clients.GetValueOrDefault(clientId);

    public StoredClient Seed(StoredClient client)
    {
        var stored = client with { Version = Guid.NewGuid().ToString("N") };
        _clients[client.ClientId] = stored;
        return stored;
    }

    public ValueTask<StoreResult> CreateAsync(StoredClient client, CancellationToken cancellationToken)
    {
        Writes++;
        if (TakeNextResult() is { } result)
        {
            return ValueTask.FromResult(result);
        }

        if (_clients.ContainsKey(client.ClientId))
        {
            return ValueTask.FromResult(StoreResult.Rejected("duplicate client_id"));
        }

        return ValueTask.FromResult(StoreResult.Success(Seed(client)));
    }

    public ValueTask<StoredClient?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        Finds++;
        return ValueTask.FromResult(_clients.GetValueOrDefault(clientId));
    }

    public ValueTask<StoreResult> UpdateAsync(StoredClient client, CancellationToken cancellationToken)
    {
        Writes++;
        if (TakeNextResult() is { } result)
        {
            return ValueTask.FromResult(result);
        }

        if (!_clients.TryGetValue(client.ClientId, out var current))
        {
            return ValueTask.FromResult(StoreResult.NotFound);
        }

        if (!string.Equals(current.Version, client.Version, StringComparison.Ordinal))
        {
            return ValueTask.FromResult(StoreResult.Conflict);
        }

        return ValueTask.FromResult(StoreResult.Success(Seed(client)));
    }

    public ValueTask<StoreResult> DeleteAsync(StoredClient client, CancellationToken cancellationToken)
    {
        Writes++;
        if (TakeNextResult() is { } result)
        {
            return ValueTask.FromResult(result);
        }

        return ValueTask.FromResult(_clients.Remove(client.ClientId) ? StoreResult.Success(client) : StoreResult.NotFound);
    }

    public ValueTask<bool> HasLiveRefreshTokenAsync(string clientId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);

    public ValueTask<StoredClientBatch> ListAsync(string? afterClientId, int count, CancellationToken cancellationToken)
    {
        var batch = _clients.Values.OrderBy(client => client.ClientId, StringComparer.Ordinal)
            .Where(client => afterClientId is null || string.CompareOrdinal(client.ClientId, afterClientId) > 0).Take(count).ToList();
        return ValueTask.FromResult(new StoredClientBatch(batch, batch.Count < count ? null : batch[^1].ClientId));
    }

    private StoreResult? TakeNextResult()
    {
        var result = NextResult;
        NextResult = null;
        return result;
    }
}
