using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Every write of a client goes through here: on creation and deletion the host's client row
/// (<see cref="IClientRegistrationStore"/>) and its record in the catalog (<see cref="IClientCatalog"/>) are written as
/// one atomic unit, and a registration takes its quotas in that same unit. A failure anywhere (a refused quota, the host
/// refusing the client, a lost connection, a failed commit) rolls both back. Updates are described at
/// <see cref="UpdateAsync"/>.
/// </summary>
internal sealed class ClientRegistry
{
    private readonly IClientRegistrationStore _store;
    private readonly IClientCatalog _catalog;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly ILogger<ClientRegistry> _logger;

    public ClientRegistry(IClientRegistrationStore store, IClientCatalog catalog, IOptionsMonitor<DynamicClientRegistrationOptions> options,
        ILogger<ClientRegistry> logger)
    {
        _store = store;
        _catalog = catalog;
        _options = options;
        _logger = logger;
    }

    public IClientRegistrationStore Store => _store;

    public IClientCatalog Catalog => _catalog;

    /// <summary>
    /// Creates the client and its record, after the quotas that apply to a registration (source <c>dcr</c>) have
    /// admitted it. A quota's refusal comes back as <see cref="Written.Refusal"/>, with nothing written.
    /// </summary>
    public async Task<Written> CreateAsync(StoredClient client, string? initialAccessTokenId, CancellationToken cancellationToken)
    {
        var record = ClientRecord.From(client, initialAccessTokenId);
        return await GuardAsync(() => _catalog.ExecuteAtomicallyAsync(async token =>
        {
            if (client.Source == ClientSources.Registration
                && await AdmitAsync(client, initialAccessTokenId, token).ConfigureAwait(false) is { } refusal)
            {
                return new Written(null, refusal);
            }

            // The record first: if the host refuses the client, the unit rolls back and the record goes with it.
            await _catalog.AddAsync(record, token).ConfigureAwait(false);
            return new Written(await _store.CreateAsync(client, token).ConfigureAwait(false), null);
        }, written => written.Succeeded, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the client (<paramref name="previous"/> as read, <paramref name="updated"/> to write), then, when what
    /// the record says of the metadata changed, the record's descriptive columns (name, grant types, redirect URIs,
    /// authentication method, scope). An update is not one unit with its record: it changes none of the columns the
    /// quotas count, and a transaction around it would hold the database's write lock (all of SQLite's) across the
    /// store's optimistic concurrency check, so that two racing updates would wait on each other instead of one losing
    /// at once. A record write that fails after the client's is logged and leaves the old description until the next
    /// update; the client's own write, and its new credentials, stand.
    /// </summary>
    public async Task<StoreResult> UpdateAsync(StoredClient previous, StoredClient updated, CancellationToken cancellationToken)
    {
        var result = await _store.UpdateAsync(updated, cancellationToken).ConfigureAwait(false);
        var record = ClientRecord.From(updated);
        if (result.Status != StoreStatus.Succeeded || record.DescribesSameMetadata(ClientRecord.From(previous)))
        {
            return result;
        }

        try
        {
            await _catalog.UpdateAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Diagnostics.Log.CatalogUpdateFailed(_logger, updated.ClientId, exception);
        }

        return result;
    }

    /// <summary>Deletes the client, whatever the host issued to it, and its record.</summary>
    public async Task<StoreResult> DeleteAsync(StoredClient client, CancellationToken cancellationToken)
    {
        var written = await GuardAsync(() => _catalog.ExecuteAtomicallyAsync(async token =>
        {
            await _catalog.RemoveAsync(client.ClientId, token).ConfigureAwait(false);
            return new Written(await _store.DeleteAsync(client, token).ConfigureAwait(false), null);
        }, result => result.Succeeded, cancellationToken)).ConfigureAwait(false);
        return written.Result!;
    }

    /// <summary>
    /// Deletes the client named <paramref name="clientId"/> if this product created it, or a record whose client is gone
    /// (left by a host that deleted the client itself): <see langword="true"/> when something was deleted.
    /// </summary>
    public async Task<StoreResult> DeleteAsync(string clientId, CancellationToken cancellationToken)
    {
        var client = await _store.FindAsync(clientId, cancellationToken).ConfigureAwait(false);
        if (client is not null)
        {
            return await DeleteAsync(client, cancellationToken).ConfigureAwait(false);
        }

        var removed = await GuardAsync(async () => new Written(
            await _catalog.RemoveAsync(clientId, cancellationToken).ConfigureAwait(false) ? new StoreResult(StoreStatus.Succeeded) : StoreResult.NotFound, null))
            .ConfigureAwait(false);
        return removed.Result!;
    }

    // The quotas, taken in a fixed order (token, caller, anonymous) so that two units never wait on each other's locks.
    // Each counter's row is locked by its increment until the unit ends: a concurrent registration under the same key,
    // on any instance, waits here and then counts what this one committed.
    private async Task<RegistrationError?> AdmitAsync(StoredClient client, string? initialAccessTokenId, CancellationToken cancellationToken)
    {
        var policies = _options.CurrentValue.Policies;
        if (policies.MaxClientsPerInitialAccessToken > 0 && initialAccessTokenId is not null)
        {
            var registrations = await _catalog.IncrementAsync(CounterKeys.InitialAccessToken(initialAccessTokenId), cancellationToken).ConfigureAwait(false);
            if (registrations > policies.MaxClientsPerInitialAccessToken)
            {
                return RegistrationErrorDescriptions.TooManyClientsForInitialAccessToken(policies.MaxClientsPerInitialAccessToken);
            }
        }

        if (policies.MaxClientsPerCaller > 0 && client.CreatedBy is { } caller)
        {
            await _catalog.IncrementAsync(CounterKeys.Caller(caller), cancellationToken).ConfigureAwait(false);
            var live = await _catalog.CountByCreatorAsync(caller, cancellationToken).ConfigureAwait(false);
            if (live >= policies.MaxClientsPerCaller)
            {
                return RegistrationErrorDescriptions.TooManyClients(live);
            }
        }

        if (policies.MaxAnonymousClients > 0 && client.RegisteredAnonymously)
        {
            await _catalog.IncrementAsync(CounterKeys.Anonymous, cancellationToken).ConfigureAwait(false);
            var live = await _catalog.CountAnonymousAsync(cancellationToken).ConfigureAwait(false);
            if (live >= policies.MaxAnonymousClients)
            {
                return RegistrationErrorDescriptions.TooManyAnonymousClients();
            }
        }

        return null;
    }

    // A storage that cannot be reached answers as the store itself does: Unavailable, nothing written.
    private async Task<Written> GuardAsync(Func<Task<Written>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (Exception exception) when (StoreFailures.IsUnreachable(exception))
        {
            Diagnostics.Log.StorageUnavailable(_logger, exception);
            return new Written(StoreResult.Unavailable, null);
        }
    }

    /// <summary>What a write did: the store's result, or the quota that refused it.</summary>
    internal sealed record Written(StoreResult? Result, RegistrationError? Refusal)
    {
        public bool Succeeded => Refusal is null && Result?.Status == StoreStatus.Succeeded;
    }
}

/// <summary>
/// The catalog's counter keys. The variable part is hashed, so that any caller id or token id makes a key of one fixed
/// length and alphabet, whatever characters it holds.
/// </summary>
internal static class CounterKeys
{
    /// <summary>Live clients registered without an initial access token (a lock only; the count is of records).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>Set once the clients registered before the catalog existed have their records.</summary>
    public const string Backfilled = "backfill:1";

    /// <summary>Registrations performed with one initial access token.</summary>
    public static string InitialAccessToken(string tokenId) => "iat:" + Hash(tokenId);

    /// <summary>Registrations by one caller (a lock for the live count of its records).</summary>
    public static string Caller(string callerId) => "caller:" + Hash(callerId);

    private static string Hash(string value) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
