using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>The sample host as a user runs it, and the README's walkthrough run verbatim against it.</summary>
public sealed partial class SampleHostProcessTests
{
    [Fact]
    public async Task the_readme_walkthrough_runs_against_the_sample_host_started_with_urls()
    {
        await using var sample = await SampleProcess.StartAsync();
        var script = Walkthrough().Replace("http://127.0.0.1:5000", sample.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal);

        var (exitCode, output) = await RunBashAsync("set -euo pipefail\n" + script, sample.Directory);

        exitCode.Should().Be(0, $"the walkthrough failed:\n{output}\nHost output:\n{sample.Output}");
        output.Should().Contain("\"registration_access_token\"").And.Contain("\"access_token\"").And.Contain("My renamed service");
        output.TrimEnd().Should().EndWith("204");
    }

    [Fact]
    public async Task the_sample_host_takes_options_from_its_command_line()
    {
        await using var sample = await SampleProcess.StartAsync("--DynamicClientRegistration:RegistrationPath=/as/clients.oauth2");
        using var http = new HttpClient { BaseAddress = sample.BaseAddress };

        var discovery = JsonDocument.Parse(await http.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        discovery.GetProperty("registration_endpoint").GetString().Should().Be($"{sample.BaseAddress.ToString().TrimEnd('/')}/as/clients.oauth2");
    }

    [Fact]
    public async Task with_telemetry_on_and_no_otlp_endpoint_the_sample_exports_traces_to_the_console()
    {
        await using var sample = await SampleProcess.StartAsync("--Sample:Telemetry:Enabled=true");
        using var http = new HttpClient { BaseAddress = sample.BaseAddress };

        var response = await WireResponse.ReadAsync(
            await http.PostAsync("/connect/register", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")));

        response.ShouldBeError(System.Net.HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!sample.Output.Contains("dcr.register", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        sample.Output.Should().Contain("Activity.DisplayName").And.Contain("dcr.register").And.Contain("Dcr.IdentityServerExtensions").And.Contain("invalid_token");
    }

    [Fact]
    public async Task telemetry_is_off_by_default()
    {
        await using var sample = await SampleProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = sample.BaseAddress };

        // The audit line of a second request is written after the first request's activity has stopped, when a
        // console exporter would have written it: waiting for that line, not for time, makes the absence meaningful.
        using var first = await http.PostAsync("/connect/register", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        using var second = await http.PostAsync("/connect/register", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        second.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (RefusalsLogged(sample.Output) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        RefusalsLogged(sample.Output).Should().Be(2, "both refusals are audited at Information on the console");
        sample.Output.Should().NotContain("Activity.DisplayName");

        static int RefusalsLogged(string output) => output.Split("Refused Register").Length - 1;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task with_a_warm_up_the_sample_first_drives_a_scratch_instance_and_its_own_database_gets_none_of_that_traffic(bool management)
    {
        // Without management, registrations answer without a registration_client_uri: the warm-up must not count that as a failure.
        await using var sample = await SampleProcess.StartAsync("--Sample:WarmUpSeconds=1", $"--DynamicClientRegistration:Management:Enabled={management}");
        using var client = new DcrTestClient(new HttpClient { BaseAddress = sample.BaseAddress });

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!WarmedUp().Success && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var report = WarmedUp();
        report.Success.Should().BeTrue($"the sample logs its warm-up before it listens:\n{sample.Output}");
        // Its first requests are registrations, behind SQLite's one writer: on a busy machine a second holds only a few.
        long.Parse(report.Groups["answered"].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(0, sample.Output);
        report.Groups["failed"].Value.Should().Be("0", sample.Output);

        // The scratch instance registered clients; the real one has none of them.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/dcr/clients");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await client.InitialAccessTokenAsync("dcr:admin"));
        var listing = await WireResponse.ReadAsync(await client.Http.SendAsync(request));
        listing.Status.Should().Be(System.Net.HttpStatusCode.OK, listing.Body);
        listing.Json.GetProperty("clients").GetArrayLength().Should().Be(0);

        Match WarmedUp() => WarmUpReport().Match(sample.Output);
    }

    [GeneratedRegex(@"Warm-up: (?<answered>[0-9]+) requests answered by a scratch instance \((?<failed>[0-9]+) failed\)")]
    private static partial Regex WarmUpReport();

    [Fact]
    public void the_sample_host_listens_on_127_0_0_1_port_5000_by_default_and_turns_management_on()
    {
        var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(SampleProcess.RepositoryRoot(), "samples", "HostSample", "appsettings.json"))).RootElement;

        settings.GetProperty("Urls").GetString().Should().Be("http://127.0.0.1:5000");
        settings.GetProperty("DynamicClientRegistration").GetProperty("Management").GetProperty("Enabled").GetBoolean().Should().BeTrue();
        File.Exists(Path.Combine(SampleProcess.RepositoryRoot(), "samples", "HostSample", "Properties", "launchSettings.json"))
            .Should().BeFalse("a launch profile would override the port of 'dotnet run'");
    }

    private static string Walkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(SampleProcess.RepositoryRoot(), "README.md"));
        var match = WalkthroughBlock().Match(readme);
        match.Success.Should().BeTrue("README.md has a walkthrough block between the walkthrough markers");
        return match.Groups["script"].Value;
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, string workingDirectory)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"<!-- walkthrough:start -->\s*```bash\n(?<script>.*?)```\s*<!-- walkthrough:end -->", RegexOptions.Singleline)]
    private static partial Regex WalkthroughBlock();
}
