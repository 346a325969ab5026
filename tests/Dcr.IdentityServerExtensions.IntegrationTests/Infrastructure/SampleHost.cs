using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The sample host over the real HTTP pipeline and a real database of its own (a SQLite file in a temporary folder,
/// or a fresh PostgreSQL database when the suite runs against PostgreSQL), with settings given as the command line
/// would give them, and a clock the test moves.
/// </summary>
public sealed class SampleHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDatabase;

    private readonly Action<IServiceCollection>? _configureServices;

    /// <summary>A sample host, started on first use.</summary>
    /// <param name="settings">Configuration, as the command line gives it; it wins over everything else.</param>
    /// <param name="configureServices">Test services (interceptors, fakes) added after the sample's own.</param>
    /// <param name="database">
    /// A database shared with other hosts, which the caller disposes; by default the host gets a fresh database of its
    /// own on the provider of this test run (see <see cref="TestDatabase"/>) and drops it when disposed.
    /// </param>
    public SampleHost(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null,
        TestDatabase? database = null)
    {
        _configureServices = configureServices;
        Directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        _ownsDatabase = database is null;
        Database = database ?? TestDatabase.Create(Directory);
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Sample:KeysPath"] = Path.Combine(Directory, "keys.json"),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        foreach (var (key, value) in Database.Settings)
        {
            _settings[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The folder holding this host's database file and keys.</summary>
    public string Directory { get; }

    /// <summary>The database this host runs on.</summary>
    public TestDatabase Database { get; }

    /// <summary>The file of this host's signing and encryption keys, for another instance that shares them.</summary>
    public string KeysPath => _settings["Sample:KeysPath"]!;

    /// <summary>The clock of the product, starting now.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The database settings of this host, for a second instance over the same database.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            _configureServices?.Invoke(services);
        });
    }

    /// <summary>A client with a base address and no automatic redirects, over the in-memory server.</summary>
    public DcrTestClient CreateDcrClient() =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            if (_ownsDatabase)
            {
                Database.Dispose();
            }

            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A SQLite file may stay open in the pool a moment longer; the temporary folder is cleaned by the OS.
            }
        }
    }
}
