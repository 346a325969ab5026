using Dcr.IdentityServerExtensions.Endpoints;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps dynamic client registration into a host's endpoints.</summary>
public static class DynamicClientRegistrationEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST {RegistrationPath}</c> (RFC 7591) and <c>GET|PUT|DELETE {RegistrationPath}/{client_id}</c>
    /// (RFC 7592). Returns the route group, so the host can add rate limiting, CORS or extra authorization to all of
    /// them at once.
    /// </summary>
    public static IEndpointConventionBuilder MapDynamicClientRegistration(this IEndpointRouteBuilder endpoints) =>
        DynamicClientRegistrationEndpoints.Map(endpoints);
}
