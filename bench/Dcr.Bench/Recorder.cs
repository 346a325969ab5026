using System.Diagnostics;
using System.Globalization;

namespace Dcr.Bench;

/// <summary>What one worker measured for one operation. Owned by a single worker: no locking.</summary>
internal sealed class OperationRecorder
{
    private readonly List<long> _ticks = new(4096);

    public int ExpectedStatus { get; init; }

    public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<long> Ticks => _ticks;

    public void Record(long elapsedTicks, string outcome)
    {
        _ticks.Add(elapsedTicks);
        Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;
    }

    /// <summary>The key an outcome is counted under: the HTTP status, or what went wrong before one arrived.</summary>
    public static string OutcomeOf(int status) => status switch
    {
        -2 => "bad_response",
        DcrApi.UnexpectedRotation => "unexpected_rotation",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };

    public static string OutcomeOf(Exception exception) => exception switch
    {
        TaskCanceledException { InnerException: TimeoutException } => "timeout",
        HttpRequestException { HttpRequestError: var error } => "http_" + error.ToString().ToLowerInvariant(),
        _ => "exception_" + exception.GetType().Name,
    };
}

/// <summary>Latency statistics in milliseconds over one set of samples.</summary>
internal sealed record LatencySummary(double Min, double Mean, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static LatencySummary From(long[] sortedTicks)
    {
        if (sortedTicks.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }

        double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);

        // Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it.
        double Percentile(double p) => Ms(sortedTicks[Math.Clamp((int)Math.Ceiling(p / 100.0 * sortedTicks.Length) - 1, 0, sortedTicks.Length - 1)]);

        var mean = sortedTicks.Average(static t => (double)t) * 1000.0 / Stopwatch.Frequency;
        return new LatencySummary(
            Ms(sortedTicks[0]), Math.Round(mean, 3),
            Percentile(50), Percentile(90), Percentile(95), Percentile(99), Percentile(99.9),
            Ms(sortedTicks[^1]));
    }
}

/// <summary>One operation's totals across all workers.</summary>
internal sealed record OperationResult(
    string Name,
    int ExpectedStatus,
    long Requests,
    long Successes,
    long Errors,
    double RequestsPerSecond,
    LatencySummary LatencyMs,
    IReadOnlyDictionary<string, long> StatusCounts,
    IReadOnlyDictionary<string, long> ErrorsByStatus)
{
    /// <summary>
    /// Merges the recorders of one operation (or, for the total, of all operations). Each recorder judges success by its
    /// own expected status, so the total of a mixed run counts a 201 from a registration and a 200 from a read alike.
    /// </summary>
    public static OperationResult Merge(string name, IReadOnlyList<OperationRecorder> recorders, double elapsedSeconds)
    {
        var expectedStatuses = recorders.Select(static r => r.ExpectedStatus).Distinct().ToList();
        var ticks = recorders.SelectMany(static r => r.Ticks).ToArray();
        Array.Sort(ticks);

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long successes = 0;
        foreach (var recorder in recorders)
        {
            var expectedKey = recorder.ExpectedStatus.ToString(CultureInfo.InvariantCulture);
            foreach (var (outcome, count) in recorder.Outcomes)
            {
                counts[outcome] = counts.GetValueOrDefault(outcome) + count;
                if (outcome == expectedKey)
                {
                    successes += count;
                }
                else
                {
                    errors[outcome] = errors.GetValueOrDefault(outcome) + count;
                }
            }
        }

        return new OperationResult(
            name, expectedStatuses.Count == 1 ? expectedStatuses[0] : 0, ticks.Length, successes, ticks.Length - successes,
            elapsedSeconds > 0 ? Math.Round(ticks.Length / elapsedSeconds, 1) : 0,
            LatencySummary.From(ticks), counts, errors);
    }
}
