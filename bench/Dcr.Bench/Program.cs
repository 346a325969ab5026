using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Dcr.Bench;

// `report`: the markdown summary of a bench/run.sh results directory, instead of a load run.
if (args is ["report", .. var reportArgs])
{
    return await ResultsReport.RunAsync(reportArgs);
}

// `warmup-report`: the warm-up table of a bench/warmup.sh results directory, to standard output.
if (args is ["warmup-report", .. var warmupArgs])
{
    return ResultsReport.RunWarmupReport(warmupArgs);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop issuing requests and report what was measured. A second one ends the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

// One handler, keep-alive connections, at least one connection per worker: a closed-loop worker has at most one
// request in flight, so the workers never queue for a connection.
using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Concurrency,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    ConnectTimeout = TimeSpan.FromSeconds(10),
    UseCookies = false,
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
};
using var http = new HttpClient(handler, disposeHandler: false)
{
    Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
    DefaultRequestVersion = HttpVersion.Version11,
    DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
};

var api = new DcrApi(http, options);
var workload = new Workload(options, api, Console.Out);
var workers = Enumerable.Range(0, options.Concurrency).Select(static i => new Worker(i, seed: 7919 * (i + 1))).ToArray();
foreach (var worker in workers)
{
    foreach (var operation in workload.Operations)
    {
        worker.Recorders[operation] = new OperationRecorder { ExpectedStatus = Workload.ExpectedStatus(operation) };
    }
}

var startedAt = DateTimeOffset.UtcNow;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Dcr.Bench: scenario {options.Scenario} against {options.Url}, {options.Concurrency} workers, {options.Warmup:0.##} s warm-up + {options.Duration:0.##} s measured{(options.MaxRequests > 0 ? $" (at most {options.MaxRequests} requests)" : string.Empty)}"));

var setupWatch = Stopwatch.StartNew();
try
{
    await workload.SetupAsync(workers, cancellation.Token);
}
catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or OperationCanceledException)
{
    Console.Error.WriteLine($"Setup failed: {exception.Message}");
    return 1;
}

setupWatch.Stop();
if (workload.RegisteredInSetup > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Setup: {workload.RegisteredInSetup} clients registered in {setupWatch.Elapsed.TotalSeconds:0.00} s (not measured)."));
}
else if (options.LoadClients is not null)
{
    Console.WriteLine($"Setup: initial access token and {workload.SetupClientCount} clients read from {options.LoadClients}; nothing sent.");
}

// The phases are fixed up front: requests started before measureStart are warm-up and not recorded, none starts after
// measureEnd, and the measured time runs until the last measured request has completed.
var start = Stopwatch.GetTimestamp();
var measureStart = start + (long)(options.Warmup * Stopwatch.Frequency);
var measureEnd = measureStart + (long)(options.Duration * Stopwatch.Frequency);
long issued = 0;
long completed = 0;

// Measured requests completed in each second of the measured window (the warm-up measurement reads how fast a fresh
// server comes up to speed from it).
var timeline = new long[Math.Max(1, (int)Math.Ceiling(options.Duration))];
var maxRequests = options.MaxRequests > 0 ? options.MaxRequests : long.MaxValue;

async Task RunWorkerAsync(Worker worker)
{
    var token = cancellation.Token;
    while (!token.IsCancellationRequested)
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= measureEnd)
        {
            return;
        }

        var measured = now >= measureStart;
        if (measured && Interlocked.Increment(ref issued) > maxRequests)
        {
            return;
        }

        var operation = workload.Choose(worker);
        string outcome;
        bool succeeded;
        var before = Stopwatch.GetTimestamp();
        try
        {
            var status = await workload.ExecuteAsync(worker, operation, token).ConfigureAwait(false);
            outcome = OperationRecorder.OutcomeOf(status);
            succeeded = status == Workload.ExpectedStatus(operation);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            if (token.IsCancellationRequested)
            {
                return;
            }

            outcome = OperationRecorder.OutcomeOf(exception);
            succeeded = false;
        }

        var after = Stopwatch.GetTimestamp();
        var elapsed = after - before;
        if (measured)
        {
            worker.Recorders[operation].Record(elapsed, outcome);
            Interlocked.Increment(ref completed);
            var second = (int)((after - measureStart) / Stopwatch.Frequency);
            Interlocked.Increment(ref timeline[Math.Min(second, timeline.Length - 1)]);
        }

        await workload.RecoverAsync(worker, operation, succeeded, token).ConfigureAwait(false);
    }
}

