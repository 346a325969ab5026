using Dcr.IdentityServerExtensions.Administration;

namespace Dcr.IdentityServerExtensions.Stores;

/// <summary>
/// The bookkeeping of every client this product created, in real, indexed fields of the host's database: where it
/// came from, who created it and with which initial access token, when, when it was last used, and the counters the
/// registration quotas need. The second half of the storage seam, beside <see cref="IClientRegistrationStore"/>: a
/// client's row in the host's client storage and its record here are written as one atomic unit
/// (<see cref="ExecuteAtomicallyAsync{TResult}"/>), so neither exists without the other.
/// <c>Dcr.IdentityServerExtensions.EntityFrameworkCore</c> implements it over the host's own <c>DbContext</c>
/// (<c>AddDynamicClientRegistration(…).UseEntityFrameworkCore&lt;TContext&gt;()</c>).
/// </summary>
/// <remarks>
/// Scoped to a request, and sharing the client store's connection: the unit of work must cover the store's writes.
/// Nothing here is ever looked up by text the client controls: every filter is an exact comparison on a column.
/// </remarks>
public interface IClientCatalog
{
    /// <summary>
    /// Runs <paramref name="work"/> as one atomic unit with the client store's writes made inside it: committed when
    /// <paramref name="commit"/> says so of its result, rolled back otherwise and on any exception (which is rethrown).
    /// Called inside a unit already running, it joins that unit.
    /// </summary>
    Task<TResult> ExecuteAtomicallyAsync<TResult>(
        Func<CancellationToken, Task<TResult>> work, Func<TResult, bool> commit, CancellationToken cancellationToken);

    /// <summary>
    /// Adds one to the counter <paramref name="key"/> (creating it at 1) and returns its new value. Inside an atomic
    /// unit the counter stays locked until the unit ends, on every instance sharing the database: a second unit
    /// incrementing the same key waits, then sees what the first committed. That is what makes quotas exact.
    /// </summary>
    Task<long> IncrementAsync(string key, CancellationToken cancellationToken);

    /// <summary>The value of the counter <paramref name="key"/>; 0 when it was never incremented.</summary>
    Task<long> ReadCounterAsync(string key, CancellationToken cancellationToken);

    /// <summary>How many clients registered (source <c>dcr</c>) by <paramref name="createdBy"/> exist now.</summary>
    Task<long> CountByCreatorAsync(string createdBy, CancellationToken cancellationToken);

    /// <summary>How many clients registered (source <c>dcr</c>) without an initial access token exist now.</summary>
    Task<long> CountAnonymousAsync(CancellationToken cancellationToken);

