using Dcr.IdentityServerExtensions.Protocol;

namespace Dcr.IdentityServerExtensions.Options;

/// <summary>
/// Settings of dynamic client registration, bound from the configuration section
/// <see cref="SectionName"/> (<c>DynamicClientRegistration</c>). Names follow PingFederate's
/// "Dynamic Client Registration" settings where it has one.
/// </summary>
public sealed class DynamicClientRegistrationOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "DynamicClientRegistration";

    /// <summary>The default registration endpoint path.</summary>
    public const string DefaultRegistrationPath = "/connect/register";

    /// <summary>
    /// Whether the registration endpoint answers at all (PingFederate: "Enable Dynamic Client Registration").
    /// Default <see langword="true"/>: adding the package is the act of enabling it. When off, every route answers 404.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The path of the registration endpoint, relative to the host's path base. Default <c>/connect/register</c>;
    /// PingFederate uses <c>/as/clients.oauth2</c>. Management calls go to <c>{RegistrationPath}/{client_id}</c>.
    /// </summary>
    public string RegistrationPath { get; set; } = DefaultRegistrationPath;

    /// <summary>
    /// Whether registration requires an initial access token (PingFederate: "Require Initial Access Token").
    /// Default <see langword="true"/>.
    /// </summary>
    public bool RequireInitialAccessToken { get; set; } = true;

    /// <summary>The scope an initial access token must carry. Default <c>dcr</c>.</summary>
    public string InitialAccessTokenScope { get; set; } = "dcr";

    /// <summary>
    /// Grant types a client may register. Empty (the default) means what the host allows
    /// (the OpenIddict adapter takes the flows enabled on the server), else
    /// <c>authorization_code</c>, <c>refresh_token</c> and <c>client_credentials</c>.
    /// </summary>
    public IList<string> AllowedGrantTypes { get; } = [];

    /// <summary>
    /// Token endpoint authentication methods a client may register: any of <c>client_secret_basic</c>,
    /// <c>client_secret_post</c>, <c>private_key_jwt</c> and <c>none</c>. Empty (the default) means all of them that
    /// the host supports.
    /// </summary>
    public IList<string> AllowedTokenEndpointAuthMethods { get; } = [];

    /// <summary>
    /// Scopes a client may register. Left empty (the default), the host adapter fills it with the scopes the host
    /// supports (OpenIddict: the scopes registered on the server) except <see cref="InitialAccessTokenScope"/> and the
    /// admin API's <see cref="AdminOptions.RequiredScope"/>, so that a registered client cannot register further clients
    /// unless that scope is listed here explicitly, and can never administer them (listing the admin scope here fails at
    /// start-up).
    /// </summary>
    public IList<string> AllowedScopes { get; } = [];

    /// <summary>
    /// How long a generated client secret is valid; drives <c>client_secret_expires_at</c> and is enforced at the token
    /// endpoint. <see langword="null"/> or zero (the default) means secrets do not expire (<c>client_secret_expires_at</c> = 0).
    /// </summary>
    public TimeSpan? ClientSecretLifetime { get; set; }

    /// <summary>The largest request body accepted, in bytes; larger bodies get 413. Default 64 KiB.</summary>
    public int MaxRequestBodySize { get; set; } = 64 * 1024;

    /// <summary>Limits on what one request may carry (bound from <c>DynamicClientRegistration:Limits</c>).</summary>
    public RegistrationLimitOptions Limits { get; } = new();

    /// <summary>RFC 7592 client management (PingFederate: "Enable Dynamic Client Registration Management").</summary>
    public DynamicClientManagementOptions Management { get; } = new();

    /// <summary>The built-in client registration policies (bound from <c>DynamicClientRegistration:Policies</c>).</summary>
    public ClientRegistrationPolicyOptions Policies { get; } = new();

    /// <summary>Software statements (RFC 7591 §2.3), bound from <c>DynamicClientRegistration:SoftwareStatements</c>.</summary>
    public SoftwareStatementOptions SoftwareStatements { get; } = new();

    /// <summary>
    /// What a caller without an initial access token may register when <see cref="RequireInitialAccessToken"/> is off
    /// (bound from <c>DynamicClientRegistration:Anonymous</c>). The defaults allow public clients of the authorization
    /// code flow only, which is what MCP hosts and other native agents register.
    /// </summary>
    public AnonymousRegistrationOptions Anonymous { get; } = new();

    /// <summary>RFC 8707 resource indicators, bound from <c>DynamicClientRegistration:Resources</c>.</summary>
    public ResourceIndicatorOptions Resources { get; } = new();

    /// <summary>
    /// <c>private_key_jwt</c> client assertions at the token endpoint (bound from
    /// <c>DynamicClientRegistration:ClientAssertions</c>).
    /// </summary>
    public ClientAssertionOptions ClientAssertions { get; } = new();

    /// <summary>
    /// Outbound requests the product makes on a client's behalf, such as fetching a client's <c>jwks_uri</c> (bound
    /// from <c>DynamicClientRegistration:Network</c>).
    /// </summary>
    public NetworkOptions Network { get; } = new();

    /// <summary>
    /// OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): clients whose <c>client_id</c>
    /// is an https URL at which their metadata is published (bound from
    /// <c>DynamicClientRegistration:ClientIdMetadataDocuments</c>). Off by default.
    /// </summary>
    public ClientIdMetadataDocumentOptions ClientIdMetadataDocuments { get; } = new();

    /// <summary>
    /// The operators' admin API and page (bound from <c>DynamicClientRegistration:Admin</c>): where they are mapped and
    /// which scope a host access token needs to use them.
    /// </summary>
    public AdminOptions Admin { get; } = new();

    /// <summary>
    /// Last-use recording and the expiry of unused clients (bound from <c>DynamicClientRegistration:Lifecycle</c>).
    /// Expiry is off by default.
    /// </summary>
    public ClientLifecycleOptions Lifecycle { get; } = new();

    /// <summary>
    /// Extra metadata names clients may register (PingFederate's "extended properties"), keyed by member name:
    /// accepted, validated, stored and echoed. Names not listed here are ignored, as RFC 7591 §2 requires.
    /// Bound from <c>DynamicClientRegistration:ExtendedMetadata:{name}:Type</c> and <c>…:MultiValued</c>.
    /// </summary>
    public IDictionary<string, ExtendedMetadataDefinition> ExtendedMetadata { get; } =
        new Dictionary<string, ExtendedMetadataDefinition>(StringComparer.Ordinal);

    /// <summary>
    /// JWS algorithms a client may ask for in <c>id_token_signed_response_alg</c>. Left empty, the host adapter fills
    /// it with the algorithms of the host's signing keys (what discovery advertises).
    /// </summary>
    public IList<string> SupportedIdTokenSigningAlgorithms { get; } = [];

    /// <summary>
    /// JWS algorithms a client may ask for in <c>request_object_signing_alg</c>. Empty (the default, and what an
    /// OpenIddict server without request object support gets) rejects the member.
    /// </summary>
    public IList<string> SupportedRequestObjectSigningAlgorithms { get; } = [];

    /// <summary>
    /// Private-use URI schemes without a period that native clients may use in redirect URIs (for example
    /// <c>myapp</c>). Schemes in reverse-domain form (<c>com.example.app</c>, RFC 8252 §7.1) are always accepted;
    /// others are refused, since schemes such as <c>chrome</c>, <c>ms-settings</c> or <c>jar</c> belong to browsers and
    /// the operating system. Default: none.
    /// </summary>
    public IList<string> AllowedPrivateUseSchemes { get; } = [];

    /// <summary><c>subject_type</c> values a client may ask for. Empty means <c>public</c> only.</summary>
    public IList<string> SupportedSubjectTypes { get; } = [];

    internal static IReadOnlyList<string> DefaultGrantTypes { get; } =
    [
        ClientMetadataValues.GrantAuthorizationCode,
        ClientMetadataValues.GrantRefreshToken,
        ClientMetadataValues.GrantClientCredentials,
    ];

    internal static IReadOnlyList<string> SupportedTokenEndpointAuthMethods { get; } =
    [
        ClientMetadataValues.AuthMethodClientSecretBasic,
        ClientMetadataValues.AuthMethodClientSecretPost,
        ClientMetadataValues.AuthMethodNone,
        ClientMetadataValues.AuthMethodPrivateKeyJwt,
    ];

    /// <summary>The grant types in force: <see cref="AllowedGrantTypes"/> or the defaults.</summary>
    public IReadOnlyCollection<string> EffectiveGrantTypes =>
        AllowedGrantTypes.Count > 0 ? [.. AllowedGrantTypes] : DefaultGrantTypes;

    /// <summary>The authentication methods in force: <see cref="AllowedTokenEndpointAuthMethods"/> or all supported.</summary>
    public IReadOnlyCollection<string> EffectiveTokenEndpointAuthMethods =>
        AllowedTokenEndpointAuthMethods.Count > 0 ? [.. AllowedTokenEndpointAuthMethods] : SupportedTokenEndpointAuthMethods;
}

