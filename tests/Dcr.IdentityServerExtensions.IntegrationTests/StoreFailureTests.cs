using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.Services;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Each registration, update and delete is one transaction on the database: a failure in the middle (after the row
/// was written, or a connection that drops) answers an RFC 7591 error (503 <c>temporarily_unavailable</c>) and
/// leaves nothing half-done: no client created, no secret or registration access token rotated without the response
/// that carried it, no client deleted without its tokens. Concurrent updates are refused, never overwritten.
/// </summary>
public sealed class StoreFailureTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Before"}""";
    private const string InsertApplication = "INSERT INTO \"OpenIddictApplications\"";
    private const string UpdateApplication = "UPDATE \"OpenIddictApplications\"";
    private const string DeleteApplication = "DELETE FROM \"OpenIddictApplications\"";

    [Theory]
    [InlineData(DatabaseFault.FailAfterTheCommandRan)]
    [InlineData(DatabaseFault.DropTheConnection)]
    public async Task a_registration_that_fails_in_the_database_answers_503_and_leaves_no_client(DatabaseFault fault)
    {
        var failing = new FailingCommand(InsertApplication, fault);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var initialAccessToken = await client.InitialAccessTokenAsync();
        var before = await ApplicationCountAsync(host);

        failing.Arm();
        var response = await client.PostRegistrationAsync(ServiceClient, initialAccessToken);

        failing.Failures.Should().Be(1);
        response.ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");
        response.Body.Should().NotContain("client_id").And.NotContain("client_secret\"");
        (await ApplicationCountAsync(host)).Should().Be(before, "the failed registration must not leave a client behind");

        // The store is usable again at once.
        var registered = await client.RegisterAsync(ServiceClient);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
    }

    [Fact]
    public async Task a_registration_that_fails_with_a_bug_after_its_insert_answers_500_server_error_and_leaves_no_client()
    {
        // Not a database failure, so not a 503: a 500 with the endpoints' own error body, and the transaction still
        // takes the row back.
        var failing = new FailingCommand(InsertApplication, DatabaseFault.ThrowABugAfterTheCommandRan);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var initialAccessToken = await client.InitialAccessTokenAsync();
        var before = await ApplicationCountAsync(host);

        failing.Arm();
        var response = await client.PostRegistrationAsync(ServiceClient, initialAccessToken);

        failing.Failures.Should().Be(1);
        response.ShouldBeError(HttpStatusCode.InternalServerError, "server_error", "DCR2702");
        response.Body.Should().NotContain("client_secret\"");
        (await ApplicationCountAsync(host)).Should().Be(before);
    }

    [Theory]
    [InlineData("GET", DatabaseFault.FailAfterTheCommandRan)]
    [InlineData("GET", DatabaseFault.DropTheConnection)]
    [InlineData("PUT", DatabaseFault.FailAfterTheCommandRan)]
    [InlineData("PUT", DatabaseFault.DropTheConnection)]
    public async Task a_read_or_update_that_fails_in_the_database_answers_503_and_rotates_nothing(string method, DatabaseFault fault)
    {
        var failing = new FailingCommand(UpdateApplication, fault);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var body = method == "PUT"
            ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api","client_name":"After"}"""
            : null;

        failing.Arm();
        var response = await client.ManageAsync(new HttpMethod(method), registered.RegistrationClientUri!, registered.RegistrationAccessToken, body);

        failing.Failures.Should().Be(1);
        response.ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");
        response.Body.Should().NotContain("client_secret\"").And.NotContain("registration_access_token");

        // The secret and the registration access token the client holds are still the ones in force.
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Status.Should().Be(HttpStatusCode.OK, read.Body);
        read.Json.GetProperty("client_name").GetString().Should().Be("Before");
    }

    [Theory]
    [InlineData(DatabaseFault.FailAfterTheCommandRan)]
    [InlineData(DatabaseFault.DropTheConnection)]
    public async Task a_delete_that_fails_in_the_database_answers_503_and_keeps_the_client_with_its_tokens(DatabaseFault fault)
    {
        var failing = new FailingCommand(DeleteApplication, fault);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        token.ShouldSucceed();

        failing.Arm();
        var response = await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken);

        failing.Failures.Should().Be(1);
        response.ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK, "the token deleted with the client must be back");
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        // Deleting again works, and takes the tokens with it.
        (await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status
            .Should().Be(HttpStatusCode.NoContent);
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task two_concurrent_updates_with_the_same_token_one_wins_the_other_gets_401_and_overwrites_nothing()
    {
        var gate = new SaveChangesGate();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(gate));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        gate.Arm();
        var first = client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, Rename(registered, "First"));
        await FirstWriteHeldAsync(gate, first);
        var second = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, Rename(registered, "Second"));
        gate.Release();
        var lost = await first;

        second.Status.Should().Be(HttpStatusCode.OK, second.Body);
        lost.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        var winner = RegisteredClient.From(second.Json);
        (await client.ClientCredentialsAsync(registered.ClientId, winner.ClientSecret, "api")).ShouldSucceed();
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, winner.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be("Second");
    }

    [Fact]
    public async Task without_token_rotation_an_update_that_lost_the_race_gets_409_and_the_winner_is_kept()
    {
        var gate = new SaveChangesGate();
        using var host = new SampleHost(
            new Dictionary<string, string?>
            {
                ["DynamicClientRegistration:Management:RotateClientSecret"] = "false",
                ["DynamicClientRegistration:Management:RotateRegistrationAccessToken"] = "false",
            },
            services => services.AddSingleton<IInterceptor>(gate));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        gate.Arm();
        var first = client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, Rename(registered, "First"));
        await FirstWriteHeldAsync(gate, first);
        var second = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, Rename(registered, "Second"));
        gate.Release();
        var lost = await first;

        second.Status.Should().Be(HttpStatusCode.OK, second.Body);
        lost.ShouldBeError(HttpStatusCode.Conflict, "invalid_request", "DCR2700");
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be("Second");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_delete_that_lost_the_race_to_a_concurrent_delete_answers_401_invalid_token_not_409(bool rotate)
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:RotateClientSecret"] = rotate.ToString(),
            ["DynamicClientRegistration:Management:RotateRegistrationAccessToken"] = rotate.ToString(),
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        // Both requests have authenticated (read the client) before either deletes it.
        await using var winnerScope = host.Services.CreateAsyncScope();
        await using var loserScope = host.Services.CreateAsyncScope();
        var winner = winnerScope.ServiceProvider.GetRequiredService<ClientRegistrationService>();
        var loser = loserScope.ServiceProvider.GetRequiredService<ClientRegistrationService>();
        var readByWinner = await winner.AuthenticateAsync(registered.ClientId, registered.RegistrationAccessToken, default);
        var readByLoser = await loser.AuthenticateAsync(registered.ClientId, registered.RegistrationAccessToken, default);

        (await winner.DeleteAsync(readByWinner.Value!, default)).Succeeded.Should().BeTrue();
        var lost = await loser.DeleteAsync(readByLoser.Value!, default);

        lost.Succeeded.Should().BeFalse();
        (lost.Error!.Code, lost.Error.StatusCode).Should().Be(("invalid_token", 401));
    }

    // The race is only staged if the first update reached its write and is held there: a first update that ended
    // early (refused, failed) or never got to the gate must fail the test here, not pass or fail it later by chance.
    private static async Task FirstWriteHeldAsync(SaveChangesGate gate, Task<WireResponse> first)
    {
        var reached = await Task.WhenAny(gate.Held, first).WaitAsync(TimeSpan.FromSeconds(30));
        reached.Should().BeSameAs(gate.Held, first.IsCompleted ? $"the first update ended before its write: {first.Result.Body}" : "");
        gate.Held.IsCompletedSuccessfully.Should().BeTrue();
    }

    private static string Rename(RegisteredClient client, string name) =>
        $$"""{"client_id":"{{client.ClientId}}","grant_types":["client_credentials"],"scope":"api","client_name":"{{name}}"}""";

    private static async Task<int> ApplicationCountAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<OpenIddictEntityFrameworkCoreApplication>().CountAsync();
    }
}
