using Dcr.IdentityServerExtensions.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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

    /// <summary>
    /// Adds a client registration policy, resolved per request; policies run in the order they were added, after the
    /// built-in ones. Adding the same type twice adds it once.
    /// </summary>
    public DynamicClientRegistrationBuilder AddPolicy<TPolicy>()
        where TPolicy : class, IClientRegistrationPolicy
    {
        Services.TryAddEnumerable(ServiceDescriptor.Scoped<IClientRegistrationPolicy, TPolicy>());
        return this;
    }

    /// <summary>Adds a client registration policy instance, shared by all requests.</summary>
    public DynamicClientRegistrationBuilder AddPolicy(IClientRegistrationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Services.AddSingleton(policy);
        return this;
    }
}
