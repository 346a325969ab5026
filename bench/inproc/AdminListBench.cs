using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dcr.Bench.InProcess;

/// <summary>
/// <c>admin-list</c>: the admin API's listing (<c>GET {Admin:Path}/clients?limit=50</c>) with a bearer token of scope
/// <c>dcr:admin</c>, at each client count of <c>--clients</c>, each on a fresh host whose tables were seeded by
/// <see cref="CatalogSeeder"/>: the first page, a page half-way through the listing (by its cursor), and two filtered
/// listings, one on an indexed column (<c>created_by</c>) and one text search (<c>q</c>), each matching 1 % of the clients.
/// </summary>
internal static class AdminListBench
{
    // Registered over HTTP, then cloned: a confidential client_credentials client, a public code-flow client with a
    // loopback redirect, and a confidential code-flow client with refresh tokens.
    private static readonly string[] Templates =
    [
        """{"client_name":"template service","grant_types":["client_credentials"],"response_types":[],"token_endpoint_auth_method":"client_secret_basic","scope":"api"}""",
        $$"""{"client_name":"template public","redirect_uris":["{{OAuthCalls.RedirectUri}}"],"grant_types":["authorization_code"],"response_types":["code"],"token_endpoint_auth_method":"none","scope":"openid api"}""",
        """{"client_name":"template web","redirect_uris":["https://app.example.com/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_basic","scope":"openid offline_access api"}""",
    ];

    private sealed record Kind(string Name, string Path)
    {
        public List<double> Milliseconds { get; } = [];
    }

    public static async Task<object> RunAsync(BenchOptions options)
    {
        var results = new List<object>();
        var table = new StringBuilder();
        table.AppendLine("| Clients | Listing | Requests | p50 ms | p95 ms | p99 ms | max ms | mean ms |");
        table.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var count in options.Clients)
        {
            var (kinds, seeding) = await RunOneAsync(options, count);
            foreach (var kind in kinds)
            {
                var sorted = kind.Milliseconds.Order().ToArray();
                var row = new
                {
                    clients = count,
                    listing = kind.Name,
                    path = kind.Path,
                    requests = sorted.Length,
                    p50_ms = Percentile(sorted, 50),
                    p95_ms = Percentile(sorted, 95),
                    p99_ms = Percentile(sorted, 99),
                    max_ms = sorted[^1],
                    mean_ms = sorted.Average(),
                };
                results.Add(row);
                table.AppendLine($"| {count:N0} | {kind.Name} | {row.requests} | {row.p50_ms:F2} | {row.p95_ms:F2} | {row.p99_ms:F2} | {row.max_ms:F2} | {row.mean_ms:F2} |");
            }

            results.Add(new { clients = count, seeding });
        }

