namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>The database one test host runs on: a SQLite file in the host's temporary folder.</summary>
public sealed class TestDatabase : IDisposable
{
    private TestDatabase(IReadOnlyDictionary<string, string?> settings)
    {
        Settings = settings;
    }

    /// <summary>Configuration keys that point the sample host at this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public static TestDatabase Create(string directory) => new(new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Sqlite",
        ["ConnectionStrings:Dcr"] = $"Data Source={Path.Combine(directory, "dcr.db")};Pooling=False",
    });

    public void Dispose()
    {
    }
}
