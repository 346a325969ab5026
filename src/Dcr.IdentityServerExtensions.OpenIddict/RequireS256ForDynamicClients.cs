using Dcr.IdentityServerExtensions.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ValidateAuthorizationRequestContext = OpenIddict.Server.OpenIddictServerEvents.ValidateAuthorizationRequestContext;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Refuses PKCE <c>plain</c> (and a code challenge without a method, which means <c>plain</c>) from dynamically
/// registered clients at the authorization endpoint: OAuth 2.1 and the MCP specification allow <c>S256</c> only, and a
/// self-registered client has no reason to use anything else. OpenIddict accepts <c>plain</c> from every client unless
/// the host removes it from <c>OpenIddictServerOptions.CodeChallengeMethods</c>, which is the recommended host setting
/// (it also takes <c>plain</c> out of discovery); this handler holds the product's own clients to S256 either way and
/// leaves the host's other clients alone. Added by <c>UseOpenIddict()</c>.
/// </summary>
internal sealed class RequireS256ForDynamicClients(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    /// <summary>After OpenIddict's own PKCE checks, when the client and its redirect URI are known to be valid.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseScopedHandler<RequireS256ForDynamicClients>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateProofKeyForCodeExchangeRequirement.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(context.Request.CodeChallenge)
            || string.Equals(context.Request.CodeChallengeMethod, CodeChallengeMethods.Sha256, StringComparison.Ordinal)
            || string.IsNullOrEmpty(context.ClientId))
        {
            return;
        }

        if (await RegistrationDocument.FindDynamicClientAsync(applications, context.ClientId, context.CancellationToken).ConfigureAwait(false) is not null)
        {
            context.Reject(
                error: Errors.InvalidRequest,
                description: RegistrationErrorDescriptions.PkceS256Required());
        }
    }
}
