namespace Dcr.IdentityServerExtensions.Stores;

/// <summary>
/// The one seam between this product and the host's client storage. A host adapter implements it over the host's
/// own client model (OpenIddict: the application manager), so that a registered client is a real client of the host.
/// Implementations are scoped to a request and must make every call one atomic write.
/// </summary>
public interface IClientRegistrationStore
{
    /// <summary>Creates the client and returns it as stored.</summary>
    ValueTask<StoreResult> CreateAsync(StoredClient client, CancellationToken cancellationToken);

    /// <summary>Finds a dynamically registered client; <see langword="null"/> when there is none.</summary>
    ValueTask<StoredClient?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the client, provided its <see cref="StoredClient.Version"/> still matches the stored one
    /// (else <see cref="StoreStatus.Conflict"/>), and returns it as stored.
    /// </summary>
    ValueTask<StoreResult> UpdateAsync(StoredClient client, CancellationToken cancellationToken);

    /// <summary>Deletes the client and whatever the host issued to it (tokens, authorizations).</summary>
    ValueTask<StoreResult> DeleteAsync(StoredClient client, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the host holds a refresh token for the client that is still valid (not revoked, redeemed or expired) at
    /// <paramref name="now"/>: the expiry of unused clients keeps such a client, whose user may come back.
    /// </summary>
    ValueTask<bool> HasLiveRefreshTokenAsync(string clientId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// One batch of a walk over every dynamically registered client, in the host's client id order: at most
    /// <paramref name="count"/> of the host's clients after <paramref name="afterClientId"/> are looked at, and those
    /// that are dynamically registered are returned. Used once, to give clients registered before the
    /// <see cref="IClientCatalog"/> existed their records.
    /// </summary>
    ValueTask<StoredClientBatch> ListAsync(string? afterClientId, int count, CancellationToken cancellationToken);
}

/// <summary>One batch of <see cref="IClientRegistrationStore.ListAsync"/>.</summary>
/// <param name="Clients">The dynamically registered clients of the batch.</param>
/// <param name="Next">Where the next batch starts (the last client id looked at); <see langword="null"/> when the walk is over.</param>
public sealed record StoredClientBatch(IReadOnlyList<StoredClient> Clients, string? Next);

/// <summary>How a store call ended.</summary>
public enum StoreStatus
{
    /// <summary>The write happened.</summary>
    Succeeded,

    /// <summary>The client does not exist (any more).</summary>
    NotFound,

    /// <summary>The client changed since it was read; nothing was written.</summary>
    Conflict,

    /// <summary>The host refused the client as inconsistent; nothing was written.</summary>
    Rejected,

    /// <summary>The storage could not be reached; nothing is known to be written.</summary>
    Unavailable,
}

/// <summary>The result of a store write.</summary>
/// <param name="Status">How the call ended.</param>
/// <param name="Client">The client as stored, on success.</param>
/// <param name="Description">Why the host rejected the client, for <see cref="StoreStatus.Rejected"/>; never contains a secret.</param>
public sealed record StoreResult(StoreStatus Status, StoredClient? Client = null, string? Description = null)
{
    /// <summary>A successful write.</summary>
    public static StoreResult Success(StoredClient client) => new(StoreStatus.Succeeded, client);

    /// <summary>A write refused because the client changed since it was read.</summary>
    public static StoreResult Conflict { get; } = new(StoreStatus.Conflict);

    /// <summary>A write of a client that does not exist.</summary>
    public static StoreResult NotFound { get; } = new(StoreStatus.NotFound);

    /// <summary>A write the storage could not take.</summary>
    public static StoreResult Unavailable { get; } = new(StoreStatus.Unavailable);

    /// <summary>A client the host refused.</summary>
    /// <param name="description">
    /// Why, in words safe to show the client, or <see langword="null"/> for the product's own words; either way the
    /// <c>error_description</c> ends with the id DCR2703.
    /// </param>
    public static StoreResult Rejected(string? description = null) => new(StoreStatus.Rejected, Description: description);
}
