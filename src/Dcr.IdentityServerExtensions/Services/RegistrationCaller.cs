using System.Security.Claims;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Who is calling the registration endpoint: the principal of a valid initial access token, or anonymous when the
/// server does not require one.
/// </summary>
/// <param name="Principal">The initial access token's principal; <see langword="null"/> for anonymous callers.</param>
/// <param name="CallerId">The token's client (<c>client_id</c>/<c>azp</c>) or else subject; <see langword="null"/> when anonymous.</param>
public sealed record RegistrationCaller(ClaimsPrincipal? Principal, string? CallerId)
{
    /// <summary>An anonymous caller.</summary>
    public static RegistrationCaller Anonymous { get; } = new(null, null);
}
