using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// The authorization server's issuer as the host's discovery document names it. <c>registration_client_uri</c>, the
/// <c>Location</c> of a registration and the discovery document's <c>registration_endpoint</c> are all built under it,
/// so that none of them follows a request's Host header where the host pinned its issuer. A host adapter supplies it
/// (OpenIddict: the configured issuer, else the request's base URI, as OpenIddict's own discovery does).
/// </summary>
public interface IAuthorizationServerIssuer
{
    /// <summary>The issuer for <paramref name="context"/>: an absolute URI, ending with its path base.</summary>
    Uri GetIssuer(HttpContext context);
}

/// <summary>Without a host adapter's issuer: the request's scheme, host and path base.</summary>
internal sealed class RequestIssuer : IAuthorizationServerIssuer
{
    public Uri GetIssuer(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");
    }
}
