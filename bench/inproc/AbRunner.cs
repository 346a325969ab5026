using System.Diagnostics;

namespace Dcr.Bench.InProcess;

/// <summary>One side of an A/B comparison: a name and one measured operation (a request, or a flow of two).</summary>
internal sealed class Variant(string name, Func<Task> operation)
{
    public string Name { get; } = name;

    public Func<Task> Operation { get; } = operation;

    /// <summary>Wall time per operation of each measured batch, in microseconds.</summary>
    public List<double> BatchMeans { get; } = [];

    public TimeSpan Cpu { get; set; }

    public long Operations { get; set; }
}

/// <summary>The figures of one variant.</summary>
internal sealed record VariantResult(string Name, int Batches, int BatchSize, double MinBatchMeanMicroseconds,
    double MedianBatchMeanMicroseconds, double CpuPerOperationMicroseconds);

/// <summary>An A/B run: both variants, B/A of each figure, and how the warm-up went.</summary>
internal sealed record AbResult(string Unit, VariantResult A, VariantResult B, double MinRatio, double MedianRatio, double CpuRatio,
    int WarmupOperationsPerVariant, double WarmupSeconds, double MeasuredSeconds, double? OtherProcessesShare);

/// <summary>
/// The method of bench/README.md ("How this was measured on a shared machine"): sequential operations, one at a time,
/// after a warm-up long enough for tiered JIT; then batches alternating A and B (ABBA order, so neither always runs
/// first). The fastest batch is the one nothing else interrupted; the median shows the typical batch; process CPU per
/// operation does not depend on how long the machine made the process wait (it includes the in-process client).
/// </summary>
internal static class AbRunner
{
    // requestsPerOperation: the HTTP requests of one operation, as --warmup counts requests.
    public static async Task<AbResult> RunAsync(Variant a, Variant b, BenchOptions options, string unit, int requestsPerOperation = 1)
    {
        var warmupTarget = options.Warmup ?? 3000;
        var warmupTime = TimeSpan.FromSeconds(options.WarmupSeconds ?? 15);
        var warmup = Stopwatch.StartNew();
        var warmed = 0;
        while (warmed * requestsPerOperation < warmupTarget || warmup.Elapsed < warmupTime)
        {
            foreach (var variant in new[] { a, b })
            {
                for (var i = 0; i < options.BatchSize; i++)
                {
                    await variant.Operation();
                }
            }

            warmed += options.BatchSize;
        }

        warmup.Stop();
        Console.WriteLine($"warm-up: {warmed} {unit}s{(requestsPerOperation == 1 ? string.Empty : $" ({warmed * requestsPerOperation} requests)")} per variant in {warmup.Elapsed.TotalSeconds:F1} s");

        var process = Process.GetCurrentProcess();
        var window = MeasuredWindow.Start();
        for (var batch = 0; batch < options.Batches; batch++)
        {
            var order = batch % 2 == 0 ? new[] { a, b } : [b, a];
            foreach (var variant in order)
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < options.BatchSize; i++)
                {
                    await variant.Operation();
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                process.Refresh();
                variant.Cpu += process.TotalProcessorTime - cpuBefore;
                variant.Operations += options.BatchSize;
                variant.BatchMeans.Add(elapsed.TotalMicroseconds / options.BatchSize);
            }
        }

        var (measured, others) = window.Stop();
        var resultA = Summarize(a, options);
        var resultB = Summarize(b, options);
        return new AbResult(unit, resultA, resultB,
            resultB.MinBatchMeanMicroseconds / resultA.MinBatchMeanMicroseconds,
            resultB.MedianBatchMeanMicroseconds / resultA.MedianBatchMeanMicroseconds,
            resultB.CpuPerOperationMicroseconds / resultA.CpuPerOperationMicroseconds,
            warmed, warmup.Elapsed.TotalSeconds, measured.TotalSeconds, others);
    }

    private static VariantResult Summarize(Variant variant, BenchOptions options)
    {
        var sorted = variant.BatchMeans.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new VariantResult(variant.Name, sorted.Length, options.BatchSize, sorted[0], median,
            variant.Cpu.TotalMicroseconds / variant.Operations);
    }

    /// <summary>The markdown table of an A/B run.</summary>
    public static string Table(AbResult result) =>
        $"""
        | Variant | Batches × {result.Unit}s | Min batch mean (µs per {result.Unit}) | Median batch mean (µs) | Process CPU per {result.Unit} (µs) |
        |---|---:|---:|---:|---:|
        | A: {result.A.Name} | {result.A.Batches} × {result.A.BatchSize} | {result.A.MinBatchMeanMicroseconds:F0} | {result.A.MedianBatchMeanMicroseconds:F0} | {result.A.CpuPerOperationMicroseconds:F0} |
        | B: {result.B.Name} | {result.B.Batches} × {result.B.BatchSize} | {result.B.MinBatchMeanMicroseconds:F0} | {result.B.MedianBatchMeanMicroseconds:F0} | {result.B.CpuPerOperationMicroseconds:F0} |
        | **B/A** | | **{result.MinRatio:F3}** | **{result.MedianRatio:F3}** | **{result.CpuRatio:F3}** |

        Measured {result.MeasuredSeconds:F0} s after a warm-up of {result.WarmupOperationsPerVariant} {result.Unit}s per variant ({result.WarmupSeconds:F0} s); other processes used {RunEnvironment.DescribeShare(result.OtherProcessesShare)} of the {Environment.ProcessorCount} CPUs while it measured.
        """;
}
