using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Several instances of the host over one database (PostgreSQL in the PostgreSQL run, one SQLite file otherwise),
/// sharing the signing and encryption keys: a client is one client whichever instance serves it. The sample uses no
/// ASP.NET Core data protection (OpenIddict's tokens are JWTs signed and encrypted with the shared keys), so the keys
/// file is all that instances must share besides the database.
/// </summary>
public sealed class SharedDatabaseTests : IDisposable
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Shared"}""";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
    private readonly TestDatabase _database;

    public SharedDatabaseTests()
    {
        Directory.CreateDirectory(_directory);
        _database = TestDatabase.Create(_directory);
    }

    [Fact]
    public async Task a_client_registered_on_one_instance_gets_tokens_is_updated_read_and_deleted_across_instances()
    {
        using var a = new SampleHost(database: _database);
        using var b = new SampleHost(Shared(a), database: _database);
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();

        // Registered on A, with an initial access token that B issued: B's tokens are valid on A.
        var registrationOnA = await onA.PostRegistrationAsync(ServiceClient, await onB.InitialAccessTokenAsync());
        registrationOnA.Status.Should().Be(HttpStatusCode.Created, registrationOnA.Body);
        var registered = RegisteredClient.From(registrationOnA.Json);

        // B issues it a token, which A's API accepts, and the other way round.
        var tokenFromB = await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        tokenFromB.ShouldSucceed();
        (await onA.CallApiAsync(tokenFromB.AccessToken!)).Should().Be(HttpStatusCode.OK);
        var tokenFromA = await onA.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        tokenFromA.ShouldSucceed();
        (await onB.CallApiAsync(tokenFromA.AccessToken!)).Should().Be(HttpStatusCode.OK);

        // Updated on B (which rotates the secret and the registration access token).
        var update = await onB.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api","client_name":"Renamed on B"}""");
        update.Status.Should().Be(HttpStatusCode.OK, update.Body);
        var updated = RegisteredClient.From(update.Json);

        // Read on A: B's change, B's new token accepted, the old secret and token refused.
        (await onA.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        (await onA.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await onA.ClientCredentialsAsync(registered.ClientId, updated.ClientSecret, "api")).ShouldSucceed();
        var read = await onA.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, updated.RegistrationAccessToken);
        read.Status.Should().Be(HttpStatusCode.OK, read.Body);
        read.Json.GetProperty("client_name").GetString().Should().Be("Renamed on B");
        var current = RegisteredClient.From(read.Json);

        // Deleted on A, then refused on B: its secret, its registration access token and the tokens it was issued.
        (await onA.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, current.RegistrationAccessToken)).Status
            .Should().Be(HttpStatusCode.NoContent);
        (await onB.ClientCredentialsAsync(registered.ClientId, current.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await onB.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, current.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        (await onB.CallApiAsync(tokenFromB.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
        (await onB.CallApiAsync(tokenFromA.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_rotation_on_one_instance_and_its_retention_period_hold_on_the_other()
    {
        var retention = new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
            ["DynamicClientRegistration:Management:ClientSecretRetentionPeriod"] = "00:10:00",
        };
        using var a = new SampleHost(retention, database: _database);
        using var b = new SampleHost(new Dictionary<string, string?>(retention) { ["Sample:KeysPath"] = a.KeysPath }, database: _database);
        a.Time.SetUtcNow(b.Time.GetUtcNow()); // one clock for both instances, as servers synchronised by NTP have
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        var registered = await onA.RegisterAsync(ServiceClient);

        var rotatedOnA = RegisteredClient.From((await onA.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Json);

        rotatedOnA.ClientSecret.Should().NotBe(registered.ClientSecret);
        (await onB.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        (await onB.ClientCredentialsAsync(registered.ClientId, rotatedOnA.ClientSecret, "api")).ShouldSucceed();
        (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        foreach (var host in new[] { a, b })
        {
            host.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        }

        (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        foreach (var host in new[] { a, b })
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await onA.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await onB.ClientCredentialsAsync(registered.ClientId, rotatedOnA.ClientSecret, "api")).ShouldSucceed();

        // B rotates again: A sees the new secret, and the one A issued is now the retained one.
        var rotatedOnB = RegisteredClient.From((await onB.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, rotatedOnA.RegistrationAccessToken)).Json);
        (await onA.ClientCredentialsAsync(registered.ClientId, rotatedOnB.ClientSecret, "api")).ShouldSucceed();
        (await onA.ClientCredentialsAsync(registered.ClientId, rotatedOnA.ClientSecret, "api")).ShouldSucceed();
    }

    [Fact]
    public async Task two_instances_starting_at_once_over_an_empty_database_migrate_it_once_and_both_serve()
    {
        using var a = new SampleHost(database: _database);
        using var b = new SampleHost(Shared(a), database: _database);

        await Task.WhenAll(Task.Run(() => a.CreateClient().Dispose()), Task.Run(() => b.CreateClient().Dispose()));

        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        var registered = await onA.RegisterAsync(ServiceClient);
        (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        await using var scope = a.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        (await context.Database.GetAppliedMigrationsAsync()).Should().Equal(context.Database.GetMigrations());
        (await context.Set<OpenIddictEntityFrameworkCoreApplication>().CountAsync(application => application.ClientId == "dcr-admin")).Should().Be(1);
    }

    [Fact]
    public async Task a_client_assertion_used_on_one_instance_is_refused_on_the_other()
    {
        using var a = new SampleHost(database: _database);
        using var b = new SampleHost(Shared(a), database: _database);
        a.Time.SetUtcNow(b.Time.GetUtcNow());
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await onA.RegisterInlineAsync(key);
        var assertion = ClientAssertions.Create(key, clientId, a.Time.GetUtcNow());

        (await onA.TokenAsync(clientId, assertion)).ShouldSucceed();
        (await onB.TokenAsync(clientId, assertion)).ShouldBeInvalidClient("DCR2905");

        // At the same moment on both: one of them takes it.
        var concurrent = ClientAssertions.Create(key, clientId, a.Time.GetUtcNow());
        var responses = await Task.WhenAll(
            Enumerable.Range(0, 6).Select(index => (index % 2 == 0 ? onA : onB).TokenAsync(clientId, concurrent)));
        responses.Count(response => !response.IsError).Should().Be(1, string.Join("\n", responses.Select(response => response.Raw)));
    }

    /// <summary>The settings of a second instance: the first one's keys.</summary>
    private static Dictionary<string, string?> Shared(SampleHost first) => new() { ["Sample:KeysPath"] = first.KeysPath };

    public void Dispose()
    {
        _database.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
