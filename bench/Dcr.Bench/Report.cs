using System.Globalization;
using System.Text.Json;

namespace Dcr.Bench;

internal sealed record MachineInfo(int ProcessorCount, string Os, string Runtime, string Architecture);

/// <summary>The result of one run, as printed and as written to --output.</summary>
internal sealed record BenchResult(
    string Tool,
    DateTimeOffset StartedAtUtc,
    string Scenario,
    string Url,
    int Concurrency,
    double DurationSeconds,
    double WarmupSeconds,
    long? MaxRequests,
    int SetupClients,
    MachineInfo Machine,
    double SetupSeconds,
    double ElapsedSeconds,
    long Requests,
    long Successes,
    long Errors,
    double RequestsPerSecond,
    double SuccessesPerSecond,
    LatencySummary LatencyMs,
    IReadOnlyDictionary<string, long> StatusCounts,
    IReadOnlyDictionary<string, long> ErrorsByStatus,
    IReadOnlyList<OperationResult> Operations,
    CpuUsage? Cpu,
    long ClientsReplaced,
    long CredentialRotationsFollowed,
    bool StoppedByMaxRequests,
    bool Cancelled,
    long SecretRotationsFollowed = 0,
    long RegistrationAccessTokenRotationsFollowed = 0,
    string? ExpectRotation = null,
    IReadOnlyList<long>? CompletedPerSecond = null);

internal static class Report
{
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void Print(BenchResult result, TextWriter writer)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine();
        writer.WriteLine(string.Create(c, $"Scenario     {result.Scenario}  ({result.Concurrency} workers, {result.ElapsedSeconds:0.00} s measured{(result.Cancelled ? ", cancelled" : string.Empty)}{(result.StoppedByMaxRequests ? ", stopped at --max-requests" : string.Empty)})"));
        writer.WriteLine(string.Create(c, $"Requests     {result.Requests}  ({result.Successes} ok, {result.Errors} errors)"));
        writer.WriteLine(string.Create(c, $"Throughput   {result.RequestsPerSecond:0.0} requests/s  ({result.SuccessesPerSecond:0.0} ok/s)"));
        var l = result.LatencyMs;
        writer.WriteLine(string.Create(c, $"Latency ms   p50 {l.P50:0.00}   p95 {l.P95:0.00}   p99 {l.P99:0.00}   (min {l.Min:0.00}, mean {l.Mean:0.00}, max {l.Max:0.00})"));
        writer.WriteLine($"Statuses     {Format(result.StatusCounts)}");
        writer.WriteLine($"Errors       {(result.ErrorsByStatus.Count == 0 ? "none" : Format(result.ErrorsByStatus))}");
        if (result.Cpu is { } cpu)
        {
            var host = cpu.HostCpuSeconds is { } hostSeconds
                ? string.Create(c, $"host {hostSeconds:0.0} s ({cpu.HostCpuMsPerRequest:0.00} ms/request), ")
                : "host n/a (give --host-pid), ";
            var others = cpu.OtherProcessesCpuSeconds is { } otherSeconds
                ? string.Create(c, $", other processes {otherSeconds:0.0} s")
                : string.Empty;
            writer.WriteLine(string.Create(c,
                $"CPU          {host}bench {cpu.BenchCpuSeconds:0.0} s{others}  (of {cpu.WallSeconds * cpu.ProcessorCount:0.0} CPU-s available on {cpu.ProcessorCount} CPUs)"));
        }

        if (result.CredentialRotationsFollowed > 0 || result.ClientsReplaced > 0)
        {
            writer.WriteLine(string.Create(c, $"Rotations    {result.CredentialRotationsFollowed} rotated credentials followed (warm-up included: {result.SecretRotationsFollowed} client secrets, {result.RegistrationAccessTokenRotationsFollowed} registration access tokens), {result.ClientsReplaced} clients replaced after a failure"));
        }

        if (result.ExpectRotation is { } expected)
        {
            writer.WriteLine($"Expected     every successful GET and PUT rotates: {expected}");
        }

        if (result.CompletedPerSecond is { Count: > 0 } perSecond)
        {
            writer.WriteLine($"Per second   {string.Join(" ", perSecond)}");
        }

        if (result.Operations.Count > 1)
        {
            writer.WriteLine();
            writer.WriteLine("Operation       requests   req/s      p50 ms   p95 ms   p99 ms   errors");
            foreach (var o in result.Operations)
            {
                writer.WriteLine(string.Create(c,
                    $"{o.Name,-14} {o.Requests,9} {o.RequestsPerSecond,8:0.0} {o.LatencyMs.P50,9:0.00} {o.LatencyMs.P95,8:0.00} {o.LatencyMs.P99,8:0.00}   {(o.ErrorsByStatus.Count == 0 ? "none" : Format(o.ErrorsByStatus))}"));
            }
        }
    }

    private static string Format(IReadOnlyDictionary<string, long> counts) =>
        string.Join(", ", counts.Select(static pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key}: {pair.Value}")));
}
