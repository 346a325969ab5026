using Dcr.IdentityServerExtensions.Endpoints;
using Dcr.IdentityServerExtensions.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Checks initial access tokens with OpenIddict validation: the host's own access tokens, validated as its APIs
/// validate them (signature, encryption, lifetime, and token entry when the host enables it).
/// </summary>
public sealed class OpenIddictInitialAccessTokenValidator : IInitialAccessTokenValidator
{
    /// <inheritdoc />
    public async Task<InitialAccessTokenResult> ValidateAsync(HttpContext context, string requiredScope)
    {
        ArgumentNullException.ThrowIfNull(context);

        // OpenIddict would also accept a token in the query or form when so configured; an initial access token is
        // only ever a bearer header here, so a missing header means no token.
        if (BearerToken.Read(context.Request) is not { } bearer)
        {
            return new InitialAccessTokenResult(InitialAccessTokenStatus.Missing);
        }

        var result = await context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (!result.Succeeded || result.Principal is not { } principal)
        {
            return new InitialAccessTokenResult(result.None ? InitialAccessTokenStatus.Missing : InitialAccessTokenStatus.Invalid);
        }

        if (!principal.HasScope(requiredScope))
        {
            return new InitialAccessTokenResult(InitialAccessTokenStatus.InsufficientScope, principal);
        }

        var callerId = principal.GetClaim(Claims.ClientId) ?? principal.GetClaim(Claims.AuthorizedParty) ?? principal.GetClaim(Claims.Subject);
        // OpenIddict gives every access token a random jti; a token issued otherwise is named by its hash.
        return new InitialAccessTokenResult(InitialAccessTokenStatus.Valid, principal, callerId)
        {
            TokenId = InitialAccessTokenResult.IdentifyToken(principal.GetClaim(Claims.JwtId), bearer),
        };
    }
}