/// <summary>
/// RFC 7592 management settings, bound from <c>DynamicClientRegistration:Management</c>, named and defaulted as
/// PingFederate's "Dynamic Client Registration Management" options.
/// </summary>
public sealed class DynamicClientManagementOptions
{
    /// <summary>
    /// Whether clients may read, update and delete their registration at <c>registration_client_uri</c>.
    /// Default <see langword="false"/>, as in PingFederate. When off, no registration access token or
    /// <c>registration_client_uri</c> is issued and the management routes answer 404.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Issue a new client secret on every successful GET and PUT. Default <see langword="true"/>.</summary>
    public bool RotateClientSecret { get; set; } = true;

    /// <summary>
    /// Issue a new registration access token on every successful GET and PUT; the previous one stops working at once.
    /// Default <see langword="true"/>.
    /// </summary>
    public bool RotateRegistrationAccessToken { get; set; } = true;

    /// <summary>Whether a client may delete itself (DELETE answers 405 when not). Default <see langword="true"/>.</summary>
    public bool AllowClientDelete { get; set; } = true;

    /// <summary>
    /// Keep the previous client secret working for <see cref="ClientSecretRetentionPeriod"/> after a rotation.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool RetainClientSecret { get; set; }

    /// <summary>How long a retained secret keeps working; must be positive when <see cref="RetainClientSecret"/> is on.</summary>
    public TimeSpan ClientSecretRetentionPeriod { get; set; }
}

