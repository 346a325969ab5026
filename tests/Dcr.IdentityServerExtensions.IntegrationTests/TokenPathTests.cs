using System.Data.Common;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The sample's token path after the speed work of #19: the client lookup is a compiled query that still reads the
/// database on every request (nothing cached across requests, so a rotated secret or a deleted client takes effect at
/// once on every instance), and OpenIddict's events go through the sample's indexed dispatcher.
/// </summary>
public sealed class TokenPathTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Fact]
    public async Task every_client_credentials_request_selects_its_client_from_the_database_exactly_once()
    {
        var selects = new ApplicationSelects();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(selects));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        foreach (var attempt in new[] { 1, 2 })
        {
            selects.Reset();
            var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");

            token.ShouldSucceed();
            selects.Count.Should().Be(1, "request {0} reads its client once, from the database; the commands were:\n{1}",
                attempt, string.Join("\n", selects.Commands));
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
