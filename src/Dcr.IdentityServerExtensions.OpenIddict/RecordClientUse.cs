using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ProcessSignInContext = OpenIddict.Server.OpenIddictServerEvents.ProcessSignInContext;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Records a client's last use (<c>last_used_at</c>) when the server signs it in: a token issued at the token endpoint
/// (any grant, refreshes included) or an authorization granted at the authorization endpoint. Runs after every one of
/// OpenIddict's own sign-in handlers, so only a sign-in that succeeded counts. Writes at most once per
/// <c>Lifecycle:LastUsedResolution</c> and client (<see cref="ClientUseRecorder"/>). Added by <c>UseOpenIddict()</c>.
/// </summary>
internal sealed class RecordClientUse(ClientUseRecorder recorder, IServiceScopeFactory scopes) : IOpenIddictServerHandler<ProcessSignInContext>
{
    /// <summary>Last among the sign-in handlers: the tokens are generated and attached.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<RecordClientUse>()
            .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.EndpointType is not (OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Authorization))
        {
            return;
        }

        // A client that authenticates with an assertion alone has no client_id parameter; the token it gets names it.
        var clientId = context.Request.ClientId
            ?? context.AccessTokenPrincipal?.GetClaim(Claims.ClientId)
            ?? context.AuthorizationCodePrincipal?.GetPresenters().FirstOrDefault();
        // Most sign-ins fall within the resolution of the client's last stamp and write nothing: no scope for those.
        if (!string.IsNullOrEmpty(clientId) && recorder.IsDue(clientId))
        {
            // A data context of its own: the stamp is written apart from whatever the sign-in's context has open.
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                await recorder.RecordAsync(clientId, scope.ServiceProvider.GetRequiredService<IClientCatalog>(), context.CancellationToken)
                    .ConfigureAwait(false);
            }
        }
    }
}
