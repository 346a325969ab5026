using Dcr.IdentityServerExtensions;
using Dcr.IdentityServerExtensions.EntityFrameworkCore;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps the client catalog in the host's EF Core database.</summary>
public static class EntityFrameworkCoreDynamicClientRegistrationExtensions
{
    /// <summary>
    /// Keeps the catalog of the clients this product creates (<see cref="IClientCatalog"/>) in
    /// <typeparamref name="TContext"/>, whose model must call <c>modelBuilder.UseDynamicClientRegistration()</c>. Give the
    /// context the host's client store uses (OpenIddict: the one of <c>UseEntityFrameworkCore().UseDbContext&lt;TContext&gt;()</c>):
    /// the same scoped instance then writes the client and its record in one transaction.
    /// </summary>
    public static DynamicClientRegistrationBuilder UseEntityFrameworkCore<TContext>(this DynamicClientRegistrationBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IClientCatalog>();
        builder.Services.AddScoped<IClientCatalog, EntityFrameworkCoreClientCatalog<TContext>>();
        return builder;
    }
}
