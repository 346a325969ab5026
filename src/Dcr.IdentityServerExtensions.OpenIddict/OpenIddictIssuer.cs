using Dcr.IdentityServerExtensions.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// The issuer OpenIddict's discovery document names: <c>SetIssuer(...)</c> when the host pinned one, else the request's
/// base URI, as OpenIddict derives it.
/// </summary>
internal sealed class OpenIddictIssuer(IOptionsMonitor<OpenIddictServerOptions> server) : IAuthorizationServerIssuer
{
    public Uri GetIssuer(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (server.CurrentValue.Issuer is { } issuer)
        {
            return issuer;
        }

        var request = context.Request;
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");
    }
}
