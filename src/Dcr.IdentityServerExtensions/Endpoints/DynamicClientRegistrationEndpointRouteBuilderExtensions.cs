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

    /// <summary>
    /// Maps the operators' admin API under <c>Admin:Path</c> (default <c>/admin/dcr</c>): <c>GET {Path}/clients</c>
    /// (filters, order, paging), <c>GET|DELETE {Path}/clients/{client_id}</c> and <c>POST {Path}/clients/delete</c>
    /// (bulk delete by filter, with <c>dry_run</c>). Every request needs a host access token carrying
    /// <c>Admin:RequiredScope</c> (default <c>dcr:admin</c>). Returns the route group, so the host can add rate limiting
    /// or further authorization (a network restriction, for example) to all of them.
    /// </summary>
    public static IEndpointConventionBuilder MapDynamicClientRegistrationAdmin(this IEndpointRouteBuilder endpoints) =>
        AdminEndpoints.Map(endpoints);
}
