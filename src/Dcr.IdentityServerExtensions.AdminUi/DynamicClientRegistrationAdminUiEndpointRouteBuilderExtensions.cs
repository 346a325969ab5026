using Dcr.IdentityServerExtensions.AdminUi;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the operators' admin pages of dynamic client registration into a host's endpoints.</summary>
public static class DynamicClientRegistrationAdminUiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin pages under <c>{DynamicClientRegistration:Admin:Path}/ui</c> (default <c>/admin/dcr/ui</c>):
    /// the client listing with filters, order and paging, a client's details, its deletion, and bulk deletion after a
    /// confirmation that shows how many clients match. Every page requires <paramref name="authorizationPolicy"/>, a
    /// policy of the host that authenticates its administrators (typically a cookie scheme and a role); there is no
    /// way to map the pages without one. Needs <c>AddAntiforgery()</c> and an <c>IClientAdministration</c> (registered
    /// by <c>UseOpenIddict()</c>); start-up fails with a message naming what is missing. Returns the route group, so
    /// the host can add more conventions (rate limiting, further authorization) to all pages at once.
    /// </summary>
    /// <param name="endpoints">The host's endpoints.</param>
    /// <param name="authorizationPolicy">The name of the host's authorization policy for administrators.</param>
    public static IEndpointConventionBuilder MapDynamicClientRegistrationAdminUi(this IEndpointRouteBuilder endpoints,
        string authorizationPolicy) =>
        AdminUiEndpoints.Map(endpoints, authorizationPolicy);
}
