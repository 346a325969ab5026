using System.Net;
using Dcr.IdentityServerExtensions.EntityFrameworkCore;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The catalog of the clients this product creates (<c>DcrClients</c>): written with the client in one transaction, and
/// completed at start-up for clients registered before it existed (a database migrated from the previous schema).
/// </summary>
public sealed class CatalogTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Catalogued"}""";

    [Fact]
    public async Task a_registration_writes_its_row_with_source_creator_token_id_and_issue_time_in_real_columns()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var registration = await client.PostRegistrationAsync(ServiceClient, token);
        var registered = RegisteredClient.From(registration.Json);

        var row = await host.CatalogRowAsync(registered.ClientId);

        row.Should().NotBeNull();
        row!.Source.Should().Be("dcr");
        row.CreatedBy.Should().Be("dcr-admin");
        row.Anonymous.Should().BeFalse();
        row.InitialAccessTokenId.Should().Be(new JsonWebToken(token).Id).And.NotBeNullOrEmpty();
        row.ClientIdIssuedAt.Should().Be(registration.Json.GetProperty("client_id_issued_at").GetInt64());
        row.LastUsedAt.Should().BeNull();
        row.ClientName.Should().Be("Catalogued");
    }

    [Fact]
    public async Task a_registration_deletes_no_catalog_row_first_its_client_id_is_new()
    {
        var commands = new NonQueries();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(commands));
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        commands.Texts.Clear();

        (await client.PostRegistrationAsync(ServiceClient, token)).Status.Should().Be(HttpStatusCode.Created);

        commands.Texts.Should().Contain(text => text.Contains("INSERT INTO \"DcrClients\"", StringComparison.Ordinal))
            .And.NotContain(text => text.Contains("DELETE FROM \"DcrClients\"", StringComparison.Ordinal),
                "a left-over row can only be a Client ID Metadata Document's, whose URL comes back; a registered client's id is drawn at random");
    }

    [Fact]
    public async Task a_client_id_metadata_documents_row_left_by_a_client_the_host_deleted_is_replaced_when_the_url_comes_back()
    {
        using var host = new SampleHost();
        const string url = "https://client.example/oauth/metadata.json";
        foreach (var name in new[] { "first", "second" })
        {
            await using var scope = host.Services.CreateAsyncScope();
            var catalog = scope.ServiceProvider.GetRequiredService<Dcr.IdentityServerExtensions.Stores.IClientCatalog>();
            await catalog.AddAsync(new Dcr.IdentityServerExtensions.Stores.ClientRecord
            {
                ClientId = url,
                Source = Dcr.IdentityServerExtensions.Stores.ClientSources.MetadataDocument,
                ClientIdIssuedAt = DateTimeOffset.FromUnixTimeSeconds(1_796_000_000),
                ClientName = name,
            }, CancellationToken.None);
        }

        (await host.CatalogRowAsync(url))!.ClientName.Should().Be("second");
    }

    private sealed class NonQueries : DbCommandInterceptor
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Texts { get; } = new();

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(System.Data.Common.DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Texts.Enqueue(command.CommandText);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(System.Data.Common.DbCommand command,
            CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Texts.Enqueue(command.CommandText);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    [Theory]
    [InlineData("INSERT INTO \"OpenIddictApplications\"")]
    [InlineData("INSERT INTO \"DcrClients\"")]
    public async Task when_either_row_cannot_be_written_neither_is(string failingInsert)
    {
        var failing = new FailingCommand(failingInsert, DatabaseFault.FailAfterTheCommandRan);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        failing.Arm();
        var response = await client.PostRegistrationAsync(ServiceClient, token);

        failing.Failures.Should().Be(1);
        response.ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");
        (await host.CatalogCountAsync()).Should().Be(0);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
            (await context.Set<global::OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().CountAsync())
                .Should().Be(1, "only the seeded administrative client is left");
        }

        var registered = await client.RegisterAsync(ServiceClient);
        (await host.CatalogRowAsync(registered.ClientId)).Should().NotBeNull();
    }

    [Fact]
    public async Task a_delete_that_fails_in_the_database_leaves_the_client_and_its_row()
    {
        var failing = new FailingCommand("DELETE FROM \"OpenIddictApplications\"", DatabaseFault.FailAfterTheCommandRan);
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(failing));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);

        failing.Arm();
        (await client.AdminAsync(HttpMethod.Delete, "/clients/" + registered.ClientId, await client.AdminTokenAsync()))
            .ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");

        (await host.HasApplicationAsync(registered.ClientId)).Should().BeTrue();
        (await host.CatalogRowAsync(registered.ClientId)).Should().NotBeNull("the row's delete was rolled back with the client's");
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
    }
}

