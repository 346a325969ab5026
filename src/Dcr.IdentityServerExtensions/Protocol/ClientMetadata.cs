using System.Text.Json;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// Client metadata of RFC 7591 §2 and OpenID Connect Dynamic Client Registration 1.0 §2, as the client sent it
/// (members it omitted are <see langword="null"/> or empty) or, after <see cref="Validation.ClientMetadataValidator"/>,
/// normalized with the RFC defaults filled in.
/// </summary>
public sealed record ClientMetadata
{
    /// <summary><c>redirect_uris</c>.</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary><c>token_endpoint_auth_method</c>; RFC 7591 default <c>client_secret_basic</c>.</summary>
    public string? TokenEndpointAuthMethod { get; init; }

    /// <summary><c>grant_types</c>; RFC 7591 default <c>["authorization_code"]</c>.</summary>
    public IReadOnlyList<string>? GrantTypes { get; init; }

    /// <summary><c>response_types</c>; RFC 7591 default <c>["code"]</c>.</summary>
    public IReadOnlyList<string>? ResponseTypes { get; init; }

    /// <summary><c>client_name</c>.</summary>
    public string? ClientName { get; init; }

    /// <summary><c>client_uri</c>.</summary>
    public string? ClientUri { get; init; }

    /// <summary><c>logo_uri</c>.</summary>
    public string? LogoUri { get; init; }

    /// <summary><c>scope</c>: space-separated scope values.</summary>
    public string? Scope { get; init; }

    /// <summary><c>contacts</c>.</summary>
    public IReadOnlyList<string> Contacts { get; init; } = [];

    /// <summary><c>tos_uri</c>.</summary>
    public string? TosUri { get; init; }

    /// <summary><c>policy_uri</c>.</summary>
    public string? PolicyUri { get; init; }

    /// <summary><c>jwks_uri</c>.</summary>
    public string? JwksUri { get; init; }

    /// <summary><c>jwks</c>: a JSON Web Key Set document.</summary>
    public JsonElement? Jwks { get; init; }

    /// <summary><c>software_id</c>.</summary>
    public string? SoftwareId { get; init; }

    /// <summary><c>software_version</c>.</summary>
    public string? SoftwareVersion { get; init; }

    /// <summary><c>post_logout_redirect_uris</c> (OpenID Connect RP-Initiated Logout 1.0).</summary>
    public IReadOnlyList<string> PostLogoutRedirectUris { get; init; } = [];

    /// <summary><c>application_type</c>: <c>web</c> (default) or <c>native</c>.</summary>
    public string? ApplicationType { get; init; }

    /// <summary><c>software_statement</c> (RFC 7591 §2.3), kept as presented once validated.</summary>
    public string? SoftwareStatement { get; init; }

    /// <summary><c>token_endpoint_auth_signing_alg</c>: the JWS algorithm of <c>private_key_jwt</c> assertions.</summary>
    public string? TokenEndpointAuthSigningAlg { get; init; }

    /// <summary><c>id_token_signed_response_alg</c> (OpenID Connect Registration 1.0 §2).</summary>
    public string? IdTokenSignedResponseAlg { get; init; }

    /// <summary><c>request_object_signing_alg</c> (OpenID Connect Registration 1.0 §2).</summary>
    public string? RequestObjectSigningAlg { get; init; }

    /// <summary><c>default_max_age</c>, in seconds (OpenID Connect Registration 1.0 §2).</summary>
    public long? DefaultMaxAge { get; init; }

    /// <summary><c>require_auth_time</c> (OpenID Connect Registration 1.0 §2).</summary>
    public bool? RequireAuthTime { get; init; }

    /// <summary><c>subject_type</c> (OpenID Connect Registration 1.0 §2).</summary>
    public string? SubjectType { get; init; }

    /// <summary>
    /// Extended metadata: members outside the RFCs that the server is configured to accept
    /// (PingFederate's "extended properties"), keyed by member name.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> ExtendedMetadata { get; init; } =
        new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>The scope values of <see cref="Scope"/>, split on spaces.</summary>
    public IReadOnlyList<string> ScopeValues =>
        Scope is null ? [] : Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Whether the client authenticates at the token endpoint with a secret, and so is issued one (a confidential client).
    /// </summary>
    public bool UsesClientSecret =>
        TokenEndpointAuthMethod is ClientMetadataValues.AuthMethodClientSecretBasic
            or ClientMetadataValues.AuthMethodClientSecretPost;

    /// <summary>Whether the client is public: it does not authenticate at the token endpoint.</summary>
    public bool IsPublicClient => TokenEndpointAuthMethod is ClientMetadataValues.AuthMethodNone;

    /// <summary>Whether the client authenticates with a JWT signed by a key of its <see cref="Jwks"/> or <see cref="JwksUri"/>.</summary>
    public bool UsesPrivateKeyJwt => TokenEndpointAuthMethod is ClientMetadataValues.AuthMethodPrivateKeyJwt;
}
