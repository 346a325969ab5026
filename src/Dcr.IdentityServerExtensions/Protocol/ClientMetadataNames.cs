namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// The JSON member names of RFC 7591 §2/§3.2.1, RFC 7592 and OpenID Connect Dynamic Client Registration 1.0 §2
/// that this product reads and writes. The wire format is pinned here, never left to a naming policy.
/// </summary>
public static class ClientMetadataNames
{
#pragma warning disable CS1591 // The names are their own documentation: each is the RFC member of the same name.
    public const string RedirectUris = "redirect_uris";
    public const string TokenEndpointAuthMethod = "token_endpoint_auth_method";
    public const string GrantTypes = "grant_types";
    public const string ResponseTypes = "response_types";
    public const string ClientName = "client_name";
    public const string ClientUri = "client_uri";
    public const string LogoUri = "logo_uri";
    public const string Scope = "scope";
    public const string Contacts = "contacts";
    public const string TosUri = "tos_uri";
    public const string PolicyUri = "policy_uri";
    public const string JwksUri = "jwks_uri";
    public const string Jwks = "jwks";
    public const string SoftwareId = "software_id";
    public const string SoftwareVersion = "software_version";
    public const string SoftwareStatement = "software_statement";
    public const string PostLogoutRedirectUris = "post_logout_redirect_uris";
    public const string ApplicationType = "application_type";
    public const string TokenEndpointAuthSigningAlg = "token_endpoint_auth_signing_alg";
    public const string IdTokenSignedResponseAlg = "id_token_signed_response_alg";
    public const string RequestObjectSigningAlg = "request_object_signing_alg";
    public const string DefaultMaxAge = "default_max_age";
    public const string RequireAuthTime = "require_auth_time";
    public const string SubjectType = "subject_type";

    public const string ClientId = "client_id";
    public const string ClientSecret = "client_secret";
    public const string ClientIdIssuedAt = "client_id_issued_at";
    public const string ClientSecretExpiresAt = "client_secret_expires_at";
    public const string RegistrationAccessToken = "registration_access_token";
    public const string RegistrationClientUri = "registration_client_uri";

    public const string Error = "error";
    public const string ErrorDescription = "error_description";
#pragma warning restore CS1591
}

/// <summary>Values of the metadata members that the validator understands.</summary>
public static class ClientMetadataValues
{
#pragma warning disable CS1591
    public const string AuthMethodClientSecretBasic = "client_secret_basic";
    public const string AuthMethodClientSecretPost = "client_secret_post";
    public const string AuthMethodNone = "none";
    public const string AuthMethodPrivateKeyJwt = "private_key_jwt";

    public const string GrantAuthorizationCode = "authorization_code";
    public const string GrantImplicit = "implicit";
    public const string GrantRefreshToken = "refresh_token";
    public const string GrantClientCredentials = "client_credentials";
    public const string GrantPassword = "password";
    public const string GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code";

    public const string ResponseTypeCode = "code";
    public const string ResponseTypeToken = "token";
    public const string ResponseTypeIdToken = "id_token";

    public const string ApplicationTypeWeb = "web";
    public const string ApplicationTypeNative = "native";
#pragma warning restore CS1591

    /// <summary>
    /// OpenID Connect and RFC metadata that this server cannot honour. A client that sends one is told so
    /// (<c>invalid_client_metadata</c>) rather than having it silently dropped, since it may rely on it.
    /// </summary>
    public static IReadOnlySet<string> UnsupportedMemberNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "id_token_encrypted_response_alg",
        "id_token_encrypted_response_enc",
        "userinfo_signed_response_alg",
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
        "request_object_encryption_alg",
        "request_object_encryption_enc",
        "sector_identifier_uri",
        "request_uris",
        "initiate_login_uri",
        "default_acr_values",
        "frontchannel_logout_uri",
        "frontchannel_logout_session_required",
        "backchannel_logout_uri",
        "backchannel_logout_session_required",
        "tls_client_auth_subject_dn",
        "tls_client_certificate_bound_access_tokens",
        "authorization_signed_response_alg",
        "authorization_encrypted_response_alg",
        "authorization_encrypted_response_enc",
        "introspection_signed_response_alg",
        "dpop_bound_access_tokens",
    };
}