// CPU time is sampled when the measured window opens and when the last measured request has completed.
var cpu = new CpuSampler(options.HostPid);
var cpuAtStart = Task.Run(async () =>
{
    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), measureStart);
    if (wait > TimeSpan.Zero)
    {
        await Task.Delay(wait).ConfigureAwait(false);
    }

    return cpu.Take();
});

var progress = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
    try
    {
        while (await timer.WaitForNextTickAsync(cancellation.Token).ConfigureAwait(false))
        {
            var now = Stopwatch.GetTimestamp();
            if (now < measureStart)
            {
                Console.WriteLine("  warming up…");
                continue;
            }

            var seconds = (double)(now - measureStart) / Stopwatch.Frequency;
            var done = Interlocked.Read(ref completed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {seconds,5:0.0} s  {done,9} requests  {done / seconds,9:0.0}/s"));
        }
    }
    catch (OperationCanceledException)
    {
        // The run is over.
    }
});

await Task.WhenAll(workers.Select(worker => Task.Run(() => RunWorkerAsync(worker))));
var finished = Stopwatch.GetTimestamp();
var cpuAtEnd = cpu.Take();
var elapsedSeconds = Math.Max(0, (double)(finished - measureStart) / Stopwatch.Frequency);
var cancelled = cancellation.IsCancellationRequested;
await cancellation.CancelAsync();
await progress;

var operations = workload.Operations
    .Select(operation => OperationResult.Merge(Workload.NameOf(operation), [.. workers.Select(w => w.Recorders[operation])], elapsedSeconds))
    .ToList();
var total = OperationResult.Merge("total", [.. workers.SelectMany(static w => w.Recorders.Values)], elapsedSeconds);

var cpuUsage = cancelled && finished < measureStart ? null : CpuSampler.Between(await cpuAtStart, cpuAtEnd, total.Requests);

var result = new BenchResult(
    Tool: "Dcr.Bench",
    StartedAtUtc: startedAt,
    Scenario: options.Scenario,
    Url: options.Url.ToString(),
    Concurrency: options.Concurrency,
    DurationSeconds: options.Duration,
    WarmupSeconds: options.Warmup,
    MaxRequests: options.MaxRequests > 0 ? options.MaxRequests : null,
    SetupClients: workload.RegisteredInSetup,
    Machine: new MachineInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString()),
    SetupSeconds: Math.Round(setupWatch.Elapsed.TotalSeconds, 3),
    ElapsedSeconds: Math.Round(elapsedSeconds, 3),
    Requests: total.Requests,
    Successes: total.Successes,
    Errors: total.Errors,
    RequestsPerSecond: total.RequestsPerSecond,
    SuccessesPerSecond: elapsedSeconds > 0 ? Math.Round(total.Successes / elapsedSeconds, 1) : 0,
    LatencyMs: total.LatencyMs,
    StatusCounts: total.StatusCounts,
    ErrorsByStatus: total.ErrorsByStatus,
    Operations: operations,
    Cpu: cpuUsage,
    ClientsReplaced: workers.Sum(static w => w.ClientsReplaced),
    CredentialRotationsFollowed: workers.Sum(static w => w.Clients.Sum(static c => (long)c.Rotations)),
    SecretRotationsFollowed: workers.Sum(static w => w.Clients.Sum(static c => (long)c.SecretRotations)),
    RegistrationAccessTokenRotationsFollowed: workers.Sum(static w => w.Clients.Sum(static c => (long)c.RegistrationAccessTokenRotations)),
    ExpectRotation: options.ExpectRotation,
    CompletedPerSecond: timeline,
    StoppedByMaxRequests: options.MaxRequests > 0 && Interlocked.Read(ref issued) > options.MaxRequests,
    Cancelled: cancelled);

Report.Print(result, Console.Out);

if (options.Output is { } output)
{
    var directory = Path.GetDirectoryName(Path.GetFullPath(output));
    if (!string.IsNullOrEmpty(directory))
    {
        Directory.CreateDirectory(directory);
    }

    await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Report.JsonOptions) + Environment.NewLine);
    Console.WriteLine($"Result written to {output}");
}

return cancelled ? 130 : 0;
