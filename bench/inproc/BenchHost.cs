using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.Bench.InProcess;

/// <summary>
/// The sample host in this process (no sockets), on a fresh SQLite file and key file of its own in a temporary folder,
/// with the rate limit off and logging at Warning, as bench/run.sh starts it apart from those two.
/// </summary>
internal sealed class BenchHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public BenchHost(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
        Folder = Path.Combine(Path.GetTempPath(), "dcr-bench-inproc", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        DatabasePath = Path.Combine(Folder, "dcr.db");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Dcr"] = $"Data Source={DatabasePath}",
            ["Sample:KeysPath"] = Path.Combine(Folder, "keys.json"),
            ["Sample:RateLimit:PermitsPerMinute"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            ["Logging:LogLevel:OpenIddict"] = "Warning",
        };

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The temporary folder of the database and the keys, removed on disposal.</summary>
    public string Folder { get; }

    /// <summary>The SQLite file the host runs on.</summary>
    public string DatabasePath { get; }

    /// <summary>A connection string to the host's database for the seeding, outside the host.</summary>
    public string ConnectionString => $"Data Source={DatabasePath}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }

    /// <summary>A client over the in-memory server that follows no redirects and keeps no cookies.</summary>
    public HttpClient CreateBenchClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open a moment longer: the temporary folder is the OS's to clean.
            }
        }
    }
}