/// <summary>
/// The built-in client registration policies, bound from <c>DynamicClientRegistration:Policies</c>. Each is off
/// until configured, except PKCE for public clients.
/// </summary>
public sealed class ClientRegistrationPolicyOptions
{
    /// <summary>
    /// Trusted hosts: when not empty, every redirect URI and post-logout redirect URI must have a host listed here,
    /// either exactly (<c>app.example.com</c>, <c>127.0.0.1</c>) or as a wildcard for subdomains
    /// (<c>*.example.com</c>). A private-use scheme URI (which has no host) must have its scheme listed with a colon
    /// (<c>com.example.app:</c>). Otherwise <c>invalid_redirect_uri</c>.
    /// </summary>
    public IList<string> TrustedRedirectHosts { get; } = [];

    /// <summary>
    /// The most clients one caller (the initial access token's client, or its subject) may have at once: its clients
    /// that exist now, counted exactly and atomically with the registration from the catalog's <c>created_by</c>
    /// column; deleting one frees a place. A registration beyond it is refused with 400 <c>invalid_client_metadata</c>.
    /// <c>0</c> (the default) means unlimited.
    /// </summary>
    public int MaxClientsPerCaller { get; set; }

    /// <summary>
    /// The most registrations one initial access token may perform, counted when each is stored; deleting a client does
    /// not give a registration back (as Keycloak counts its initial access tokens). Counting starts when a limit is set.
    /// A registration beyond it is refused with 400 <c>invalid_client_metadata</c>. <c>0</c> (the default) means unlimited.
    /// </summary>
    public int MaxClientsPerInitialAccessToken { get; set; }

    /// <summary>
    /// The most clients registered without an initial access token that may exist at once, all anonymous callers
    /// together; deleting one (or its expiry) frees a place. A registration beyond it is refused with 400
    /// <c>invalid_client_metadata</c>. <c>0</c> (the default) means unlimited.
    /// </summary>
    public int MaxAnonymousClients { get; set; }

    /// <summary>The scope a client gets when it registers none. Must be an allowed scope. Default: none.</summary>
    public string? DefaultScope { get; set; }

    /// <summary>Require PKCE of public clients at the authorization endpoint. Default <see langword="true"/>.</summary>
    public bool RequirePkceForPublicClients { get; set; } = true;

