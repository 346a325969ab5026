using HostSample;
using Npgsql;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The database one test host runs on, on the provider the environment asks for:
/// <list type="bullet">
/// <item><c>DCR_TEST_DATABASE</c> unset or <c>Sqlite</c>: a SQLite file in the host's temporary folder;</item>
/// <item><c>DCR_TEST_DATABASE=PostgreSql</c>: a fresh database <c>dcr_test_{guid}</c> created through the administrative
/// connection string in <c>DCR_TEST_POSTGRES</c> (a role that may create databases), dropped on <see cref="Dispose"/>.</item>
/// </list>
/// The schema is not created here: the sample applies its migrations at start-up, as it does in production.
/// A PostgreSQL run that cannot reach its server fails every test; it never falls back to SQLite or skips.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public const string ProviderVariable = "DCR_TEST_DATABASE";
    public const string PostgresVariable = "DCR_TEST_POSTGRES";

    private readonly string? _postgresDatabase;
    private readonly string? _postgresAdmin;
    private int _disposed;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? postgresDatabase = null, string? postgresAdmin = null)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresDatabase = postgresDatabase;
        _postgresAdmin = postgresAdmin;
        Settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:Dcr"] = connectionString,
        };
    }

    /// <summary>The provider this test run uses, from <c>DCR_TEST_DATABASE</c>.</summary>
    public static DatabaseProvider RunProvider { get; } = ReadRunProvider();

    public DatabaseProvider Provider { get; }

    /// <summary>The connection string the sample host is given (<c>ConnectionStrings:Dcr</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>Configuration keys that point the sample host at this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The administrative connection string of a PostgreSQL run.</summary>
    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ProviderVariable}=PostgreSql needs {PostgresVariable}, the connection string of a role that may create databases, " +
                "for example 'Host=127.0.0.1;Port=5432;Username=dcr_test;Password=dcr_test;Database=postgres'.");

    public static TestDatabase Create(string directory) => RunProvider switch
    {
        DatabaseProvider.Sqlite => new TestDatabase(DatabaseProvider.Sqlite,
            $"Data Source={Path.Combine(directory, "dcr.db")};Pooling=False"),
        DatabaseProvider.PostgreSql => CreatePostgreSql(PostgresAdminConnectionString),
        _ => throw new InvalidOperationException($"{ProviderVariable}={RunProvider} cannot run here: use Sqlite or PostgreSql."),
    };

    private static DatabaseProvider ReadRunProvider()
    {
        var value = Environment.GetEnvironmentVariable(ProviderVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        return Enum.GetValues<DatabaseProvider>().Where(provider => provider.ToString().Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
            .Cast<DatabaseProvider?>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{ProviderVariable}='{value}' is not one of Sqlite, PostgreSql.");
    }

    /// <summary>A fresh PostgreSQL database, created through the given administrative connection string.</summary>
    public static TestDatabase CreatePostgreSql(string adminConnectionString)
    {
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString);
        var name = "dcr_test_" + Guid.NewGuid().ToString("N");
        try
        {
            using var connection = new NpgsqlConnection(admin.ConnectionString);
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{ProviderVariable}=PostgreSql, but PostgreSQL at {admin.Host}:{admin.Port} as '{admin.Username}' cannot create a test database: " +
                exception.Message, exception);
        }

        var database = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name };
        return new TestDatabase(DatabaseProvider.PostgreSql, database.ConnectionString, name, admin.ConnectionString);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || _postgresDatabase is null)
        {
            return;
        }

        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        // A plain DROP waits up to 5 s for the pool's closed connections to go and stops autovacuum on the database;
        // FORCE also ends sessions still open (it needs pg_signal_backend to end autovacuum, hence the plain one first).
        using var connection = new NpgsqlConnection(_postgresAdmin);
        connection.Open();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var force = attempt % 2 == 0 ? " WITH (FORCE)" : string.Empty;
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\"{force}", connection);
                drop.ExecuteNonQuery();
                return;
            }
            catch (PostgresException exception) when (exception.SqlState is "55006" or "42501" && attempt < 6)
            {
                Thread.Sleep(200 * attempt);
            }
        }
    }
}
