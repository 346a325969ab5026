using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dcr.IdentityServerExtensions.Options;

/// <summary>
/// Stops the host at start-up when no client catalog (<see cref="IClientCatalog"/>) is registered: registration,
/// quotas, last use, expiry and the admin API all keep their bookkeeping there, so a host without one would otherwise
/// fail at its first registration. The first of the product's hosted services, so it runs before any that use the catalog.
/// </summary>
internal sealed class ClientCatalogGuard(IServiceProviderIsService services) : IHostedService
{
    internal const string Message =
        "Dynamic client registration needs a client catalog (IClientCatalog), where it keeps who created each client, its last use " +
        "and the quotas' counters. Add the package Dcr.IdentityServerExtensions.EntityFrameworkCore, call " +
        "AddDynamicClientRegistration(...).UseEntityFrameworkCore<TContext>() with the DbContext your client store uses, and " +
        "modelBuilder.UseDynamicClientRegistration() in that context's OnModelCreating (then add a migration); or register your own IClientCatalog.";

    public Task StartAsync(CancellationToken cancellationToken) =>
        services.IsService(typeof(IClientCatalog)) ? Task.CompletedTask : throw new InvalidOperationException(Message);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
