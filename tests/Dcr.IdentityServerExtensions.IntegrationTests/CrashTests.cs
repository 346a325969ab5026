using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Nothing the host answered is lost when it is killed (issue: benchmarks, "no guarantee traded for speed"): every
/// registration answered 201 and every rotation answered 200 is in the database when the process dies, because each
/// is committed before its answer is written, whatever queues the writes on the way.
/// </summary>
public sealed class CrashTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Survivor"}""";

    [Fact]
    public async Task what_the_host_answered_before_it_was_killed_is_all_there_after_a_restart()
    {
        await using var sample = await SampleProcess.StartAsync();
        using var client = new DcrTestClient(new HttpClient { BaseAddress = sample.BaseAddress });
        var initialAccessToken = await client.InitialAccessTokenAsync();

        // Concurrent registrations, then a concurrent read of each, which rotates its secret and registration access token.
        var registrations = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.PostRegistrationAsync(ServiceClient, initialAccessToken)));
        registrations.Should().OnlyContain(response => response.Status == HttpStatusCode.Created);
        var reads = await Task.WhenAll(registrations.Select(response => RegisteredClient.From(response.Json))
            .Select(registered => client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)));
        reads.Should().OnlyContain(response => response.Status == HttpStatusCode.OK);
        var latest = reads.Select(response => RegisteredClient.From(response.Json)).ToList();

        await sample.KillAndRestartAsync();

        foreach (var registered in latest)
        {
            (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
            (await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status
                .Should().Be(HttpStatusCode.OK, $"the rotation answered for {registered.ClientId} must have been kept");
        }
    }
}
