using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions;

/// <summary>
/// Returned by <c>AddDynamicClientRegistration</c>; host adapters hang their set-up off it (<c>.UseOpenIddict()</c>).
/// </summary>
public sealed class DynamicClientRegistrationBuilder
{
    /// <summary>Creates the builder.</summary>
    public DynamicClientRegistrationBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }
}
