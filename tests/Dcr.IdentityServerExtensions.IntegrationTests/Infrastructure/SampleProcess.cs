using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// The sample host as a real process on a real socket (Kestrel on 127.0.0.1), started the way a user starts it, with
/// arguments on the command line and a database of its own on the provider of this test run (see <see cref="TestDatabase"/>).
/// </summary>
public sealed class SampleProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process _process;
    private readonly TestDatabase? _database;

    private SampleProcess(Process process, Uri baseAddress, string directory, TestDatabase? database)
    {
        _process = process;
        BaseAddress = baseAddress;
        Directory = directory;
        _database = database;
    }

    public Uri BaseAddress { get; }

    public string Directory { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<SampleProcess> StartAsync(params string[] extraArguments) =>
        StartAsync(useTestDatabase: true, contentRoot: null, extraArguments);

    /// <summary>Starts the sample and waits until it answers.</summary>
    /// <param name="useTestDatabase">
    /// Gives the sample a fresh database of this test run on the command line; without it the sample chooses its
    /// database from its configuration alone, as <c>dotnet run</c> does.
    /// </param>
    /// <param name="contentRoot">The content root (where appsettings.json and App_Data are); by default the sample's build output.</param>
    /// <param name="extraArguments">More command-line arguments.</param>
    public static async Task<SampleProcess> StartAsync(bool useTestDatabase, string? contentRoot, params string[] extraArguments)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var database = useTestDatabase ? TestDatabase.Create(directory) : null;
        var port = FreePort();
        var sampleDirectory = contentRoot ?? Path.GetDirectoryName(SampleAssemblyPath())!;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
        {
            SampleAssemblyPath(),
            "--urls", $"http://127.0.0.1:{port}",
            "--contentRoot", sampleDirectory,
            $"--Sample:KeysPath={Path.Combine(directory, "keys.json")}",
        }.Concat(database?.Settings.Select(setting => $"--{setting.Key}={setting.Value}") ?? []).Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var sample = new SampleProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"), directory, database);
        sample.CaptureOutput();
        try
        {
            await sample.WaitUntilReadyAsync();
        }
        catch
        {
            await sample.DisposeAsync();
            throw;
        }

        return sample;
    }

    /// <summary>
    /// Kills the process outright (SIGKILL: no shutdown, no flush, as a crash or an out-of-memory kill would end it), then
    /// starts it again with the same command line, database, keys and port, and waits until it answers.
    /// </summary>
    public async Task KillAndRestartAsync()
    {
        var start = _process.StartInfo;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = Process.Start(start)!;
        CaptureOutput();
        await WaitUntilReadyAsync();
    }

    private void CaptureOutput()
    {
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The sample's entry assembly, built beside this test project in the same configuration.</summary>
    public static string SampleAssemblyPath()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(RepositoryRoot(), "samples", "HostSample", "bin", configuration, "net10.0", "HostSample.dll");
        File.Exists(path).Should().BeTrue($"the sample host is built at {path}");
        return path;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dcr.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Dcr.sln not found above " + AppContext.BaseDirectory);
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the rest of its output
                throw new InvalidOperationException($"The sample host exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/.well-known/openid-configuration");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The sample host did not answer within 60 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _database?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
