namespace Dcr.IdentityServerExtensions.Administration;

/// <summary>
/// What an operator can see and do with the clients this product created: list them with filters, look at one, delete
/// one, delete many. The admin API (<c>MapDynamicClientRegistrationAdmin()</c>) and the admin page
/// (<c>MapDynamicClientRegistrationAdminUi()</c>) are two faces of this one service, so they cannot disagree.
/// Never exposes a secret, a registration access token or a hash.
/// </summary>
public interface IClientAdministration
{
    /// <summary>One page of the clients matching <paramref name="query"/>, in its order.</summary>
    Task<ClientPage> ListAsync(ClientQuery query, CancellationToken cancellationToken);

    /// <summary>The client, or <see langword="null"/> when no client of this product has that id.</summary>
    Task<ClientSummary?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the client and whatever the host issued to it, as RFC 7592 delete does; <see langword="false"/> when no
    /// client of this product has that id.
    /// </summary>
    Task<bool> DeleteAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every client matching <paramref name="filter"/> (or, with <paramref name="dryRun"/>, only counts them).
    /// The filter must not be empty (<see cref="ClientFilter.IsEmpty"/>): callers refuse that before calling.
    /// </summary>
    Task<BulkDeleteResult> DeleteManyAsync(ClientFilter filter, bool dryRun, CancellationToken cancellationToken);
}

/// <summary>
/// Which clients: every member that is set narrows the selection (all of them must hold). Member names follow the admin
/// API's query parameters (<c>source</c>, <c>created_by</c>, <c>initial_access_token_id</c>, <c>created_after</c>,
/// <c>created_before</c>, <c>unused_since</c>, <c>q</c>).
/// </summary>
public sealed record ClientFilter
{
    /// <summary><c>dcr</c> or <c>cimd</c> (<see cref="Stores.ClientSources"/>).</summary>
    public string? Source { get; init; }

    /// <summary>The caller that registered the client (exact match).</summary>
    public string? CreatedBy { get; init; }

    /// <summary>The initial access token the client was registered with (exact match).</summary>
    public string? InitialAccessTokenId { get; init; }

    /// <summary>Issued at or after this instant.</summary>
    public DateTimeOffset? CreatedAfter { get; init; }

    /// <summary>Issued before this instant.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Not used since this instant: last used before it, or never used.</summary>
    public DateTimeOffset? UnusedSince { get; init; }

    /// <summary>Text found in the client's name or id (<c>q</c>), case-insensitive.</summary>
    public string? Text { get; init; }

    /// <summary>Whether no member is set (a bulk delete refuses such a filter).</summary>
    public bool IsEmpty =>
        Source is null && CreatedBy is null && InitialAccessTokenId is null && CreatedAfter is null
        && CreatedBefore is null && UnusedSince is null && string.IsNullOrEmpty(Text);
}

/// <summary>The order of a listing; ties are broken by client id, so paging is stable.</summary>
public enum ClientOrder
{
    /// <summary>Newest first (the default).</summary>
    CreatedDescending,

    /// <summary>Oldest first.</summary>
    CreatedAscending,

    /// <summary>Most recently used first; never used last.</summary>
    LastUsedDescending,

    /// <summary>Never used first, then least recently used.</summary>
    LastUsedAscending,
}

/// <summary>A listing request.</summary>
public sealed record ClientQuery
{
    /// <summary>The default page size.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The largest page size.</summary>
    public const int MaxLimit = 500;

    /// <summary>Which clients.</summary>
    public ClientFilter Filter { get; init; } = new();

    /// <summary>In which order.</summary>
    public ClientOrder Order { get; init; } = ClientOrder.CreatedDescending;

    /// <summary>At most this many clients (1 to <see cref="MaxLimit"/>).</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>The <see cref="ClientPage.NextCursor"/> of the previous page; <see langword="null"/> for the first.</summary>
    public string? Cursor { get; init; }
}

/// <summary>One page of a listing.</summary>
/// <param name="Clients">The clients of this page.</param>
/// <param name="NextCursor">Opaque; pass it back for the next page. <see langword="null"/> on the last page.</param>
public sealed record ClientPage(IReadOnlyList<ClientSummary> Clients, string? NextCursor);

/// <summary>What an operator sees of a client (the admin API's JSON members in parentheses).</summary>
/// <param name="ClientId"><c>client_id</c>.</param>
/// <param name="ClientName"><c>client_name</c>.</param>
/// <param name="Source"><c>source</c>: <c>dcr</c> or <c>cimd</c>.</param>
/// <param name="CreatedBy"><c>created_by</c>; <see langword="null"/> when registered anonymously.</param>
/// <param name="InitialAccessTokenId"><c>initial_access_token_id</c>: the token's <c>jti</c>, or a hash of the token.</param>
/// <param name="ClientIdIssuedAt"><c>client_id_issued_at</c>.</param>
/// <param name="LastUsedAt"><c>last_used_at</c>; <see langword="null"/> when never used.</param>
/// <param name="GrantTypes"><c>grant_types</c>.</param>
/// <param name="RedirectUris"><c>redirect_uris</c>.</param>
/// <param name="TokenEndpointAuthMethod"><c>token_endpoint_auth_method</c>.</param>
/// <param name="Scope"><c>scope</c>.</param>
public sealed record ClientSummary(
    string ClientId,
    string? ClientName,
    string Source,
    string? CreatedBy,
    string? InitialAccessTokenId,
    DateTimeOffset ClientIdIssuedAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> RedirectUris,
    string? TokenEndpointAuthMethod,
    string? Scope);

/// <summary>The outcome of a bulk delete.</summary>
/// <param name="Matched">How many clients matched the filter.</param>
/// <param name="Deleted">How many were deleted (0 in a dry run).</param>
public sealed record BulkDeleteResult(int Matched, int Deleted);
