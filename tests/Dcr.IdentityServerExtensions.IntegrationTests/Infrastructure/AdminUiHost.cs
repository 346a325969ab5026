using Dcr.IdentityServerExtensions.Administration;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The sample host on a real 127.0.0.1 socket with its administrator sign-in on (<c>Sample:AdminUser</c>,
/// <c>Sample:AdminPassword</c>), for a browser.
/// </summary>
public sealed class AdminUiHost : IAsyncDisposable
{
    public const string AdminUser = "operator";
    public const string AdminPassword = "correct horse battery staple";
    public const string UiPath = "/admin/dcr/ui";
    public const string LoginPath = "/admin/dcr/login";

    private AdminUiHost(SampleHost host, FakeClientAdministration? administration)
    {
        Host = host;
        Administration = administration;
    }

    public SampleHost Host { get; }

    /// <summary>The test double behind the pages, or null when the pages run on the product's own service.</summary>
    public FakeClientAdministration? Administration { get; }

    public Uri BaseAddress => Host.ClientOptions.BaseAddress;

    /// <summary>
    /// Starts the sample. With <paramref name="administration"/> the pages read and delete through that test double
    /// (registered last, it replaces the product's); without, through the product's own <see cref="IClientAdministration"/>.
    /// </summary>
    public static AdminUiHost Start(FakeClientAdministration? administration = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            // Any free port, given as the command line gives it (see McpServerHost.Start for why not UseKestrel(0)).
            ["urls"] = "http://127.0.0.1:0",
            ["Sample:AdminUser"] = AdminUser,
            ["Sample:AdminPassword"] = AdminPassword,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = new SampleHost(all, administration is null
            ? null
            : services => services.AddSingleton<IClientAdministration>(administration));
        try
        {
            host.UseKestrel();
            host.StartServer();
            return new AdminUiHost(host, administration);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