        Console.WriteLine();
        Console.WriteLine("GET {Admin:Path}/clients, limit=50, bearer token of scope dcr:admin, one request at a time, the kinds in turn:");
        Console.WriteLine();
        Console.Write(table.ToString());
        return results;
    }

    private static async Task<(IReadOnlyList<Kind> Kinds, object Seeding)> RunOneAsync(BenchOptions options, int count)
    {
        using var host = new BenchHost();
        using var http = host.CreateBenchClient();
        var calls = new OAuthCalls(http);
        var adminPath = host.Services.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value.Admin.Path;
        var initialAccessToken = await calls.ClientCredentialsAsync(OAuthCalls.AdminClientId, OAuthCalls.AdminClientSecret, "dcr");
        var adminToken = await calls.ClientCredentialsAsync(OAuthCalls.AdminClientId, OAuthCalls.AdminClientSecret, "dcr:admin");

        var templateIds = new List<string>();
        foreach (var metadata in Templates)
        {
            using var registered = await calls.RegisterAsync(metadata, initialAccessToken);
            templateIds.Add(registered.RootElement.GetProperty("client_id").GetString()!);
        }

        var seeded = Math.Max(0, count - templateIds.Count);
        var watch = Stopwatch.StartNew();
        await CatalogSeeder.SeedAsync(host.ConnectionString, templateIds, seeded, TimeProvider.System.GetUtcNow());
        watch.Stop();
        Console.WriteLine($"{count:N0} clients: {templateIds.Count} registered over HTTP, {seeded:N0} cloned into OpenIddictApplications " +
            $"and DcrClients in one transaction in {watch.Elapsed.TotalSeconds:F1} s");

        // Seeding check: the bulk delete's dry run counts the catalog's dcr clients; walking every page (500 each)
        // counts what the listing shows, checks that ids never repeat, and finds the cursor of the middle page.
        using var dryRun = await calls.PostJsonAsync($"{adminPath}/clients/delete", """{"source":"dcr","dry_run":true}""", adminToken);
        var matched = dryRun.RootElement.GetProperty("matched").GetInt32();
        var (listed, distinct, pages, middleCursor) = await WalkAsync(calls, adminPath, adminToken, count);
        Console.WriteLine($"check: dry-run bulk delete of source=dcr matched {matched:N0}; the listing walked {pages} pages of up to 500 " +
            $"and showed {listed:N0} clients ({distinct:N0} distinct); expected {count:N0}");
        if (matched != count || listed != count || distinct != count)
        {
            throw new InvalidOperationException("the seeding did not give the expected client count");
        }

        var list = $"{adminPath}/clients?limit=50";
        Kind[] kinds =
        [
            new("first page", list),
            new("middle page (cursor)", $"{list}&cursor={Uri.EscapeDataString(middleCursor)}"),
            new("created_by filter (1 %)", $"{list}&created_by={Uri.EscapeDataString(CatalogSeeder.Caller(7))}"),
            new("q text search (1 %)", $"{list}&q={Uri.EscapeDataString(CatalogSeeder.Team(7))}"),
        ];

        // Each filtered listing shows what it should: 1 % of the clients, ids unique.
        foreach (var kind in kinds.Skip(2))
        {
            using var page = await calls.GetJsonAsync(kind.Path.Replace("limit=50", "limit=500", StringComparison.Ordinal), adminToken);
            Console.WriteLine($"check: {kind.Name} first page of up to 500 shows {page.RootElement.GetProperty("clients").GetArrayLength()} clients " +
                $"(about {count / CatalogSeeder.Callers:N0} match)");
        }

        var warmupTarget = options.Warmup ?? 300;
        var warmupTime = TimeSpan.FromSeconds(options.WarmupSeconds ?? 5);
        var warmup = Stopwatch.StartNew();
        var warmed = 0;
        while (warmed < warmupTarget || warmup.Elapsed < warmupTime)
        {
            foreach (var kind in kinds)
            {
                await calls.GetAsync(kind.Path, adminToken);
            }

            warmed++;
        }

        Console.WriteLine($"warm-up: {warmed} requests per listing in {warmup.Elapsed.TotalSeconds:F1} s");
        var window = MeasuredWindow.Start();
        for (var i = 0; i < options.Requests; i++)
        {
            foreach (var kind in kinds)
            {
                var started = Stopwatch.GetTimestamp();
                await calls.GetAsync(kind.Path, adminToken);
                kind.Milliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        var (measured, others) = window.Stop();
        Console.WriteLine($"measured {measured.TotalSeconds:F0} s; other processes used " +
            $"{RunEnvironment.DescribeShare(others)} of the {Environment.ProcessorCount} CPUs meanwhile");
        return (kinds, new { other_processes_share = others, registered = templateIds.Count, cloned = seeded, seconds = watch.Elapsed.TotalSeconds, dry_run_matched = matched, listed, pages });
    }

    private static async Task<(int Listed, int Distinct, int Pages, string MiddleCursor)> WalkAsync(
        OAuthCalls calls, string adminPath, string adminToken, int expected)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var listed = 0;
        var pages = 0;
        string? cursor = null;
        string? middle = null;
        do
        {
            var path = $"{adminPath}/clients?limit=500" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var page = await calls.GetJsonAsync(path, adminToken);
            pages++;
            foreach (var client in page.RootElement.GetProperty("clients").EnumerateArray())
            {
                listed++;
                ids.Add(client.GetProperty("client_id").GetString()!);
            }

            var next = page.RootElement.GetProperty("next_cursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
            if (middle is null && listed >= expected / 2 && cursor is not null)
            {
                middle = cursor;
            }
        }
        while (cursor is not null);

        return (listed, ids.Count, pages, middle ?? throw new InvalidOperationException("the listing has no middle page"));
    }

    // Nearest rank.
    private static double Percentile(double[] sorted, double percent) =>
        sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
