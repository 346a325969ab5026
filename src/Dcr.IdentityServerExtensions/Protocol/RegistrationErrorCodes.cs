namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// The error codes the registration and management endpoints return in the <c>error</c> member.
/// </summary>
public static class RegistrationErrorCodes
{
    /// <summary>RFC 7591 §3.2.2: the value of one or more redirection URIs is invalid.</summary>
    public const string InvalidRedirectUri = "invalid_redirect_uri";

    /// <summary>RFC 7591 §3.2.2: the value of one of the client metadata fields is invalid.</summary>
    public const string InvalidClientMetadata = "invalid_client_metadata";

    /// <summary>RFC 7591 §3.2.2: the software statement presented is invalid.</summary>
    public const string InvalidSoftwareStatement = "invalid_software_statement";

    /// <summary>RFC 7591 §3.2.2: the software statement presented is not approved for use by this server.</summary>
    public const string UnapprovedSoftwareStatement = "unapproved_software_statement";

    /// <summary>RFC 6749 §5.2 / RFC 7592 §2.2: the request is malformed (for example forbidden members in a PUT).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>RFC 6750 §3.1: the access token is missing, expired, revoked, malformed or invalid.</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>RFC 6750 §3.1: the access token lacks the scope the endpoint requires.</summary>
    public const string InsufficientScope = "insufficient_scope";

    /// <summary>RFC 6749 §4.1.2.1: an unexpected condition kept the server from completing the request; answered with 500.</summary>
    public const string ServerError = "server_error";

    /// <summary>
    /// The server could not complete the request because of a temporary condition (RFC 6749 §4.1.2.1 uses the same
    /// code); answered with 503.
    /// </summary>
    public const string TemporarilyUnavailable = "temporarily_unavailable";
}
