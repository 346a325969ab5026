using System.Data.Common;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The sample's token path after the speed work of #19: the client lookup asks the database on every request, for the
/// row's version, and reads the whole row only for a version this process has not seen (so a rotated secret or a
/// deleted client takes effect at once on every instance: the cross-instance cases are SharedDatabaseTests), and
/// OpenIddict's events go through the sample's indexed dispatcher.
/// </summary>
public sealed class TokenPathTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Fact]
    public async Task every_client_credentials_request_reads_its_clients_version_from_the_database_and_the_whole_row_only_when_it_changed()
    {
        var selects = new ApplicationSelects();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(selects));
        selects.Observe(host);
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        foreach (var attempt in new[] { 1, 2 })
        {
            selects.Reset();
            var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");

            token.ShouldSucceed();
            selects.Commands.Should().ContainSingle("request {0} asks the database for its client once", attempt)
                .Which.Should().Contain("\"ConcurrencyToken\"").And.NotContain("\"ClientSecret\"", "the row of a version already seen is not read again");
        }

        // A rotation gives the row a new version: the next request reads the whole row again, and the old secret fails.
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Status.Should().Be(System.Net.HttpStatusCode.OK, read.Body);
        selects.Reset();

        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
        selects.Commands.Should().HaveCount(2).And.Contain(command => command.Contains("\"ClientSecret\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task on_sqlite_the_version_check_of_a_token_request_runs_on_a_connection_of_its_own_and_not_through_entity_framework()
    {
        var entityFramework = new ApplicationSelects();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(entityFramework));
        var versions = host.Services.GetService<SqliteApplicationVersions>();
        var outside = new System.Collections.Concurrent.ConcurrentQueue<string>();
        if (versions is not null)
        {
            versions.Observer = outside.Enqueue;
        }

        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        entityFramework.Reset();
        outside.Clear();

        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        if (host.Database.Provider == DatabaseProvider.Sqlite)
        {
            versions.Should().NotBeNull("the sample reads versions on its own connection when its database is a SQLite file");
            outside.Should().ContainSingle().Which.Should().Contain("\"ConcurrencyToken\"").And.Contain("\"OpenIddictApplications\"");
            entityFramework.Commands.Should().BeEmpty("the token request's only read of its client ran outside EF Core");
        }
        else
        {
            versions.Should().BeNull("only a SQLite file is read on a connection of its own");
            entityFramework.Commands.Should().ContainSingle().Which.Should().Contain("\"ConcurrencyToken\"");
        }
    }

    [Fact]
    public async Task inside_a_transaction_the_lookup_sees_the_transactions_own_writes_although_this_process_has_seen_the_row()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        await using var scope = host.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        await using var transaction = await database.Database.BeginTransactionAsync();
        (await database.Set<OpenIddictEntityFrameworkCoreApplication>()
            .Where(application => application.ClientId == registered.ClientId).ExecuteDeleteAsync()).Should().Be(1);

        // Another connection would still see the committed row, whose version this process has kept a copy of.
        (await scope.ServiceProvider.GetRequiredService<global::OpenIddict.Abstractions.IOpenIddictApplicationManager>().FindByClientIdAsync(registered.ClientId))
            .Should().BeNull("the lookup inside a transaction reads through it, and sees its own deletion");
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task a_client_deleted_behind_the_hosts_back_is_not_found_on_the_next_request_although_its_row_was_seen_before()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        // As another instance would: straight in the database, not through this host's requests.
        using (var scope = host.Services.CreateScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
            (await database.Set<OpenIddictEntityFrameworkCoreApplication>()
                .Where(application => application.ClientId == registered.ClientId).ExecuteDeleteAsync()).Should().Be(1);
        }

        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
    }

    [Fact]
    public void the_copy_of_a_client_row_carries_every_property_of_the_entity_framework_model()
    {
        using var host = new SampleHost();
        using var scope = host.Services.CreateScope();
        var database = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        var properties = database.Model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreApplication))!.GetProperties().ToList();
        var original = new OpenIddictEntityFrameworkCoreApplication();
        foreach (var property in properties)
        {
            property.ClrType.Should().Be<string>("every mapped property of the application is a string ({0})", property.Name);
            property.PropertyInfo!.SetValue(original, "value of " + property.Name);
        }

        var copy = SampleApplicationStore.ApplicationSnapshot.Of(original).CreateEntity();

        copy.Should().NotBeSameAs(original);
        foreach (var property in properties)
        {
            property.PropertyInfo!.GetValue(copy).Should().Be("value of " + property.Name, "the copy carries {0}", property.Name);
        }
    }

    [Fact]
    public async Task a_secret_rotated_by_a_read_stops_working_at_the_token_endpoint_on_the_very_next_request()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);

        read.Status.Should().Be(System.Net.HttpStatusCode.OK, read.Body);
        var rotated = read.Json.GetProperty("client_secret").GetString();
        rotated.Should().NotBe(registered.ClientSecret);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
        (await client.ClientCredentialsAsync(registered.ClientId, rotated, "api")).ShouldSucceed();
    }

    [Fact]
    public void the_sample_dispatches_openiddict_server_events_through_the_indexed_dispatcher()
    {
        using var host = new SampleHost();
        using var scope = host.Services.CreateScope();

        scope.ServiceProvider.GetRequiredService<IOpenIddictServerDispatcher>().Should().BeOfType<IndexedServerDispatcher>();
    }

    [Fact]
    public async Task the_indexed_dispatcher_runs_the_handlers_of_an_event_in_order_honours_their_filters_and_stops_at_a_rejection()
    {
        var calls = new List<string>();
        var order = OpenIddictServerHandlers.Discovery.AttachIssuer.Descriptor.Order;
        using var host = new SampleHost(configureServices: services => services.AddSingleton<Never>().Configure<OpenIddictServerOptions>(options =>
        {
            // Added out of order: the dispatcher must follow OpenIddict's sorted order, not the registration order.
            options.Handlers.Add(Handler("third", order + 3, calls, reject: false));
            options.Handlers.Add(Handler("filtered out", order + 1, calls, reject: false, filtered: true));
            options.Handlers.Add(Handler("first", order + 2, calls, reject: false));
            options.Handlers.Add(Handler("rejects", order + 4, calls, reject: true));
            options.Handlers.Add(Handler("never reached", order + 5, calls, reject: false));
            options.Handlers.Sort((left, right) => left.Order.CompareTo(right.Order));
        }));
        using var http = host.CreateClient();

        var response = await http.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));

        ((int)response.StatusCode).Should().Be(400);
        calls.Should().Equal("first", "third", "rejects");
    }

    [Fact]
    public async Task the_indexed_dispatcher_resolves_scoped_handlers_and_filters_from_each_requests_services_and_keeps_singletons()
    {
        var seen = new Instances();
        var order = OpenIddictServerHandlers.Discovery.AttachIssuer.Descriptor.Order;
        using var host = new SampleHost(configureServices: services => services
            .AddSingleton(seen).AddScoped<ScopedHandler>().AddSingleton<SingletonHandler>().AddScoped<ScopedFilter>()
            .Configure<OpenIddictServerOptions>(options =>
            {
                options.Handlers.Add(OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
                    .UseScopedHandler<ScopedHandler>().AddFilter<ScopedFilter>().SetOrder(order + 1).SetType(OpenIddictServerHandlerType.Custom).Build());
                options.Handlers.Add(OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
                    .UseSingletonHandler<SingletonHandler>().SetOrder(order + 2).SetType(OpenIddictServerHandlerType.Custom).Build());
                options.Handlers.Sort((left, right) => left.Order.CompareTo(right.Order));
            }));
        using var http = host.CreateClient();

        foreach (var request in new[] { 1, 2, 3 })
        {
            (await http.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative))).EnsureSuccessStatusCode();
        }

        seen.Handled(typeof(ScopedHandler)).Should().HaveCount(3).And.OnlyHaveUniqueItems("a scoped handler is the request's own");
        seen.Handled(typeof(ScopedFilter)).Should().HaveCount(3).And.OnlyHaveUniqueItems("a scoped filter is the request's own");
        seen.Handled(typeof(SingletonHandler)).Should().HaveCount(3).And.AllSatisfy(instance => instance.Should().BeSameAs(host.Services.GetRequiredService<SingletonHandler>()));
    }

    private sealed class Instances
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(Type Type, object Instance)> _handled = new();

        public void Add(object instance) => _handled.Enqueue((instance.GetType(), instance));

        public List<object> Handled(Type type) => [.. _handled.Where(entry => entry.Type == type).Select(entry => entry.Instance)];
    }

    private sealed class ScopedHandler(Instances seen) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            seen.Add(this);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SingletonHandler(Instances seen) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
    {
        public ValueTask HandleAsync(HandleConfigurationRequestContext context)
        {
            seen.Add(this);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ScopedFilter(Instances seen) : IOpenIddictServerHandlerFilter<BaseContext>
    {
        public ValueTask<bool> IsActiveAsync(BaseContext context)
        {
            seen.Add(this);
            return ValueTask.FromResult(true);
        }
    }

    private static OpenIddictServerHandlerDescriptor Handler(string name, int order, List<string> calls, bool reject, bool filtered = false)
    {
        var builder = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseInlineHandler(context =>
            {
                lock (calls)
                {
                    calls.Add(name);
                }

                if (reject)
                {
                    context.Reject(error: "invalid_request", description: "Rejected by the test.");
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(order)
            .SetType(OpenIddictServerHandlerType.Custom);
        if (filtered)
        {
            builder.AddFilter<Never>();
        }

        return builder.Build();
    }

    private sealed class Never : IOpenIddictServerHandlerFilter<BaseContext>
    {
        public ValueTask<bool> IsActiveAsync(BaseContext context) => ValueTask.FromResult(false);
    }
}
