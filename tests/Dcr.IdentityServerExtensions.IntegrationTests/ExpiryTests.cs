using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The expiry of unused clients (<c>Lifecycle:DeleteNeverUsedAfter</c>, <c>:DeleteUnusedAfter</c>, <c>:SweepInterval</c>):
/// what is deleted and when, to the second; a live refresh token keeps a client; deletions are audited and counted and
/// the deleted clients' tokens stop working; several instances sweeping at once delete each client once; the hosted
/// service sweeps every interval.
/// </summary>
public sealed class ExpiryTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    // The hosted sweep runs at start-up and then a year later: the tests that sweep by hand move the clock by days, and
    // must not race it.
    private static Dictionary<string, string?> Expiry(string? neverUsed = "1.00:00:00", string? unused = "7.00:00:00") => new()
    {
        ["DynamicClientRegistration:Lifecycle:DeleteNeverUsedAfter"] = neverUsed,
        ["DynamicClientRegistration:Lifecycle:DeleteUnusedAfter"] = unused,
        ["DynamicClientRegistration:Lifecycle:SweepInterval"] = "365.00:00:00",
    };

    private static Task<int> SweepAsync(SampleHost host) => host.Services.GetRequiredService<ClientExpirySweeper>().SweepOnceAsync(default);

    [Fact]
    public async Task never_used_and_unused_clients_are_deleted_from_the_second_their_period_ends_audited_counted_and_their_tokens_refused()
    {
        var events = new ConcurrentQueue<ClientRegistrationEvent>();
        using var host = new SampleHost(Expiry(), services => services.AddSingleton(events).AddScoped<IClientRegistrationEventSink, RecordingSink>());
        using var client = host.CreateDcrClient();
        using var expirations = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), DynamicClientRegistrationMetrics.MeterName, "dcr.expirations");
        var start = host.Time.GetUtcNow();
        var never = await client.RegisterAsync(ServiceClient);
        var usedEarly = await client.RegisterAsync(ServiceClient);
        var usedLate = await client.RegisterAsync(ServiceClient);
        var earlyToken = await client.ClientCredentialsAsync(usedEarly.ClientId, usedEarly.ClientSecret, "api");
        earlyToken.ShouldSucceed();
        (await client.ClientCredentialsAsync(usedLate.ClientId, usedLate.ClientSecret, "api")).ShouldSucceed();

        host.Time.SetUtcNow(start + TimeSpan.FromDays(1));
        (await SweepAsync(host)).Should().Be(0, "the never-used client is exactly one day old, not older");

        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await SweepAsync(host)).Should().Be(1);
        (await host.HasApplicationAsync(never.ClientId)).Should().BeFalse();
        (await host.CatalogRowAsync(never.ClientId)).Should().BeNull();

        host.Time.SetUtcNow(start + TimeSpan.FromDays(6));
        (await client.ClientCredentialsAsync(usedLate.ClientId, usedLate.ClientSecret, "api")).ShouldSucceed();

        host.Time.SetUtcNow(start + TimeSpan.FromDays(7));
        (await SweepAsync(host)).Should().Be(0);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await SweepAsync(host)).Should().Be(1);

        (await host.HasApplicationAsync(usedEarly.ClientId)).Should().BeFalse();
        (await host.HasApplicationAsync(usedLate.ClientId)).Should().BeTrue();
        (await client.CallApiAsync(earlyToken.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
        (await client.ClientCredentialsAsync(usedEarly.ClientId, usedEarly.ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
        (await client.ManageAsync(HttpMethod.Get, usedEarly.RegistrationClientUri!, usedEarly.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");

        events.Where(e => e.Action == ClientRegistrationAction.Expire).Select(e => (e.ClientId, e.CallerId, e.Outcome))
            .Should().Equal((never.ClientId, (string?)null, "success"), (usedEarly.ClientId, null, "success"));
        expirations.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(2);
    }

    [Fact]
    public async Task a_client_holding_a_live_refresh_token_is_kept_until_the_token_is_no_longer_live()
    {
        using var host = new SampleHost(Expiry(neverUsed: null, unused: "1.00:00:00"));
        using var client = host.CreateDcrClient();
        var start = host.Time.GetUtcNow();
        var registered = await client.RegisterAsync(
            """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"scope":"openid offline_access api"}""");
        var tokens = await client.AuthorizationCodeAsync(registered.ClientId, null, "http://127.0.0.1/callback", "openid offline_access api");
        tokens.ShouldSucceed();
        tokens.RefreshToken.Should().NotBeNullOrEmpty();

        host.Time.SetUtcNow(start + TimeSpan.FromDays(2));
        (await SweepAsync(host)).Should().Be(0, "its refresh token (14 days) is live");
        (await host.HasApplicationAsync(registered.ClientId)).Should().BeTrue();

        host.Time.SetUtcNow(start + TimeSpan.FromDays(15));
        (await SweepAsync(host)).Should().Be(1, "its refresh token has expired");
        (await host.HasApplicationAsync(registered.ClientId)).Should().BeFalse();
        (await client.RefreshAsync(registered.ClientId, null, tokens.RefreshToken!)).IsError.Should().BeTrue();
    }

    [Fact]
    public async Task two_instances_sweeping_at_once_delete_each_client_once_and_fail_nowhere()
    {
        var database = TestDatabase.Create(Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N")));
        try
        {
            using var a = new SampleHost(Expiry(), database: database);
            using var b = new SampleHost(new Dictionary<string, string?>(Expiry()) { ["Sample:KeysPath"] = a.KeysPath }, database: database);
            using var onA = a.CreateDcrClient();
            var token = await onA.InitialAccessTokenAsync();
            var ids = new List<string>();
            for (var i = 0; i < 8; i++)
            {
                ids.Add(RegisteredClient.From((await onA.PostRegistrationAsync(ServiceClient, token)).Json).ClientId);
            }

            b.CreateClient().Dispose();
            foreach (var host in new[] { a, b })
            {
                host.Time.Advance(TimeSpan.FromDays(2));
            }

            var deleted = await Task.WhenAll(SweepAsync(a), SweepAsync(b));

            deleted.Sum().Should().Be(8);
            (await a.CatalogCountAsync()).Should().Be(0);
            foreach (var id in ids)
            {
                (await a.HasApplicationAsync(id)).Should().BeFalse();
            }
        }
        finally
        {
            database.Dispose();
        }
    }

    [Fact]
    public async Task the_hosted_service_sweeps_every_sweep_interval()
    {
        var settings = Expiry(neverUsed: "01:00:00", unused: null);
        settings["DynamicClientRegistration:Lifecycle:SweepInterval"] = "00:10:00";
        using var host = new SampleHost(settings);
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        host.Time.Advance(TimeSpan.FromMinutes(50));
        await Task.Delay(500);
        (await host.HasApplicationAsync(registered.ClientId)).Should().BeTrue("it is not an hour old yet");

        // Each interval that passes runs the sweep; one of them finds the client older than an hour.
        for (var i = 0; i < 3 && await host.HasApplicationAsync(registered.ClientId); i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            for (var wait = 0; wait < 50 && await host.HasApplicationAsync(registered.ClientId); wait++)
            {
                await Task.Delay(100);
            }
        }

        (await host.HasApplicationAsync(registered.ClientId)).Should().BeFalse();
    }

    [Theory]
    [InlineData("DynamicClientRegistration:Lifecycle:DeleteNeverUsedAfter", "00:00:00")]
    [InlineData("DynamicClientRegistration:Lifecycle:DeleteUnusedAfter", "-1.00:00:00")]
    [InlineData("DynamicClientRegistration:Lifecycle:DeleteUnusedAfter", "00:30:00")]
    [InlineData("DynamicClientRegistration:Lifecycle:SweepInterval", "00:00:00")]
    [InlineData("DynamicClientRegistration:Lifecycle:LastUsedResolution", "00:00:00")]
    [InlineData("DynamicClientRegistration:Policies:MaxAnonymousClients", "-1")]
    [InlineData("DynamicClientRegistration:Policies:MaxClientsPerInitialAccessToken", "-1")]
    [InlineData("DynamicClientRegistration:Admin:RequiredScope", "dcr")]
    [InlineData("DynamicClientRegistration:Admin:Path", "admin")]
    [InlineData("DynamicClientRegistration:AllowedScopes:0", "dcr:admin")]
    public void a_setting_that_cannot_work_stops_the_host_at_start_up_naming_its_key(string key, string value)
    {
        using var host = new SampleHost(new Dictionary<string, string?> { [key] = value });

        var start = () => host.CreateClient();

        start.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message
            .Should().Contain(key.Replace("DynamicClientRegistration:", string.Empty, StringComparison.Ordinal).Replace(":0", string.Empty, StringComparison.Ordinal));
    }

    private sealed class RecordingSink(ConcurrentQueue<ClientRegistrationEvent> events) : IClientRegistrationEventSink
    {
        public ValueTask WriteAsync(ClientRegistrationEvent clientRegistrationEvent, CancellationToken cancellationToken)
        {
            events.Enqueue(clientRegistrationEvent);
            return ValueTask.CompletedTask;
        }
    }
}
