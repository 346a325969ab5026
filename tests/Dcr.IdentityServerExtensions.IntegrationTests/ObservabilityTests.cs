using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The audit trail, the metrics and traces, and the promise that no secret reaches a log. Runs alone: an activity
/// listener hears every host in the process, so no other test may run beside it.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class ObservabilityTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    private static Dictionary<string, string?> RetentionAndTraceLogging() => new()
    {
        ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
        ["DynamicClientRegistration:Management:ClientSecretRetentionPeriod"] = "00:10:00",
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:OpenIddict"] = "Trace",
        ["Logging:LogLevel:System"] = "Trace",
    };

    [Fact]
    public async Task no_secret_registration_access_token_or_initial_access_token_appears_in_any_log_at_any_level()
    {
        var logs = new FakeLogCollector();
        using var host = new SampleHost(RetentionAndTraceLogging(), services => services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs))));
        using var client = host.CreateDcrClient();
        var secrets = new List<string> { DcrTestClient.AdminClientSecret };

        var initialAccessToken = await client.InitialAccessTokenAsync();
        secrets.Add(initialAccessToken);
        var registered = RegisteredClient.From((await client.PostRegistrationAsync(ServiceClient, initialAccessToken)).Json);
        secrets.AddRange([registered.ClientSecret!, registered.RegistrationAccessToken!]);
        var issued = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        secrets.Add(issued.AccessToken!);

        var read = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Json);
        secrets.AddRange([read.ClientSecret!, read.RegistrationAccessToken!]);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed(); // the retained secret
        await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken); // a spent token
        await client.ClientCredentialsAsync(registered.ClientId, "wrong-secret-value", "api");
        var updated = RegisteredClient.From((await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, read.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","client_secret":"{{read.ClientSecret}}","grant_types":["client_credentials"],"scope":"api"}""")).Json);
        secrets.AddRange([updated.ClientSecret!, updated.RegistrationAccessToken!]);
        (await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, updated.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.NoContent);

        logs.GetSnapshot().Should().NotBeEmpty();
        logs.GetSnapshot().Should().Contain(entry => entry.Level == LogLevel.Trace, "the capture really ran at the lowest level");
        var leaks = logs.GetSnapshot().Where(entry => secrets.Any(secret => entry.AllText().Contains(secret, StringComparison.Ordinal)))
            .Select(entry => $"{entry.Level} {entry.Category}[{entry.Id.Id}]: {entry.Message[..Math.Min(entry.Message.Length, 200)]}");
        leaks.Should().BeEmpty();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task a_client_id_with_a_cr_lf_in_the_path_is_answered_as_an_unknown_client_and_forges_no_log_line(string method)
    {
        var logs = new FakeLogCollector();
        using var host = new SampleHost(
            new Dictionary<string, string?> { ["Logging:LogLevel:Dcr.IdentityServerExtensions"] = "Information" },
            services => services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs))));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        logs.Clear();

        var forged = $"{DcrTestClient.RegistrationPath}/{registered.ClientId}%0D%0AClient%20x%20deleted%20its%20registration";
        var response = await client.ManageAsync(new HttpMethod(method), forged, registered.RegistrationAccessToken,
            method == "PUT" ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"]}""" : null);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_token");
        var refusal = logs.GetSnapshot().Should().ContainSingle(entry => entry.Id.Id == 1100).Subject;
        refusal.GetStructuredStateValue("ClientId").Should().BeNullOrEmpty();
        logs.GetSnapshot().Where(entry => entry.Message.Contains('\r') || entry.Message.Contains('\n')
                || (entry.StructuredState ?? []).Any(pair => pair.Value is { } value && (value.Contains('\r') || value.Contains('\n'))))
            .Select(entry => $"{entry.Category}[{entry.Id.Id}]: {entry.Message}")
            .Should().BeEmpty();

        // The client itself was not touched: its token still works.
        (await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status
            .Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task every_action_is_audited_with_a_stable_event_id_the_client_the_caller_and_the_outcome()
    {
        var events = new ConcurrentQueue<ClientRegistrationEvent>();
        var logs = new FakeLogCollector();
        using var host = new SampleHost(RetentionAndTraceLogging(), services => services
            .AddSingleton(events)
            .AddScoped<IClientRegistrationEventSink, RecordingSink>()
            .AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs))));
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync(ServiceClient);
        var read = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Json);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        var updated = RegisteredClient.From((await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, read.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"]}""")).Json);
        await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, updated.RegistrationAccessToken);
        await client.PostRegistrationAsync("""{"grant_types":["password"]}""", await client.InitialAccessTokenAsync());

        var id = registered.ClientId;
        events.Select(e => (e.Action, e.ClientId, e.CallerId, e.Outcome)).Should().Equal(
            (ClientRegistrationAction.Register, id, "dcr-admin", "success"),
            (ClientRegistrationAction.RotateClientSecret, id, id, "success"),
            (ClientRegistrationAction.RotateRegistrationAccessToken, id, id, "success"),
            (ClientRegistrationAction.Read, id, id, "success"),
            (ClientRegistrationAction.UseRetainedClientSecret, id, id, "success"),
            (ClientRegistrationAction.Read, id, null, "invalid_token"),
            (ClientRegistrationAction.RotateClientSecret, id, id, "success"),
            (ClientRegistrationAction.RotateRegistrationAccessToken, id, id, "success"),
            (ClientRegistrationAction.Update, id, id, "success"),
            (ClientRegistrationAction.Delete, id, id, "success"),
            (ClientRegistrationAction.Register, null, "dcr-admin", "invalid_client_metadata"));
        events.Should().OnlyContain(e => e.Timestamp == host.Time.GetUtcNow());

        var audit = logs.GetSnapshot().Where(entry => entry.Category == typeof(ClientRegistrationAudit).FullName).ToList();
        audit.Select(entry => entry.Id.Id).Should().Equal(1000, 1004, 1005, 1001, 1006, 1100, 1004, 1005, 1002, 1003, 1100);
        audit[0].GetStructuredStateValue("ClientId").Should().Be(id);
        audit[0].GetStructuredStateValue("CallerId").Should().Be("dcr-admin");
        audit[^1].GetStructuredStateValue("ErrorCode").Should().Be("invalid_client_metadata");
    }

    [Fact]
    public async Task a_failing_event_sink_does_not_fail_the_request()
    {
        using var host = new SampleHost(configureServices: services => services.AddScoped<IClientRegistrationEventSink, ThrowingSink>());
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync());

        response.Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task the_meter_counts_actions_and_rejections_and_times_requests_and_the_activity_source_traces_them()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DynamicClientRegistrationMetrics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var registrations = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.registrations");
        using var rotations = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.rotations");
        using var rejections = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.rejections");
        using var deletes = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.deletes");
        using var duration = new MetricCollector<double>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.request.duration");

        var registered = await client.RegisterAsync(ServiceClient);
        var read = RegisteredClient.From((await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Json);
        await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, read.RegistrationAccessToken);
        await client.PostRegistrationAsync("""{"grant_types":["password"]}""", await client.InitialAccessTokenAsync());
        await client.PostRegistrationAsync(ServiceClient, bearer: null);

        registrations.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(1);
        deletes.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(1);
        rotations.GetMeasurementSnapshot().Select(m => m.Tags["credential"]).Should().BeEquivalentTo(["client_secret", "registration_access_token"]);
        rejections.GetMeasurementSnapshot().Select(m => (m.Tags["action"], m.Tags["error"])).Should().BeEquivalentTo(
            [((object?)"register", (object?)"invalid_client_metadata"), ("register", "invalid_token")]);
        duration.GetMeasurementSnapshot().Select(m => (m.Tags["action"], m.Tags["http.response.status_code"])).Should().BeEquivalentTo(
            [((object?)"register", (object?)201), ("read", 200), ("delete", 204), ("register", 400), ("register", 401)]);
        duration.GetMeasurementSnapshot().Should().OnlyContain(m => m.Value > 0);

        activities.Select(a => a.OperationName).Should().Equal("dcr.register", "dcr.read", "dcr.delete", "dcr.register", "dcr.register");
        activities.First().GetTagItem("dcr.client_id").Should().Be(registered.ClientId);
        activities.Last().GetTagItem("dcr.outcome").Should().Be("invalid_token");
    }

    private sealed class RecordingSink(ConcurrentQueue<ClientRegistrationEvent> events) : IClientRegistrationEventSink
    {
        public ValueTask WriteAsync(ClientRegistrationEvent clientRegistrationEvent, CancellationToken cancellationToken)
        {
            events.Enqueue(clientRegistrationEvent);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingSink : IClientRegistrationEventSink
    {
        public ValueTask WriteAsync(ClientRegistrationEvent clientRegistrationEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The audit store is down.");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Runs alone";
}
