namespace Dcr.IdentityServerExtensions.EntityFrameworkCore;

/// <summary>
/// One row of the table <c>DcrClients</c>: the bookkeeping of one client this product created, in real columns that the
/// admin API filters and sorts on and the quotas count. Times are seconds since the epoch, as the protocol carries them.
/// Written only by <see cref="EntityFrameworkCoreClientCatalog{TContext}"/>, in the same transaction as the client itself.
/// </summary>
public sealed class DcrClient
{
    /// <summary>The client identifier (the key); the same as the host's client.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary><c>dcr</c> (registered) or <c>cimd</c> (a Client ID Metadata Document).</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>The initial access token's caller (its client or subject); <see langword="null"/> when anonymous.</summary>
    public string? CreatedBy { get; set; }

    /// <summary>The initial access token's <c>jti</c>, or the SHA-256 (base64url) of the token.</summary>
    public string? InitialAccessTokenId { get; set; }

    /// <summary>Registered without an initial access token.</summary>
    public bool Anonymous { get; set; }

    /// <summary><c>client_id_issued_at</c>, seconds since the epoch.</summary>
    public long ClientIdIssuedAt { get; set; }

    /// <summary>The last token or authorization, seconds since the epoch; <see langword="null"/> when never used.</summary>
    public long? LastUsedAt { get; set; }

    /// <summary><c>client_name</c>.</summary>
    public string? ClientName { get; set; }

    /// <summary>The client name and id in lower case (invariant culture), what <c>q</c> searches with an exact substring match.</summary>
    public string SearchText { get; set; } = string.Empty;

    /// <summary><c>grant_types</c>, space-separated.</summary>
    public string GrantTypes { get; set; } = string.Empty;

    /// <summary><c>redirect_uris</c>, as a JSON array.</summary>
    public string RedirectUris { get; set; } = "[]";

    /// <summary><c>token_endpoint_auth_method</c>.</summary>
    public string? TokenEndpointAuthMethod { get; set; }

    /// <summary><c>scope</c>.</summary>
    public string? Scope { get; set; }
}

/// <summary>
/// One row of the table <c>DcrCounters</c>: a counter the quotas keep (registrations per initial access token, and one
/// row per caller and for anonymous callers whose lock serializes concurrent registrations), and one-time markers.
/// Keys carry a SHA-256 of the caller or token id, never the id itself.
/// </summary>
public sealed class DcrCounter
{
    /// <summary>The counter's key, such as <c>iat:{hash}</c>.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>How many times it was incremented in units that committed.</summary>
    public long Count { get; set; }
}