    /// <summary>Require PKCE of confidential clients too (RFC 9700 recommends it). Default <see langword="false"/>.</summary>
    public bool RequirePkceForConfidentialClients { get; set; }
}

/// <summary>Software statements (RFC 7591 §2.3), bound from <c>DynamicClientRegistration:SoftwareStatements</c>.</summary>
public sealed class SoftwareStatementOptions
{
    /// <summary>Refuse registrations without a valid software statement from a trusted issuer. Default <see langword="false"/>.</summary>
    public bool Required { get; set; }

    /// <summary>The issuers whose software statements are accepted, with their keys.</summary>
    public IList<TrustedSoftwareStatementIssuer> TrustedIssuers { get; } = [];
}

/// <summary>
/// <c>private_key_jwt</c> client assertions (RFC 7523 and draft-ietf-oauth-rfc7523bis), bound from
/// <c>DynamicClientRegistration:ClientAssertions</c>.
/// </summary>
public sealed class ClientAssertionOptions
{
    /// <summary>The default of <see cref="MaxLifetime"/>: five minutes.</summary>
    public static readonly TimeSpan DefaultMaxLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far in the future an assertion's <c>exp</c> may lie when it is presented. An assertion without <c>exp</c>,
    /// or expiring later than this, is refused with <c>invalid_client</c>. Each assertion's <c>jti</c> is remembered
    /// until its <c>exp</c> to refuse a second use, so this also bounds how long that record is kept.
    /// Default five minutes.
    /// </summary>
    public TimeSpan MaxLifetime { get; set; } = DefaultMaxLifetime;
}

/// <summary>
/// Outbound requests the product makes (a client's <c>jwks_uri</c>), bound from <c>DynamicClientRegistration:Network</c>.
/// They go through one named <see cref="HttpClient"/>, <see cref="HttpClientName"/>, over https only, without following
/// redirects, with a size cap and a timeout, and never to special-use addresses (RFC 6890) unless allowed here.
/// </summary>
public sealed class NetworkOptions
{
    /// <summary>
    /// The name of the <see cref="HttpClient"/> of outbound requests. A host may adjust its primary handler (a
    /// <see cref="System.Net.Http.SocketsHttpHandler"/>) with <c>AddHttpClient(HttpClientName).ConfigurePrimaryHttpMessageHandler((handler, services) => …)</c>,
    /// for example to trust a private certificate authority; the address check stays in force. Replacing the handler,
    /// or giving it a proxy (the check would then see the proxy's address), removes that protection.
    /// </summary>
    public const string HttpClientName = "Dcr.IdentityServerExtensions.Outbound";

    /// <summary>The default of <see cref="Timeout"/>: ten seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Allow outbound requests to loopback, private, link-local and the other special-use addresses of RFC 6890
    /// (including their IPv6 and IPv4-mapped IPv6 forms). Default <see langword="false"/>: a URL a client registers
    /// must not make this server reach into its own network. Turn it on for development and tests only.
    /// </summary>
    public bool AllowSpecialUseAddresses { get; set; }

    /// <summary>How long one outbound request may take, from connecting to the last byte of the body. Default ten seconds.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;
}

/// <summary>
/// Client ID Metadata Documents, bound from <c>DynamicClientRegistration:ClientIdMetadataDocuments</c>. A client whose
/// <c>client_id</c> is an https URL is described by the JSON document at that URL, fetched through the product's safe
/// outbound client (see <see cref="NetworkOptions"/>, whose <c>AllowSpecialUseAddresses</c> applies here too), validated
/// as anonymous registration metadata is, and kept as a client of the host for its HTTP freshness lifetime.
/// </summary>
public sealed class ClientIdMetadataDocumentOptions
{
    /// <summary>The default of <see cref="MaxDocumentBytes"/>: 5120 bytes, as the draft recommends.</summary>
    public const int DefaultMaxDocumentBytes = 5120;

    /// <summary>The default of <see cref="MinCacheDuration"/>: five minutes.</summary>
    public static readonly TimeSpan DefaultMinCacheDuration = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="MaxCacheDuration"/>: 24 hours.</summary>
    public static readonly TimeSpan DefaultMaxCacheDuration = TimeSpan.FromHours(24);

