using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The sample's database: the provider chosen by <c>Database:Provider</c>, the schema from each provider's EF Core
/// migrations applied at start-up (<c>Database:Migrate</c>), and the SQL Server script that cannot be run here.
/// </summary>
public sealed partial class DatabaseTests
{
    [Fact]
    public async Task the_suite_runs_on_the_database_the_environment_asks_for()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        await client.RegisterAsync("""{"grant_types":["client_credentials"]}""");

        await using var scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();

        host.Database.Provider.Should().Be(TestDatabase.RunProvider);
        (context.Database.ProviderName, context.GetType()).Should().Be(TestDatabase.RunProvider switch
        {
            DatabaseProvider.PostgreSql => ("Npgsql.EntityFrameworkCore.PostgreSQL", typeof(PostgreSqlSampleDbContext)),
            _ => ("Microsoft.EntityFrameworkCore.Sqlite", typeof(SqliteSampleDbContext)),
        });
        context.Database.GetConnectionString().Should().Be(host.Database.ConnectionString);
    }

    [Fact]
    public void a_postgresql_run_whose_server_cannot_be_reached_fails_instead_of_skipping()
    {
        // What every test of a PostgreSQL run (DCR_TEST_DATABASE=PostgreSql) does first when the server is down.
        var create = () => TestDatabase.CreatePostgreSql("Host=127.0.0.1;Port=1;Username=nobody;Password=x;Timeout=2");

        create.Should().Throw<InvalidOperationException>()
            .WithMessage("DCR_TEST_DATABASE=PostgreSql, but PostgreSQL at 127.0.0.1:1 as 'nobody' cannot create a test database*");
    }

    [Theory]
    [InlineData("Oracle")]
    [InlineData("Postgres")]
    [InlineData("1")]
    public void an_unknown_provider_stops_the_host_with_a_message_naming_the_valid_values(string provider)
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Database:Provider"] = provider });

        var start = () => host.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .WithMessage($"Database:Provider '{provider}' is not supported. Valid values: Sqlite, PostgreSql, SqlServer*");
    }

    [Theory]
    [InlineData("PostgreSql")]
    [InlineData("SqlServer")]
    public void a_server_provider_without_a_connection_string_stops_the_host_with_an_example(string provider)
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Dcr"] = null,
        });

        var start = () => host.CreateClient();

        start.Should().Throw<InvalidOperationException>().WithMessage("*ConnectionStrings:Dcr*--ConnectionStrings:Dcr=*");
    }

    [Fact]
    public async Task the_provider_names_are_not_case_sensitive()
    {
        var name = TestDatabase.RunProvider.ToString();
        using var host = new SampleHost(new Dictionary<string, string?> { ["Database:Provider"] = name.ToLowerInvariant() });
        using var client = host.CreateDcrClient();

        (await client.RegisterAsync("""{"grant_types":["client_credentials"]}""")).ClientId.Should().NotBeEmpty();
    }

    [Fact]
    public async Task by_default_the_sample_creates_its_sqlite_file_under_app_data_on_first_run()
    {
        // As 'dotnet run' starts it: no database settings, the sample's own appsettings.json in its content root.
        var contentRoot = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(contentRoot);
        File.Copy(Path.Combine(SampleProcess.RepositoryRoot(), "samples", "HostSample", "appsettings.json"), Path.Combine(contentRoot, "appsettings.json"));
        var file = Path.Combine(contentRoot, "App_Data", "dcr-sample.db");
        try
        {
            File.Exists(file).Should().BeFalse();
            await using (var sample = await SampleProcess.StartAsync(useTestDatabase: false, contentRoot))
            {
                using var http = new DcrTestClient(new HttpClient { BaseAddress = sample.BaseAddress });
                await http.RegisterAsync("""{"grant_types":["client_credentials"]}""");
            }

            File.Exists(file).Should().BeTrue();
            await using var restarted = await SampleProcess.StartAsync(useTestDatabase: false, contentRoot);
            (await new DcrTestClient(new HttpClient { BaseAddress = restarted.BaseAddress }).InitialAccessTokenAsync()).Should().NotBeEmpty();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    [Fact]
    public async Task the_schema_is_the_providers_migrations_applied_at_start_up()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        await client.InitialAccessTokenAsync();

        await using var scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        var migrations = context.Database.GetMigrations().ToList();

        migrations.Should().NotBeEmpty();
        (await context.Database.GetAppliedMigrationsAsync()).Should().Equal(migrations, "EnsureCreated would leave no migration history");
        (await context.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task with_migrate_false_a_database_without_the_schema_stops_the_host_and_says_how_to_create_it()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Database:Migrate"] = "false" });

        var start = () => host.CreateClient();

        start.Should().Throw<InvalidOperationException>()
            .WithMessage("*lacks the migrations*InitialCreate*Database:Migrate is false*dotnet ef migrations script*");
        await using var context = CreateContext(host.Database.Provider, host.Database.ConnectionString);
        (await context.Database.GetAppliedMigrationsAsync()).Should().BeEmpty("the host must not have created anything");
    }

    [Fact]
    public async Task with_migrate_false_a_database_migrated_beforehand_is_used_as_it_is()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var database = TestDatabase.Create(directory);
        await using (var context = CreateContext(database.Provider, database.ConnectionString))
        {
            // What a DBA does with the script, done here through the same migrations.
            await context.Database.MigrateAsync();
        }

        using var host = new SampleHost(new Dictionary<string, string?> { ["Database:Migrate"] = "false" }, database: database);
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void every_provider_has_migrations_and_they_match_the_model(DatabaseProvider provider)
    {
        using var context = CreateContext(provider, Placeholder(provider));

        context.Database.GetMigrations().Should().NotBeEmpty();
        context.Database.HasPendingModelChanges().Should().BeFalse(
            $"the model changed without a migration: run 'dotnet ef migrations add <Name> --project samples/HostSample --context {context.GetType().Name} --output-dir Migrations/{provider}'");
        context.GetService<IMigrationsAssembly>().Migrations.Keys.Should().OnlyContain(id => !string.IsNullOrEmpty(id));
    }

    [Fact]
    public void the_sql_server_script_creates_the_openiddict_tables_and_their_indexes()
    {
        // SQL Server cannot run here: the script it would run is generated without a connection and checked.
        using var context = CreateContext(DatabaseProvider.SqlServer, Placeholder(DatabaseProvider.SqlServer));

        var script = context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        foreach (var table in new[] { "OpenIddictApplications", "OpenIddictAuthorizations", "OpenIddictScopes", "OpenIddictTokens" })
        {
            script.Should().Contain($"CREATE TABLE [{table}] (");
        }

        script.Should().Contain("CREATE UNIQUE INDEX [IX_OpenIddictApplications_ClientId] ON [OpenIddictApplications] ([ClientId])")
            .And.Contain("CREATE UNIQUE INDEX [IX_OpenIddictTokens_ReferenceId] ON [OpenIddictTokens] ([ReferenceId])")
            .And.Contain("CREATE UNIQUE INDEX [IX_OpenIddictScopes_Name] ON [OpenIddictScopes] ([Name])")
            .And.Contain("CREATE INDEX [IX_OpenIddictTokens_ApplicationId_Status_Subject_Type]")
            .And.Contain("CREATE INDEX [IX_OpenIddictAuthorizations_ApplicationId_Status_Subject_Type]")
            .And.Contain("[ConcurrencyToken] nvarchar(50) NULL")
            .And.Contain("SELECT * FROM [__EFMigrationsHistory]", "the script is idempotent: a DBA may run it again");
        ClientIdColumn().IsMatch(script).Should().BeTrue("ClientId must be a bounded nvarchar so that it can be indexed");
    }

    [Fact]
    public void the_readme_shows_each_provider_and_the_dotnet_ef_script_command_for_each_context()
    {
        var readme = File.ReadAllText(Path.Combine(SampleProcess.RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("## Databases", StringComparison.Ordinal)..readme.IndexOf("## Add it to your server", StringComparison.Ordinal)];

        section.Should().Contain("--Database:Provider=PostgreSql").And.Contain("--Database:Provider=SqlServer")
            .And.Contain("Database:Migrate").And.Contain("dotnet tool restore").And.Contain("not been exercised");
        foreach (var context in new[] { nameof(SqliteSampleDbContext), nameof(PostgreSqlSampleDbContext), nameof(SqlServerSampleDbContext) })
        {
            section.Should().Contain($"dotnet ef migrations script --project samples/HostSample --context {context}");
        }
    }

    internal static SampleDbContext CreateContext(DatabaseProvider provider, string connectionString) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteSampleDbContext(Options<SqliteSampleDbContext>(builder => builder.UseSqlite(connectionString))),
        DatabaseProvider.PostgreSql => new PostgreSqlSampleDbContext(Options<PostgreSqlSampleDbContext>(builder => builder.UseNpgsql(connectionString))),
        DatabaseProvider.SqlServer => new SqlServerSampleDbContext(Options<SqlServerSampleDbContext>(builder => builder.UseSqlServer(connectionString))),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    private static DbContextOptions<TContext> Options<TContext>(Action<DbContextOptionsBuilder<TContext>> provider)
        where TContext : DbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        provider(builder);
        builder.UseOpenIddict();
        return builder.Options;
    }

    private static string Placeholder(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "Data Source=:memory:",
        DatabaseProvider.PostgreSql => "Host=127.0.0.1;Database=placeholder",
        _ => "Server=127.0.0.1;Database=placeholder;TrustServerCertificate=True",
    };

    [GeneratedRegex(@"\[ClientId\] nvarchar\(100\) NULL")]
    private static partial Regex ClientIdColumn();
}