/// <summary>
/// The completion of the catalog at start-up, over a database taken back to the schema before the catalog (the
/// migration's Down). Alone: it stops and starts hosts over one database file and changes its schema under them.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class CatalogBackfillTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Catalogued"}""";

    [Fact]
    public async Task clients_registered_before_the_catalog_existed_get_their_rows_at_start_up_with_creator_source_and_issue_time_kept()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var database = TestDatabase.Create(directory);
        try
        {
            RegisteredClient registered;
            long issuedAt;
            string keysPath;
            var registeredNames = new List<string>();
            using (var before = new SampleHost(database: database))
            {
                keysPath = before.KeysPath;
                using var client = before.CreateDcrClient();
                var response = await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync());
                registered = RegisteredClient.From(response.Json);
                issuedAt = response.Json.GetProperty("client_id_issued_at").GetInt64();
                var partner = await before.CallerTokenAsync(client, "partner+eu");
                for (var i = 0; i < 3; i++)
                {
                    registeredNames.Add(RegisteredClient.From((await client.PostRegistrationAsync(ServiceClient, partner)).Json).ClientId);
                }

                // Back to the schema before the catalog: the migration's Down drops its tables, and the clients stay.
                await using var scope = before.Services.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
                var initial = context.Database.GetMigrations().First();
                await context.GetService<IMigrator>().MigrateAsync(initial);
            }

            using var after = new SampleHost(new Dictionary<string, string?>
            {
                ["Sample:KeysPath"] = keysPath,
                ["DynamicClientRegistration:Policies:MaxClientsPerCaller"] = "3",
            }, database: database);
            using var onAfter = after.CreateDcrClient();
            // The completion runs in the background from start-up; its marker says it is done.
            for (var wait = 0; wait < 100 && !await BackfilledAsync(after); wait++)
            {
                await Task.Delay(100);
            }

            (await BackfilledAsync(after)).Should().BeTrue("the start-up completes the catalog");
            var row = await after.CatalogRowAsync(registered.ClientId);
            row.Should().NotBeNull();
            row!.CreatedBy.Should().Be("dcr-admin");
            row.Source.Should().Be("dcr");
            row.ClientIdIssuedAt.Should().Be(issuedAt);
            row.ClientName.Should().Be("Catalogued");
            row.InitialAccessTokenId.Should().BeNull("registrations from before did not keep it");
            (await after.CatalogCountAsync()).Should().Be(4);

            // The backfilled rows count: the caller that had 3 clients is at its limit.
            (await onAfter.PostRegistrationAsync(ServiceClient, await after.CallerTokenAsync(onAfter, "partner+eu")))
                .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");
            var listed = await onAfter.AdminAsync(HttpMethod.Get, "/clients?created_by=" + Uri.EscapeDataString("partner+eu"), await onAfter.AdminTokenAsync());
            listed.ClientIds().Should().BeEquivalentTo(registeredNames);
            (await onAfter.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

            // Done once: a row removed now is not put back by the next start.
            await using (var scope = after.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<DcrClient>()
                    .Where(client => client.ClientId == registered.ClientId).ExecuteDeleteAsync();
            }

            var added = await after.Services.GetRequiredService<Dcr.IdentityServerExtensions.Services.ClientCatalogBackfill>().RunAsync(default);
            added.Should().Be(0);
        }
        finally
        {
            database.Dispose();
        }
    }

    private static async Task<bool> BackfilledAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<DcrCounter>().AnyAsync(counter => counter.Key == "backfill:1");
    }
}
