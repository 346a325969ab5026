namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// A protocol error: the RFC error code, a human-readable description and the HTTP status it is answered with.
/// </summary>
/// <param name="Code">One of <see cref="RegistrationErrorCodes"/>.</param>
/// <param name="Description">
/// A description safe to show the client; it never contains a secret. The product's own descriptions end with a stable
/// id in parentheses, such as <c>(DCR2112)</c> (see <c>docs/errors.md</c>); a host's policy writes its own.
/// </param>
/// <param name="StatusCode">The HTTP status code of the response.</param>
public sealed record RegistrationError(string Code, string Description, int StatusCode = 400)
{
    /// <summary>Creates a 400 <c>invalid_client_metadata</c> error.</summary>
    public static RegistrationError InvalidMetadata(string description) =>
        new(RegistrationErrorCodes.InvalidClientMetadata, description);

    /// <summary>Creates a 400 <c>invalid_redirect_uri</c> error.</summary>
    public static RegistrationError InvalidRedirectUri(string description) =>
        new(RegistrationErrorCodes.InvalidRedirectUri, description);

    /// <summary>Creates a 400 <c>invalid_request</c> error.</summary>
    public static RegistrationError InvalidRequest(string description) =>
        new(RegistrationErrorCodes.InvalidRequest, description);

    /// <summary>Creates a 401 <c>invalid_token</c> error.</summary>
    public static RegistrationError InvalidToken(string description) =>
        new(RegistrationErrorCodes.InvalidToken, description, 401);
}
