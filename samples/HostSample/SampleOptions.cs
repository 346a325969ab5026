namespace HostSample;

/// <summary>Settings of the sample host itself, bound from the <c>Sample</c> section.</summary>
public sealed class SampleOptions
{
    /// <summary>
    /// The seeded administrative client that may obtain initial access tokens (scope <c>dcr</c>) and use the admin API
    /// (scope <c>dcr:admin</c>).
    /// </summary>
    public string AdminClientId { get; set; } = "dcr-admin";

    /// <summary>Its secret. Change it anywhere but on your own machine.</summary>
    public string AdminClientSecret { get; set; } = "dcr-admin-secret";

    /// <summary>
    /// The administrator's user name on the admin pages' sign-in form (<c>{DynamicClientRegistration:Admin:Path}/login</c>).
    /// Default <c>admin</c>.
    /// </summary>
    public string AdminUser { get; set; } = "admin";

    /// <summary>
    /// The administrator's password, at least <see cref="SampleAdminLogin.MinPasswordLength"/> characters. No default:
    /// without one the sign-in form and the admin pages are not mapped (and the sample says so in its log). Give it on
    /// the command line, in an environment variable (<c>Sample__AdminPassword</c>) or with <c>dotnet user-secrets</c>,
    /// never in a committed file.
    /// </summary>
    public string? AdminPassword { get; set; }

    /// <summary>Where the signing and encryption keys live; relative paths are under the content root.</summary>
    public string KeysPath { get; set; } = "App_Data/sample-keys.json";

    /// <summary>
    /// Whether OpenIddict writes a database row for every access token it issues. Off by default: a
    /// <c>client_credentials</c> request then reads the client and writes nothing, and the tokens of a deleted client
    /// still stop working because validation checks that the client exists. On, single access tokens can be revoked.
    /// </summary>
    public bool StoreAccessTokens { get; set; }

    /// <summary>
    /// Whether access tokens are encrypted (JWE) as well as signed. Off by default: signed JWTs that resource servers
    /// can verify with the published keys alone, as RFC 9068 describes. On, only this host can read them.
    /// </summary>
    public bool EncryptAccessTokens { get; set; }

    /// <summary>
    /// How many entries the host's memory cache holds (<see cref="BoundedMemoryCache"/>); OpenIddict keeps parsed client
    /// columns there. The default keeps memory flat under any registration rate.
    /// </summary>
    public int MemoryCacheEntries { get; set; } = 10_000;

    /// <summary>
    /// The RFC 8707 resource identifier of the sample's own protected API (<c>/api/…</c>): its access tokens carry it
    /// in <c>aud</c>, it is on <c>DynamicClientRegistration:Resources:Allowed</c>, and the API publishes RFC 9728
    /// metadata under it. Empty (the default) means the first of <c>Urls</c> followed by <c>/api</c>.
    /// </summary>
    public string? ApiResource { get; set; }

    /// <summary>
    /// The issuer, pinned (<c>SetIssuer</c>): discovery, tokens, <c>registration_client_uri</c> and the API's RFC 9728
    /// metadata all name it whatever Host header a request carries. Empty (the default) means OpenIddict's own rule, the
    /// request's base URI, which suits trials on this machine; production pins it (README, "Production settings").
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>
    /// Seconds to drive a scratch instance of this application (its own SQLite database and keys, in a temporary
    /// directory) before this one starts listening, so that it answers its first requests with its hot paths already
    /// compiled (<see cref="SampleWarmUp"/>). Readiness comes that much later. Default 0: no warm-up.
    /// </summary>
    public double WarmUpSeconds { get; set; }
}
