using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Checks the initial access token of a registration request with the host's own token validation. The second half
/// of the host seam, beside <see cref="Stores.IClientRegistrationStore"/>.
/// </summary>
public interface IInitialAccessTokenValidator
{
    /// <summary>Validates the bearer token of <paramref name="context"/> and checks it carries <paramref name="requiredScope"/>.</summary>
    Task<InitialAccessTokenResult> ValidateAsync(HttpContext context, string requiredScope);
}

/// <summary>How an initial access token check ended.</summary>
public enum InitialAccessTokenStatus
{
    /// <summary>A valid token carrying the required scope.</summary>
    Valid,

    /// <summary>No bearer token was sent.</summary>
    Missing,

    /// <summary>The token is malformed, expired, revoked or otherwise not valid here.</summary>
    Invalid,

    /// <summary>A valid token without the required scope.</summary>
    InsufficientScope,
}

/// <summary>The result of an initial access token check.</summary>
/// <param name="Status">How the check ended.</param>
/// <param name="Principal">The token's principal when <see cref="InitialAccessTokenStatus.Valid"/>.</param>
/// <param name="CallerId">The client or subject the token was issued to, when valid.</param>
public sealed record InitialAccessTokenResult(InitialAccessTokenStatus Status, ClaimsPrincipal? Principal = null, string? CallerId = null);
