// In-process measurements of the newer paths (issue #19): a cached CIMD client's authorize + token against a
// registered client's, the token request with and without last-use recording, and the admin listing at 1,000 and
// 100,000 clients. The sample host runs in this process under WebApplicationFactory (bench/README.md, "The newer
// paths (in-process)"). It prints figures; it asserts nothing.
using System.Diagnostics;
using System.Text.Json;

namespace Dcr.Bench.InProcess;

internal static class EntryPoint
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> Main(string[] args)
    {
        BenchOptions? options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(exception.Message);
            options = null;
        }

        if (options is null)
        {
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        // WebApplicationFactory finds the sample's content root through MvcTestingAppManifest.json in the current
        // directory, which is this tool's output folder under a test runner but not under 'dotnet run'.
        options = options with { Output = options.Output is null ? null : Path.GetFullPath(options.Output) };
        var environment = RunEnvironment.Read();
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        Console.WriteLine($"{options.Command}: {environment.StartedAt:yyyy-MM-dd HH:mm} UTC, commit {environment.Commit ?? "unknown"}, " +
            $"{environment.Processors} CPUs, .NET {Environment.Version}, load average at start {environment.LoadAtStart ?? "unknown"}");
        Console.WriteLine();

        object result = options.Command switch
        {
            "cimd" => await CimdBench.RunAsync(options),
            "last-use" => await LastUseBench.RunAsync(options),
            _ => await AdminListBench.RunAsync(options),
        };

        var loadAtEnd = RunEnvironment.LoadAverage();
        Console.WriteLine();
        Console.WriteLine($"load average at end {loadAtEnd ?? "unknown"}");
        if (options.Output is { } output)
        {
            var document = new Dictionary<string, object?>
            {
                ["command"] = options.Command,
                ["arguments"] = args,
                ["started_at"] = environment.StartedAt,
                ["commit"] = environment.Commit,
                ["processors"] = environment.Processors,
                ["runtime"] = Environment.Version.ToString(),
                ["load_average_at_start"] = environment.LoadAtStart,
                ["load_average_at_end"] = loadAtEnd,
                ["result"] = result,
            };
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(document, JsonOptions));
            Console.WriteLine($"written to {output}");
        }

        return 0;
    }
}

/// <summary>What the report says about where and when it ran.</summary>
internal sealed record RunEnvironment(DateTimeOffset StartedAt, string? Commit, int Processors, string? LoadAtStart)
{
    public static RunEnvironment Read() =>
        new(TimeProvider.System.GetUtcNow(), ReadCommit(), Environment.ProcessorCount, LoadAverage());

    /// <summary>The 1, 5 and 15 minute load averages (Linux), or null elsewhere.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>CPU seconds all processes used since boot (Linux, <c>/proc/stat</c>, USER_HZ = 100), or null elsewhere.</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // user nice system idle iowait irq softirq steal: all but idle and iowait are work.
            long[] ticks = [.. fields.Skip(1).Take(8).Select(field => long.Parse(field, System.Globalization.CultureInfo.InvariantCulture))];
            return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The share of all CPUs that other processes used between two readings, given this process's CPU time between
    /// them: what else the machine was doing during a measurement.
    /// </summary>
    public static double? OthersShare(double? busyBefore, double? busyAfter, TimeSpan ownCpu, TimeSpan wall) =>
        busyBefore is { } before && busyAfter is { } after && wall > TimeSpan.Zero
            ? Math.Max(0, (after - before - ownCpu.TotalSeconds) / (wall.TotalSeconds * Environment.ProcessorCount))
            : null;

    /// <summary>A share of <see cref="OthersShare"/> in words, for the reports.</summary>
    public static string DescribeShare(double? share) => share is { } value ? $"{value * 100:F0} %" : "an unknown share";

    private static string? ReadCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }

            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && commit.Length > 0 ? commit : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>A measured window: its wall time, and the share of the CPUs that other processes used during it.</summary>
internal sealed class MeasuredWindow
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly double? _busyBefore = RunEnvironment.MachineBusySeconds();
    private readonly TimeSpan _ownBefore;
    private readonly Stopwatch _watch;

    private MeasuredWindow()
    {
        _ownBefore = _process.TotalProcessorTime;
        _watch = Stopwatch.StartNew();
    }

    public static MeasuredWindow Start() => new();

    public (TimeSpan Elapsed, double? OthersShare) Stop()
    {
        _watch.Stop();
        _process.Refresh();
        return (_watch.Elapsed,
            RunEnvironment.OthersShare(_busyBefore, RunEnvironment.MachineBusySeconds(), _process.TotalProcessorTime - _ownBefore, _watch.Elapsed));
    }
}