    /// <summary>The default of <see cref="FetchTimeout"/>: five seconds.</summary>
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether <c>client_id</c>s that are https URLs are accepted as Client ID Metadata Documents, and discovery says so
    /// (<c>client_id_metadata_document_supported</c>). Default <see langword="false"/>.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The hosts that may publish documents: exact host names (<c>app.example.com</c>) or wildcards for subdomains
    /// (<c>*.example.com</c>). Empty (the default) means any host.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>The largest document accepted, in bytes, counted as it is read. Default 5120.</summary>
    public int MaxDocumentBytes { get; set; } = DefaultMaxDocumentBytes;

    /// <summary>
    /// The shortest time a valid document is used before it is fetched again, whatever its HTTP caching headers say
    /// (<c>no-store</c> and <c>no-cache</c> included). Default five minutes.
    /// </summary>
    public TimeSpan MinCacheDuration { get; set; } = DefaultMinCacheDuration;

    /// <summary>The longest time a valid document is used before it is fetched again. Default 24 hours.</summary>
    public TimeSpan MaxCacheDuration { get; set; } = DefaultMaxCacheDuration;

    /// <summary>How long fetching one document may take, from connecting to its last byte. Default five seconds.</summary>
    public TimeSpan FetchTimeout { get; set; } = DefaultFetchTimeout;
}

/// <summary>An issuer of software statements and where its signing keys are.</summary>
public sealed class TrustedSoftwareStatementIssuer
{
    /// <summary>The <c>iss</c> value of its statements.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>Its keys inline, as a JSON Web Key Set document.</summary>
    public string? Jwks { get; set; }

    /// <summary>Where to fetch its JSON Web Key Set (https), cached for an hour.</summary>
    public Uri? JwksUri { get; set; }
}

/// <summary>
/// Limits on anonymous registration, bound from <c>DynamicClientRegistration:Anonymous</c>. They apply to registrations
/// made without an initial access token and to every later update of a client registered so. Each list left empty
/// means its safe default; listing values widens (or narrows) it explicitly, and widening beyond the defaults is
/// logged as a warning at start-up.
/// </summary>
public sealed class AnonymousRegistrationOptions
{
    /// <summary>Grant types an anonymous caller may register. Empty (the default) means <c>authorization_code</c> and <c>refresh_token</c>.</summary>
    public IList<string> AllowedGrantTypes { get; } = [];

    /// <summary>Token endpoint authentication methods an anonymous caller may register. Empty (the default) means <c>none</c>: public clients only.</summary>
    public IList<string> AllowedTokenEndpointAuthMethods { get; } = [];

    /// <summary>
    /// Scopes an anonymous caller may register. Empty (the default) means every allowed scope
    /// (<see cref="DynamicClientRegistrationOptions.AllowedScopes"/>) except the initial access token's scope and the
    /// admin API's (<see cref="AdminOptions.RequiredScope"/>).
    /// </summary>
    public IList<string> AllowedScopes { get; } = [];

    /// <summary>The grant types an anonymous caller may register by default.</summary>
    public static IReadOnlyList<string> DefaultGrantTypes { get; } =
        [ClientMetadataValues.GrantAuthorizationCode, ClientMetadataValues.GrantRefreshToken];

    /// <summary>The token endpoint authentication methods an anonymous caller may register by default.</summary>
    public static IReadOnlyList<string> DefaultTokenEndpointAuthMethods { get; } = [ClientMetadataValues.AuthMethodNone];

    /// <summary>The grant types in force: <see cref="AllowedGrantTypes"/> or the defaults.</summary>
    public IReadOnlyCollection<string> EffectiveGrantTypes =>
        AllowedGrantTypes.Count > 0 ? [.. AllowedGrantTypes] : DefaultGrantTypes;

    /// <summary>The authentication methods in force: <see cref="AllowedTokenEndpointAuthMethods"/> or the defaults.</summary>
    public IReadOnlyCollection<string> EffectiveTokenEndpointAuthMethods =>
        AllowedTokenEndpointAuthMethods.Count > 0 ? [.. AllowedTokenEndpointAuthMethods] : DefaultTokenEndpointAuthMethods;

    /// <summary>Whether the host listed grant types or methods beyond the defaults: anonymous callers may then create more than public code-flow clients.</summary>
    public bool IsWidened =>
        EffectiveGrantTypes.Except(DefaultGrantTypes, StringComparer.Ordinal).Any()
        || EffectiveTokenEndpointAuthMethods.Except(DefaultTokenEndpointAuthMethods, StringComparer.Ordinal).Any();
}

