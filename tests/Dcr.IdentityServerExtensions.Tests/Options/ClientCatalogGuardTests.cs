using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dcr.IdentityServerExtensions.Tests.Options;

public sealed class ClientCatalogGuardTests
{
    private static ServiceProvider Build(bool withCatalog)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddDynamicClientRegistration();
        if (withCatalog)
        {
            services.AddScoped<IClientCatalog, InMemoryClientCatalog>();
        }

        return services.BuildServiceProvider();
    }

    private static ClientCatalogGuard Guard(IServiceProvider provider) => provider.GetServices<IHostedService>().OfType<ClientCatalogGuard>().Single();

    [Fact]
    public async Task without_a_client_catalog_the_host_stops_at_start_up_with_a_message_that_says_how_to_add_one()
    {
        using var provider = Build(withCatalog: false);

        var start = () => Guard(provider).StartAsync(default);

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message
            .Should().Contain("IClientCatalog").And.Contain("UseEntityFrameworkCore<TContext>()").And.Contain("UseDynamicClientRegistration()");
    }

    [Fact]
    public async Task with_a_client_catalog_the_host_starts()
    {
        using var provider = Build(withCatalog: true);

        await Guard(provider).StartAsync(default);
    }

    [Fact]
    public void the_guard_is_the_first_of_the_product_s_hosted_services()
    {
        using var provider = Build(withCatalog: true);

        provider.GetServices<IHostedService>().First().Should().BeOfType<ClientCatalogGuard>();
    }
}
