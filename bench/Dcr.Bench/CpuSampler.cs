using System.Diagnostics;
using System.Globalization;

namespace Dcr.Bench;

/// <summary>
/// CPU time spent during the measured window by the host (when its process id is given), by this tool, and by the whole
/// machine (Linux: /proc/stat). On a small machine the load generator and anything else running compete with the host,
/// so requests/s alone says little; host CPU time per request is the figure that survives that.
/// </summary>
internal sealed class CpuSampler
{
    private readonly int? _hostPid;

    public CpuSampler(int? hostPid) => _hostPid = hostPid;

    public readonly record struct Snapshot(long Timestamp, TimeSpan? Host, TimeSpan Bench, (long Busy, long Total)? Machine);

    public Snapshot Take() => new(Stopwatch.GetTimestamp(), HostTime(), BenchTime(), MachineJiffies());

    public static CpuUsage? Between(Snapshot first, Snapshot last, long requests)
    {
        var wallSeconds = (double)(last.Timestamp - first.Timestamp) / Stopwatch.Frequency;
        if (wallSeconds <= 0)
        {
            return null;
        }

        double? hostSeconds = first.Host is { } h0 && last.Host is { } h1 ? (h1 - h0).TotalSeconds : null;
        var benchSeconds = (last.Bench - first.Bench).TotalSeconds;
        double? machineBusySeconds = null;
        if (first.Machine is { } m0 && last.Machine is { } m1 && m1.Total > m0.Total)
        {
            machineBusySeconds = (double)(m1.Busy - m0.Busy) / (m1.Total - m0.Total) * wallSeconds * Environment.ProcessorCount;
        }

        double? otherSeconds = machineBusySeconds is { } busy
            ? Math.Max(0, busy - benchSeconds - (hostSeconds ?? 0))
            : null;
        return new CpuUsage(
            Math.Round(wallSeconds, 3),
            Environment.ProcessorCount,
            Round(hostSeconds),
            hostSeconds is { } hs && requests > 0 ? Math.Round(hs * 1000 / requests, 3) : null,
            Math.Round(benchSeconds, 3),
            Round(machineBusySeconds),
            Round(otherSeconds));
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;

    private TimeSpan? HostTime()
    {
        if (_hostPid is not { } pid)
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or NotSupportedException
            or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static TimeSpan BenchTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>The first line of /proc/stat: busy and total jiffies of all CPUs, or null off Linux.</summary>
    private static (long Busy, long Total)? MachineJiffies()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/stat"))
            {
                return null;
            }

            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(static f => long.Parse(f, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();

            // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user and nice.
            var total = fields.Take(8).Sum();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            return (total - idle, total);
        }
        catch (Exception exception) when (exception is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>CPU seconds spent during the measured window.</summary>
internal sealed record CpuUsage(
    double WallSeconds,
    int ProcessorCount,
    double? HostCpuSeconds,
    double? HostCpuMsPerRequest,
    double BenchCpuSeconds,
    double? MachineBusyCpuSeconds,
    double? OtherProcessesCpuSeconds);