/// <summary>RFC 8707 resource indicators, bound from <c>DynamicClientRegistration:Resources</c>.</summary>
public sealed class ResourceIndicatorOptions
{
    /// <summary>
    /// The resources (absolute URIs, matched exactly) that dynamically registered clients may request with the
    /// <c>resource</c> parameter at the authorization and token endpoints; the access token's <c>aud</c> then names the
    /// requested resource. Any other resource is refused with <c>invalid_target</c>. Default: none.
    /// </summary>
    public IList<string> Allowed { get; } = [];
}

/// <summary>How one extended metadata member is validated.</summary>
public sealed class ExtendedMetadataDefinition
{
    /// <summary>The JSON type of the value (of each element when <see cref="MultiValued"/>). Default <see cref="ExtendedMetadataType.Any"/>.</summary>
    public ExtendedMetadataType Type { get; set; } = ExtendedMetadataType.Any;

    /// <summary>The value is a JSON array of such values. Default <see langword="false"/>.</summary>
    public bool MultiValued { get; set; }
}

/// <summary>The JSON type of an extended metadata value.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name",
    Justification = "The members name JSON types, as administrators write them in configuration.")]
public enum ExtendedMetadataType
{
    /// <summary>Any JSON value.</summary>
    Any,

    /// <summary>A string.</summary>
    String,

    /// <summary>A number.</summary>
    Number,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A JSON object.</summary>
    Object,
}

/// <summary>Limits on one registration or update, bound from <c>DynamicClientRegistration:Limits</c>.</summary>
public sealed class RegistrationLimitOptions
{
    /// <summary>The most <c>redirect_uris</c>. Default 20.</summary>
    public int MaxRedirectUris { get; set; } = 20;

    /// <summary>The most <c>contacts</c>. Default 10.</summary>
    public int MaxContacts { get; set; } = 10;

    /// <summary>The most entries of any other array (grant types, response types, post-logout URIs, extended values). Default 20.</summary>
    public int MaxArrayLength { get; set; } = 20;

    /// <summary>The longest string member (names, URIs, contacts, software ids, scope), in characters. Default 2048.</summary>
    public int MaxStringLength { get; set; } = 2048;
}

/// <summary>The operators' admin API and page (<c>DynamicClientRegistration:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The default base path of the admin API.</summary>
    public const string DefaultPath = "/admin/dcr";

    /// <summary>The default scope an administrator's access token must carry.</summary>
    public const string DefaultRequiredScope = "dcr:admin";

    /// <summary>
    /// The base path of the admin API (<c>{Path}/clients</c>, …), relative to the host's path base. Default
    /// <c>/admin/dcr</c>.
    /// </summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>
    /// The scope a host access token must carry to use the admin API. Default <c>dcr:admin</c>. Never granted to
    /// anonymously registered clients (<see cref="AnonymousRegistrationOptions.AllowedScopes"/> leaves it out).
    /// </summary>
    public string RequiredScope { get; set; } = DefaultRequiredScope;

    /// <summary>
    /// Where the host signs its administrator out, a path relative to the host's path base (such as
    /// <c>/admin/dcr/logout</c>): the admin pages then show a "Sign out" button on every page, a form that POSTs there
    /// with the page's antiforgery token (the host's endpoint should check it). <see langword="null"/> (the default): no
    /// button, for a host whose own layout offers sign-out. The sample sets it to its own logout.
    /// </summary>
    public string? SignOutPath { get; set; }
}

/// <summary>Last use and expiry of dynamically registered clients (<c>DynamicClientRegistration:Lifecycle</c>).</summary>
public sealed class ClientLifecycleOptions
{
    /// <summary>
    /// A client's last use (a token or an authorization) is written at most once per this period, so that a busy client
    /// does not cost a database write per token; its first use is always written. Default 1 hour.
    /// </summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Deletes clients that never got a token this long after registration. <see langword="null"/> (the default): never.
    /// </summary>
    public TimeSpan? DeleteNeverUsedAfter { get; set; }

    /// <summary>Deletes clients not used for this long. <see langword="null"/> (the default): never.</summary>
    public TimeSpan? DeleteUnusedAfter { get; set; }

    /// <summary>How often the expiry sweep runs when one of the two deletions is on. Default 1 hour.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
