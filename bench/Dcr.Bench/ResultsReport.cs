using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dcr.Bench;

/// <summary>
/// <c>Dcr.Bench report --input DIR --output FILE</c>: the markdown summary of a results directory written by bench/run.sh.
/// The directory holds <c>run.env</c> (key=value lines about the machine, the versions and the configuration),
/// <c>&lt;server&gt;/&lt;scenario&gt;-c&lt;concurrency&gt;.json</c> for each server (sqlite, sqlite-read, sqlite-update, the same
/// for postgres, peer, peer-durable), <c>warmup/</c> (bench/warmup.sh's results) and
/// <c>scale/&lt;nn&gt;-&lt;step&gt;.json</c> for the scale step (steps prewarm, fill, register, manage and token, in file name
/// order).
/// </summary>
internal static class ResultsReport
{
    private static readonly string[] ScaleScenarios = ["register", "manage", "token"];

    public static string Usage =>
        """
        Usage: Dcr.Bench report --input DIR --output FILE

        Writes the markdown summary of a bench/run.sh results directory: DIR/run.env, DIR/<server>/<scenario>-c<N>.json
        (servers sqlite, sqlite-read, sqlite-update, postgres..., peer, peer-durable), DIR/warmup/ and
        DIR/scale/<nn>-<step>.json. The like-for-like table comes first.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? input = null, output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help" or "-?":
                    Console.WriteLine(Usage);
                    return 0;
                case "--input" when i + 1 < args.Length:
                    input = args[++i];
                    break;
                case "--output" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"Unexpected argument '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (input is null || output is null)
        {
            Console.Error.WriteLine("report needs --input DIR and --output FILE.");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (!Directory.Exists(input))
        {
            Console.Error.WriteLine($"No directory '{input}'.");
            return 1;
        }

        string markdown;
        try
        {
            markdown = Build(input);
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Cannot read the results in '{input}': {exception.Message}");
            return 1;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(output, markdown);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    /// <summary>
    /// The rows of the like-for-like table: the scenario, our server (a suffix of the database target: our host's
    /// configuration), the peer that does the same work, what each side does, and the target ratio.
    /// </summary>
    private static readonly LikeForLike[] Rows =
    [
        new("register", "", "peer-durable", "POST, committed durably", "durable peer: client and registration access token each appended and fdatasync'ed", 1.0),
        new("token", "", "peer", "client_credentials, nothing written", "in-memory peer", 1.5),
        new("read", "-read", "peer", "RFC 7592 GET, rotation off (nothing written)", "in-memory peer's GET (rotates nothing)", 1.2),
        new("update", "-update", "peer-durable", "RFC 7592 PUT, registration access token rotated, committed", "durable peer's PUT (rotates the registration access token)", 1.0),
        new("mixed", "", "peer-durable", "20 % register, 50 % token, 25 % GET, 5 % PUT, the sample's defaults (both rotated)", "durable peer (GET rotates nothing, PUT the registration access token)", 1.0),
    ];

    private sealed record LikeForLike(string Scenario, string OursSuffix, string Peer, string OursDoes, string PeerDoes, double Target);

    private const double P99TargetMs = 50;

    private static string Build(string input)
    {
        var env = RunEnvironment.Read(Path.Combine(input, "run.env"));
        var runs = new Dictionary<(string Target, string Scenario, int Concurrency), BenchResult>();
        foreach (var directory in Directory.EnumerateDirectories(input).Order(StringComparer.Ordinal))
        {
            var target = Path.GetFileName(directory);
            if (target is "scale" or "warmup")
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
            {
                var result = Load(file);
                runs[(target, Path.GetFileNameWithoutExtension(file).Split("-c")[0], result.Concurrency)] = result;
            }
        }

        var scaleDirectory = Path.Combine(input, "scale");
        var scale = Directory.Exists(scaleDirectory)
            ? Directory.EnumerateFiles(scaleDirectory, "*.json").Order(StringComparer.Ordinal)
                .Select(static file => (Step: StepOf(file), Result: Load(file))).ToList()
            : [];

        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Like-for-like benchmark: the sample host and node-oidc-provider");
        md.AppendLine();
        md.AppendLine(c, $"Generated by `bench/run.sh` (`Dcr.Bench report`). Run from {env["started_utc"]} to {env["finished_utc"]}, {env["git_commit"]}.");
        md.AppendLine();
        md.AppendLine("Each row compares equal work (issue #19): our durable writes against the **durable peer** (node-oidc-provider whose");
        md.AppendLine("adapter appends every client and registration access token write to a journal and `fdatasync`s it, one write at a");
        md.AppendLine("time, before it answers), and what writes nothing on either side against the **in-memory peer**. Access tokens stay in");
        md.AppendLine("memory on the peer and are never stored by our host. Every run is measured at steady state: "
            + string.Create(c, $"{env["warmup"]} s unrecorded, then {env["duration"]} s measured."));
        md.AppendLine();

        var concurrencies = env.List("concurrency").Select(static v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();
        var headline = concurrencies.Contains(16) ? 16 : concurrencies.FirstOrDefault();
        foreach (var database in new[] { "sqlite", "postgres" })
        {
            if (!runs.Keys.Any(k => k.Target.StartsWith(database, StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var concurrency in concurrencies.OrderBy(v => v == headline ? 0 : 1))
            {
                AppendLikeForLike(md, runs, database, concurrency, headline);
            }
        }

        AppendWarmup(md, Path.Combine(input, "warmup"), heading: "## Warm-up: the first seconds of a fresh host");

        md.AppendLine("## Set-up");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(c, $"| Machine | `nproc` = {env["machine_nproc"]}, {env["machine_cpu"]}, {env["machine_memory"]} memory, {env["machine_os"]}, kernel {env["machine_kernel"]} |");
        md.AppendLine(c, $"| .NET | SDK {env["dotnet_sdk"]}, runtime {env["dotnet_runtime"]} |");
        md.AppendLine(c, $"| Source | {env["git_commit"]} |");
        md.AppendLine(c, $"| Host build | {env["host_build"]} |");
        md.AppendLine(c, $"| OpenIddict | {env["openiddict"]} (`Directory.Packages.props`) |");
        md.AppendLine(c, $"| Node.js | {env["node"]} |");
        md.AppendLine(c, $"| Peer | oidc-provider {env["oidc_provider"]} (`bench/peer`, installed by `npm install`) |");
        md.AppendLine(c, $"| PostgreSQL | {env["postgres_server"]} |");
        md.AppendLine(c, $"| Load | `Dcr.Bench` on the same machine: closed loop, one keep-alive connection per worker, {env["warmup"]} s warm-up then {env["duration"]} s measured per run, `--clients {env["clients"]}`; extra prewarm: {env["prewarm"]} |");
        md.AppendLine();
        md.AppendLine("Our host: `samples/HostSample`, Release, copied to a temporary directory (fresh content root), one process per");
        md.AppendLine("configuration on a fresh store, started as");
        md.AppendLine();
        md.AppendLine("```");
        foreach (var (key, value) in env.WithPrefix("host_").Where(static pair => pair.Key.EndsWith("_command", StringComparison.Ordinal)))
        {
            md.AppendLine(c, $"{key["host_".Length..^"_command".Length] + ":",-17} {value}");
        }

        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("with this `appsettings.json` (secret and registration access token rotation on by default, `Information` logging");
        md.AppendLine("to a file):");
        md.AppendLine();
        md.AppendLine("```json");
        var appsettings = Path.Combine(input, "host-appsettings.json");
        md.AppendLine(File.Exists(appsettings) ? File.ReadAllText(appsettings).TrimEnd() : "(not recorded)");
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine(c, $"The peer: `{env["peer_command"]}` (`bench/peer/server.mjs`): issuer `http://127.0.0.1:<port>`, registration");
        md.AppendLine("`/reg` behind one static initial access token, management `/reg/<client_id>` with registration access token");
        md.AppendLine("rotation on PUT (nothing rotates on GET), `client_credentials` at `/token` with the scope `api` (opaque access tokens,");
        md.AppendLine("kept in memory for their 600 s lifetime). `peer`: node-oidc-provider's memory adapter over an unbounded `Map`;");
        md.AppendLine("`peer-durable`: the same, with the journal. The load tool runs against it with `--registration-path /reg --token-path");
        md.AppendLine("/token --initial-access-token <the static token>`.");
        md.AppendLine();

        md.AppendLine("## Every run");
        md.AppendLine();
        md.AppendLine("Latency in ms (nearest-rank percentiles over every measured request); errors are responses other than the expected");
        md.AppendLine("status (and GETs or PUTs that rotated other than the row says: `unexpected_rotation`), timeouts and connection");
        md.AppendLine("failures. Host CPU is the server process's, per measured request; \"others\" is the share of the machine's CPUs that");
        md.AppendLine("other processes (not the server, not the load tool) used during the run. Rotations followed: client secrets /");
        md.AppendLine("registration access tokens, warm-up included.");
        md.AppendLine();
        md.AppendLine("| Server | Scenario | Concurrency | req/s | p50 | p95 | p99 | errors | host CPU ms/req | others | rotations followed |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var ((target, scenario, concurrency), run) in runs.OrderBy(static r => r.Key.Target, StringComparer.Ordinal)
            .ThenBy(static r => ScenarioOrder(r.Key.Scenario)).ThenBy(static r => r.Key.Concurrency))
        {
            var rotations = run.CredentialRotationsFollowed > 0
                ? string.Create(c, $"{run.SecretRotationsFollowed} / {run.RegistrationAccessTokenRotationsFollowed}")
                : "–";
            md.AppendLine(c,
                $"| {target} | {scenario} | {concurrency} | {Rps(run)} | {Ms(run.LatencyMs.P50)} | {Ms(run.LatencyMs.P95)} | {Ms(run.LatencyMs.P99)} | {Errors(run)} | {Ms(run.Cpu?.HostCpuMsPerRequest)} | {OtherShare(run)} | {rotations} |");
        }

        md.AppendLine();
        md.AppendLine("Working set (VmRSS) of each server after its runs: "
            + string.Join(", ", env.WithPrefix("rss_").Select(pair => $"{pair.Key["rss_".Length..^"_kb".Length]} {Mib(pair.Value)}")) + ".");
        md.AppendLine();

        var notes = env.All("note");
        if (notes.Length > 0)
        {
            md.AppendLine("Notes from the run:");
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine(c, $"- {note}");
            }

            md.AppendLine();
        }

        AppendScale(md, env, scale);
        return md.ToString();
    }

    private static int ScenarioOrder(string scenario) => Array.FindIndex(Rows, row => row.Scenario == scenario) is var index and >= 0 ? index : Rows.Length;

    private static void AppendLikeForLike(
        StringBuilder md, Dictionary<(string Target, string Scenario, int Concurrency), BenchResult> runs, string database, int concurrency, int headline)
    {
        var c = CultureInfo.InvariantCulture;
        var name = database == "sqlite" ? "SQLite" : "PostgreSQL";
        md.AppendLine(c, $"## Like for like: ours on {name} against the peer, concurrency {concurrency}{(concurrency == headline ? " (the targets' reference)" : string.Empty)}");
        md.AppendLine();
        md.AppendLine("| Scenario | Ours | req/s | p99 ms | errors | host CPU ms/req | Peer | req/s | p99 ms | errors | host CPU ms/req | **Ours / peer** | Target |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|");
        foreach (var row in Rows)
        {
            var ours = runs.GetValueOrDefault((database + row.OursSuffix, row.Scenario, concurrency));
            var peer = runs.GetValueOrDefault((row.Peer, row.Scenario, concurrency));
            if (ours is null && peer is null)
            {
                continue;
            }

            md.AppendLine(c,
                $"| {row.Scenario} | {row.OursDoes} | {Rps(ours)} | {Ms(ours?.LatencyMs.P99)} | {Errors(ours)} | {Ms(ours?.Cpu?.HostCpuMsPerRequest)} | {row.PeerDoes} | {Rps(peer)} | {Ms(peer?.LatencyMs.P99)} | {Errors(peer)} | {Ms(peer?.Cpu?.HostCpuMsPerRequest)} | **{Ratio(ours, peer)}** | {Verdict(ours, peer, row.Target, concurrency == headline)} |");
        }

        // PingFederate's defaults: more work than the peer's GET, which rotates and writes nothing.
        var manage = runs.GetValueOrDefault((database, "manage", concurrency));
        if (manage is not null)
        {
            var peerRead = runs.GetValueOrDefault(("peer", "read", concurrency));
            md.AppendLine(c,
                $"| manage *(more work than the peer does)* | RFC 7592 GET with PingFederate's defaults: client secret and registration access token rotated, committed | {Rps(manage)} | {Ms(manage.LatencyMs.P99)} | {Errors(manage)} | {Ms(manage.Cpu?.HostCpuMsPerRequest)} | in-memory peer's GET (rotates nothing, writes nothing) | {Rps(peerRead)} | {Ms(peerRead?.LatencyMs.P99)} | {Errors(peerRead)} | {Ms(peerRead?.Cpu?.HostCpuMsPerRequest)} | ({Ratio(manage, peerRead)}) | none: not the same work |");
        }

        md.AppendLine();
    }

    // The issue's targets: the ratio, p99 under 50 ms and no errors (judged at the reference concurrency only).
    private static string Verdict(BenchResult? ours, BenchResult? peer, double target, bool reference)
    {
        var c = CultureInfo.InvariantCulture;
        var goal = string.Create(c, $"≥ {target:0.0}×");
        if (!reference || ours is null || peer is null || peer.RequestsPerSecond <= 0)
        {
            return goal;
        }

        var ratio = ours.RequestsPerSecond / peer.RequestsPerSecond;
        var misses = new List<string>();
        if (ratio < target)
        {
            misses.Add(string.Create(c, $"ratio short by {target - ratio:0.00}"));
        }

        if (ours.LatencyMs.P99 >= P99TargetMs)
        {
            misses.Add(string.Create(c, $"p99 ≥ {P99TargetMs:0} ms"));
        }

        if (ours.Errors > 0)
        {
            misses.Add("errors");
        }

        return misses.Count == 0 ? goal + ": met" : goal + ": **missed** (" + string.Join(", ", misses) + ")";
    }

    /// <summary><c>Dcr.Bench warmup-report --input DIR</c>: the warm-up section of bench/warmup.sh's results, to stdout.</summary>
    public static int RunWarmupReport(string[] args)
    {
        if (args is not ["--input", var input] || !Directory.Exists(input))
        {
            Console.Error.WriteLine("Usage: Dcr.Bench warmup-report --input DIR   (the results directory of bench/warmup.sh)");
            return 2;
        }

        var md = new StringBuilder();
        AppendWarmup(md, input, heading: "## Warm-up");
        Console.Write(md.ToString());
        return 0;
    }

    /// <summary>
    /// The warm-up table from bench/warmup.sh's files: <c>&lt;round&gt;-&lt;variant&gt;-&lt;scenario&gt;-first.json</c> and
    /// <c>…-steady.json</c>, and <c>ready-seconds.txt</c> (round, variant, scenario, seconds from start to the first answer).
    /// </summary>
    private static void AppendWarmup(StringBuilder md, string directory, string heading)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var c = CultureInfo.InvariantCulture;
        var ready = new Dictionary<(string Round, string Variant, string Scenario), string>();
        var readyFile = Path.Combine(directory, "ready-seconds.txt");
        if (File.Exists(readyFile))
        {
            foreach (var parts in File.ReadLines(readyFile).Select(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(static p => p.Length == 4))
            {
                ready[(parts[0], parts[1], parts[2])] = parts[3];
            }
        }

        var cells = new List<(string Round, string Variant, string Scenario, BenchResult First, BenchResult? Steady)>();
        foreach (var file in Directory.EnumerateFiles(directory, "*-first.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file)[..^"-first.json".Length];
            var firstDash = name.IndexOf('-', StringComparison.Ordinal);
            var lastDash = name.LastIndexOf('-');
            var steadyFile = Path.Combine(directory, name + "-steady.json");
            cells.Add((name[..firstDash], name[(firstDash + 1)..lastDash], name[(lastDash + 1)..], Load(file), File.Exists(steadyFile) ? Load(steadyFile) : null));
        }

        if (cells.Count == 0)
        {
            return;
        }

        md.AppendLine(heading);
        md.AppendLine();
        md.AppendLine("A fresh host process on a database that already holds the clients, driven at concurrency 16 the moment it answers");
        md.AppendLine("(bench/warmup.sh): requests/s and host CPU per request over its first seconds, against the same process at steady");
        md.AppendLine("state (after its own warm-up). Target: the first 10 s reach at least 70 % of steady state for token and register.");
        md.AppendLine();
        md.AppendLine("| Round | Host | Scenario | ready after s | first window req/s | host CPU ms/req | steady req/s | host CPU ms/req | **first / steady** | requests completed in each second of the first window |");
        md.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (round, variant, scenario, first, steady) in cells.OrderBy(static x => x.Scenario, StringComparer.Ordinal).ThenBy(static x => x.Variant, StringComparer.Ordinal)
            .ThenBy(static x => x.Round, StringComparer.Ordinal))
        {
            var ratio = steady is { RequestsPerSecond: > 0 } ? string.Create(c, $"{100 * first.RequestsPerSecond / steady.RequestsPerSecond:0} %") : "–";
            md.AppendLine(c,
                $"| {round} | {variant} | {scenario} | {ready.GetValueOrDefault((round, variant, scenario), "–")} | {Rps(first)} | {Ms(first.Cpu?.HostCpuMsPerRequest)} | {Rps(steady)} | {Ms(steady?.Cpu?.HostCpuMsPerRequest)} | **{ratio}** | {string.Join(" ", first.CompletedPerSecond ?? [])} |");
        }

        md.AppendLine();
    }

    private static void AppendScale(StringBuilder md, RunEnvironment env, List<(string Step, BenchResult Result)> scale)
    {
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"## Scale: our host (SQLite) from about 1,000 to {Count(env["scale_clients"])} clients");
        md.AppendLine();
        if (scale.Count == 0)
        {
            md.AppendLine(c, $"Not run ({env["scale_note"]}).");
            md.AppendLine();
            return;
        }

        // Clients registered before each step: registrations in fills and register runs (all measured: warm-up 0), the
        // set-up clients of manage and token (warm-up runs included), and the replacements after failed management calls.
        var checkpoints = new List<(long Clients, Dictionary<string, BenchResult> Runs)>();
        var fills = new List<(long Before, BenchResult Result)>();
        long registered = 0;
        Dictionary<string, BenchResult>? current = null;
        foreach (var (step, result) in scale)
        {
            if (step == "prewarm")
            {
                // The unrecorded JIT warm-up of a fresh host: only its set-up clients count.
                current = null;
            }
            else if (step == "fill")
            {
                fills.Add((registered, result));
                current = null;
            }
            else
            {
                if (current is null)
                {
                    current = new Dictionary<string, BenchResult>(StringComparer.Ordinal);
                    checkpoints.Add((registered, current));
                }

                current[step] = result;
            }

            registered += result.SetupClients + result.ClientsReplaced
                + result.Operations.Where(static o => o.Name == "register").Sum(static o => o.Successes);
        }

        md.AppendLine(c, $"A fresh SQLite host; clients registered through the HTTP API (`register`, concurrency 16, `--max-requests`), and at");
        md.AppendLine("each checkpoint `register`, `manage` and `token` at concurrency 1 (one request at a time: latency without queueing).");
        md.AppendLine("Latency in ms.");
        md.AppendLine();
        md.AppendLine("| Registered clients | register req/s | p50 | p95 | p99 | manage req/s | p50 | p95 | p99 | token req/s | p50 | p95 | p99 | errors |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (clients, checkpointRuns) in checkpoints)
        {
            var cells = new StringBuilder();
            long errors = 0;
            foreach (var scenario in ScaleScenarios)
            {
                var run = checkpointRuns.GetValueOrDefault(scenario);
                cells.Append(c, $" {Rps(run)} | {Ms(run?.LatencyMs.P50)} | {Ms(run?.LatencyMs.P95)} | {Ms(run?.LatencyMs.P99)} |");
                errors += run?.Errors ?? 0;
            }

            md.AppendLine(c, $"| {clients:N0} |{cells} {errors} |");
        }

        md.AppendLine();
        foreach (var (before, fill) in fills)
        {
            var added = fill.Successes;
            md.AppendLine(c,
                $"- Registering clients {before:N0} to {before + added:N0}: {fill.Requests:N0} requests in {fill.ElapsedSeconds:0.0} s, {fill.RequestsPerSecond:0.0}/s, p50 {Ms(fill.LatencyMs.P50)} ms, p99 {Ms(fill.LatencyMs.P99)} ms, errors {Errors(fill)}.");
        }

        md.AppendLine(c, $"- Host working set (VmRSS) at {Count(env["scale_rss_1_clients"])} registered clients: {Mib(env["scale_rss_1_kb"])}; after the registrations up to {Count(env["scale_rss_2_clients"])}: **{Mib(env["scale_rss_2_kb"])}**; at the end: {Mib(env["scale_rss_end_kb"])} (peak VmHWM {Mib(env["scale_hwm_end_kb"])}).");
        md.AppendLine(c, $"- SQLite database at the end: {Mib(env["scale_db_kb"])} (with its -wal file), {Count(env["scale_db_applications"])} rows in `OpenIddictApplications` (the seeded admin client included).");
        md.AppendLine();
    }

    private static BenchResult Load(string file) =>
        JsonSerializer.Deserialize<BenchResult>(File.ReadAllText(file), Report.JsonOptions)
        ?? throw new JsonException($"{file} holds no result.");

    /// <summary>"07-manage.json" → "manage".</summary>
    private static string StepOf(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash >= 0 ? name[(dash + 1)..] : name;
    }

    private static string Rps(BenchResult? result) =>
        result is null ? "–" : result.RequestsPerSecond.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Ms(double? value) => value is { } v ? v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) : "–";

    private static string Errors(BenchResult? result)
    {
        if (result is null)
        {
            return "–";
        }

        if (result.Errors == 0)
        {
            return "0";
        }

        var detail = string.Join(", ", result.ErrorsByStatus.Select(static p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));
        return string.Create(CultureInfo.InvariantCulture, $"**{result.Errors}** ({detail})");
    }

    private static string Ratio(BenchResult? ours, BenchResult? peer) =>
        ours is null || peer is null || peer.RequestsPerSecond <= 0
            ? "–"
            : string.Create(CultureInfo.InvariantCulture, $"{ours.RequestsPerSecond / peer.RequestsPerSecond:0.00}×");

    private static string OtherShare(BenchResult? result) =>
        result?.Cpu is { OtherProcessesCpuSeconds: { } other, WallSeconds: > 0 } cpu
            ? string.Create(CultureInfo.InvariantCulture, $"{100 * other / (cpu.WallSeconds * cpu.ProcessorCount):0} %")
            : "–";

    private static string Count(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count)
            ? count.ToString("N0", CultureInfo.InvariantCulture)
            : value;

    private static string Mib(string kilobytes) =>
        long.TryParse(kilobytes, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb)
            ? string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:0} MiB")
            : "n/a";

    /// <summary>run.env: one key=value per line (split at the first '='); a key may repeat (notes).</summary>
    private sealed class RunEnvironment
    {
        private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

        public static RunEnvironment Read(string path)
        {
            var environment = new RunEnvironment();
            if (!File.Exists(path))
            {
                return environment;
            }

            foreach (var line in File.ReadLines(path))
            {
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                var key = line[..equals].Trim();
                if (!environment._values.TryGetValue(key, out var list))
                {
                    environment._values[key] = list = [];
                }

                list.Add(line[(equals + 1)..].Trim());
            }

            return environment;
        }

        /// <summary>The last value of the key, or "n/a".</summary>
        public string this[string key] => _values.TryGetValue(key, out var list) && list.Count > 0 && list[^1].Length > 0 ? list[^1] : "n/a";

        public string[] All(string key) => _values.TryGetValue(key, out var list) ? [.. list] : [];

        /// <summary>The last value of every key that starts with the prefix, in key order.</summary>
        public IEnumerable<(string Key, string Value)> WithPrefix(string prefix) => _values
            .Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal) && pair.Value.Count > 0)
            .OrderBy(static pair => pair.Key, StringComparer.Ordinal)
            .Select(static pair => (pair.Key, pair.Value[^1]));

        /// <summary>The last value of the key split at blanks and commas.</summary>
        public string[] List(string key) =>
            _values.TryGetValue(key, out var list) && list.Count > 0
                ? list[^1].Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
                : [];
    }
}