    /// <summary>Adds the record of a new client, replacing any record left under the same client id.</summary>
    Task AddAsync(ClientRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Updates what a record says of the client's metadata (name, grant types, redirect URIs, authentication method,
    /// scope), keeping its origin, its creator, its initial access token and its last use; adds the record when there
    /// is none.
    /// </summary>
    Task UpdateAsync(ClientRecord record, CancellationToken cancellationToken);

    /// <summary>Removes the record; <see langword="false"/> when there was none.</summary>
    Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the client's last use to <paramref name="usedAt"/> when it has none or one at or before
    /// <paramref name="writtenAtOrBefore"/>, in one conditional statement; <see langword="false"/> when nothing was written
    /// (used recently enough, or not a client of this product).
    /// </summary>
    Task<bool> RecordUseAsync(string clientId, DateTimeOffset usedAt, DateTimeOffset writtenAtOrBefore, CancellationToken cancellationToken);

    /// <summary>The record of the client, or <see langword="null"/>.</summary>
    Task<ClientRecord?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="limit"/> records matching <paramref name="filter"/>, in <paramref name="order"/>, starting
    /// after <paramref name="after"/> (keyset paging: stable while clients come and go).
    /// </summary>
    Task<IReadOnlyList<ClientRecord>> ListAsync(
        ClientFilter filter, ClientOrder order, ClientListPosition? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many records match <paramref name="filter"/>.</summary>
    Task<long> CountAsync(ClientFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// The ids of at most <paramref name="limit"/> clients, in client id order after <paramref name="afterClientId"/>,
    /// that were never used and issued before <paramref name="neverUsedIssuedBefore"/>, or whose last use (or, never
    /// used, their issue) lies before <paramref name="inactiveBefore"/>. A <see langword="null"/> bound selects nothing.
    /// </summary>
    Task<IReadOnlyList<string>> FindExpiredAsync(DateTimeOffset? neverUsedIssuedBefore, DateTimeOffset? inactiveBefore,
        string? afterClientId, int limit, CancellationToken cancellationToken);
}

/// <summary>Where a page of a listing starts: after the client with this sort value and id.</summary>
/// <param name="SortValue">
/// The order's sort key, in seconds since the epoch: <c>client_id_issued_at</c> for the creation orders,
/// <c>last_used_at</c> (0 when never used) for the last-use orders.
/// </param>
/// <param name="ClientId">The client id, which breaks ties.</param>
public readonly record struct ClientListPosition(long SortValue, string ClientId);

/// <summary>What the catalog keeps about one client. Never a secret, a registration access token or a hash of one.</summary>
public sealed record ClientRecord
{
    /// <summary>The client identifier.</summary>
    public required string ClientId { get; init; }

    /// <summary><see cref="ClientSources.Registration"/> or <see cref="ClientSources.MetadataDocument"/>.</summary>
    public required string Source { get; init; }

    /// <summary>The initial access token's caller; <see langword="null"/> when registered anonymously.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>The initial access token's <c>jti</c>, or the SHA-256 (base64url) of the token when it has none.</summary>
    public string? InitialAccessTokenId { get; init; }

    /// <summary>Whether the client was registered without an initial access token.</summary>
    public bool RegisteredAnonymously { get; init; }

    /// <summary><c>client_id_issued_at</c>, whole seconds.</summary>
    public required DateTimeOffset ClientIdIssuedAt { get; init; }

    /// <summary>When the client last got a token or was authorized; <see langword="null"/> when never.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary><c>client_name</c>.</summary>
    public string? ClientName { get; init; }

    /// <summary><c>grant_types</c>.</summary>
    public IReadOnlyList<string> GrantTypes { get; init; } = [];

    /// <summary><c>redirect_uris</c>.</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary><c>token_endpoint_auth_method</c>.</summary>
    public string? TokenEndpointAuthMethod { get; init; }

    /// <summary><c>scope</c>.</summary>
    public string? Scope { get; init; }

    /// <summary>The record of <paramref name="client"/>, registered with the initial access token <paramref name="initialAccessTokenId"/>.</summary>
    public static ClientRecord From(StoredClient client, string? initialAccessTokenId = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ClientRecord
        {
            ClientId = client.ClientId,
            Source = client.Source,
            CreatedBy = client.CreatedBy,
            InitialAccessTokenId = initialAccessTokenId,
            RegisteredAnonymously = client.RegisteredAnonymously,
            ClientIdIssuedAt = client.ClientIdIssuedAt,
            ClientName = client.Metadata.ClientName,
            GrantTypes = client.Metadata.GrantTypes ?? [],
            RedirectUris = client.Metadata.RedirectUris,
            TokenEndpointAuthMethod = client.Metadata.TokenEndpointAuthMethod,
            Scope = client.Metadata.Scope,
        };
    }

    /// <summary>Whether the two records say the same of the client's metadata (what <see cref="IClientCatalog.UpdateAsync"/> writes).</summary>
    public bool DescribesSameMetadata(ClientRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ClientName == other.ClientName && TokenEndpointAuthMethod == other.TokenEndpointAuthMethod && Scope == other.Scope
            && GrantTypes.SequenceEqual(other.GrantTypes, StringComparer.Ordinal)
            && RedirectUris.SequenceEqual(other.RedirectUris, StringComparer.Ordinal);
    }
}
