using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostSample;

/// <summary>The database engines the sample runs on, chosen with <c>Database:Provider</c>.</summary>
public enum DatabaseProvider
{
    /// <summary>A SQLite file, created on first run (the default).</summary>
    Sqlite,

    /// <summary>PostgreSQL, through Npgsql.</summary>
    PostgreSql,

    /// <summary>Microsoft SQL Server.</summary>
    SqlServer,
}

/// <summary>Chooses the database provider, applies the migrations and seeds the administrative client.</summary>
internal static class SampleDatabase
{
    public const string ProviderKey = "Database:Provider";
    public const string MigrateKey = "Database:Migrate";
    public const string ConnectionStringName = "Dcr";

    // Any fixed number: the PostgreSQL advisory lock the sample's instances take while migrating.
    private const string MigrationLockKey = "7317001";

    private static readonly string ValidProviders = string.Join(", ", Enum.GetNames<DatabaseProvider>());

    /// <summary>
    /// Registers <see cref="SampleDbContext"/> as the provider's own context type, pooled. Interceptors registered in
    /// the container (<see cref="IInterceptor"/>, singletons) are added to every context.
    /// </summary>
    /// <remarks>
    /// Pooled because every request of the registration and token endpoints uses a context, and building one (its
    /// options, its scoped EF Core services, its loggers) was a measurable share of a request's CPU (bench/README.md).
    /// A pooled context keeps what its constructor set (<see cref="AutoTransactionBehavior.Always"/>), which
    /// StoreFailureTests check through contexts taken back from the pool.
    /// </remarks>
    public static void AddSampleDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var provider = ReadProvider(configuration);
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = $"Data Source={Path.Combine(contentRoot, "App_Data", "dcr-sample.db")}";
        }
        else if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"{ProviderKey} is {provider}, which needs a connection string: set ConnectionStrings:{ConnectionStringName} " +
                $"(for example \"--ConnectionStrings:{ConnectionStringName}={PlaceholderConnectionString(provider)}\").");
        }

        void Configure(IServiceProvider services, DbContextOptionsBuilder options)
        {
            UseProvider(options, provider, connectionString);
            options.UseOpenIddict();
            options.AddInterceptors(services.GetServices<IInterceptor>());
        }

        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                services.AddSingleton<IInterceptor, SqliteWriteGate>();
                if (SqliteApplicationVersions.Applies(connectionString!))
                {
                    // Created by the container, which disposes it (and closes its connections) with the host.
                    services.AddSingleton(_ => new SqliteApplicationVersions(connectionString!));
                }

                services.AddDbContextPool<SampleDbContext, SqliteSampleDbContext>(Configure);
                break;
            case DatabaseProvider.PostgreSql:
                services.AddDbContextPool<SampleDbContext, PostgreSqlSampleDbContext>(Configure);
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContextPool<SampleDbContext, SqlServerSampleDbContext>(Configure);
                break;
        }
    }

    /// <summary>Reads <c>Database:Provider</c>: <c>Sqlite</c> when absent, a start-up error naming the valid values when unknown.</summary>
    public static DatabaseProvider ReadProvider(IConfiguration configuration)
    {
        var value = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        // By name only: Enum.TryParse would also take "1".
        return Enum.GetValues<DatabaseProvider>().Where(provider => provider.ToString().Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
            .Cast<DatabaseProvider?>().FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"{ProviderKey} '{value}' is not supported. Valid values: {ValidProviders} (the default is Sqlite).");
    }

    public static void UseProvider(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(connectionString);
                break;
            case DatabaseProvider.PostgreSql:
                // No retrying execution strategy: it would refuse the transaction OpenIddict opens to delete a client
                // with its tokens. A failed write answers 503 and the client retries.
                options.UseNpgsql(connectionString);
                break;
            case DatabaseProvider.SqlServer:
                options.UseSqlServer(connectionString);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }
    }

    /// <summary>The example connection string of a provider, used in messages and by <c>dotnet ef</c> when none is given.</summary>
    public static string PlaceholderConnectionString(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "Data Source=App_Data/dcr-sample.db",
        DatabaseProvider.PostgreSql => "Host=127.0.0.1;Database=dcr;Username=dcr;Password=...",
        DatabaseProvider.SqlServer => "Server=127.0.0.1;Database=dcr;User Id=dcr;Password=...;TrustServerCertificate=True",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    /// <summary>
    /// Applies the pending migrations when <c>Database:Migrate</c> is true (the default), or checks that there are none
    /// otherwise; then seeds the administrative client.
    /// </summary>
    public static async Task InitializeAsync(IServiceProvider services, IConfiguration configuration, SampleOptions sample)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        if (context.Database.IsSqlite() && context.Database.GetDbConnection().DataSource is { Length: > 0 } dataSource)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dataSource))!);
        }

        if (configuration.GetValue(MigrateKey, defaultValue: true))
        {
            // EF Core takes a database lock while migrating, so several instances may start at once. On PostgreSQL that
            // lock is held per migration, not across all pending ones: an instance that read the pending list while
            // another applied the first would apply the second twice ('relation already exists'). A session advisory
            // lock around the whole run makes the second instance wait, then find nothing pending.
            if (context.Database.IsNpgsql())
            {
                await context.Database.OpenConnectionAsync();
                try
                {
                    await context.Database.ExecuteSqlRawAsync("SELECT pg_advisory_lock(" + MigrationLockKey + ")");
                    await context.Database.MigrateAsync();
                }
                finally
                {
                    await context.Database.ExecuteSqlRawAsync("SELECT pg_advisory_unlock(" + MigrationLockKey + ")");
                    await context.Database.CloseConnectionAsync();
                }
            }
            else
            {
                await context.Database.MigrateAsync();
            }
        }
        else
        {
            var pending = (await context.Database.GetPendingMigrationsAsync()).ToList();
            if (pending.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The database lacks the migrations {string.Join(", ", pending)} and {MigrateKey} is false: apply the SQL " +
                    "script from 'dotnet ef migrations script' (see the README, Databases) or start with Database:Migrate=true.");
            }
        }

        await SeedAdministratorAsync(scope.ServiceProvider, sample);
    }

    private static async Task SeedAdministratorAsync(IServiceProvider services, SampleOptions sample)
    {
        var manager = services.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = sample.AdminClientId,
            ClientSecret = sample.AdminClientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Dynamic client registration administrator (sample)",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + "dcr",
                Permissions.Prefixes.Scope + "dcr:admin",
            },
        };

        var existing = await manager.FindByClientIdAsync(sample.AdminClientId);
        if (existing is null)
        {
            try
            {
                await manager.CreateAsync(descriptor);
            }
            catch (Exception exception) when (exception is DbUpdateException or OpenIddictExceptions.ValidationException)
            {
                // Another instance over the same database may have seeded it at the same moment: OpenIddict's check or
                // the unique index on ClientId refused this one.
                if (!await ExistsInFreshScopeAsync(services, sample.AdminClientId))
                {
                    throw;
                }
            }
        }
        else if (!await manager.ValidateClientSecretAsync(existing, sample.AdminClientSecret)
            || !await manager.HasPermissionAsync(existing, Permissions.Prefixes.Scope + "dcr:admin"))
        {
            // A changed secret, or a database seeded before the admin API existed.
            await manager.UpdateAsync(existing, descriptor);
        }
    }

    private static async Task<bool> ExistsInFreshScopeAsync(IServiceProvider services, string clientId)
    {
        // The failed insert is still tracked by this scope's context: read through a fresh one.
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync(clientId) is not null;
    }
}
