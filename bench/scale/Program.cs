// Scale benchmark: registration, RFC 7592 read (GET) and token latency of the sample host on PostgreSQL while the
// client table grows to 100,000 clients. Clients beyond those registered over HTTP are seeded with COPY, as clones of a
// real registration row; every measured request goes over HTTP to the sample host, started as a separate process on
// 127.0.0.1 with its own fresh database. Not a timed test: it prints figures (bench/README.md, "Scale").
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;

var options = ScaleOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(ScaleOptions.Usage);
    return 2;
}

var admin = new NpgsqlConnectionStringBuilder(options.PostgresAdmin);
var databaseName = "dcr_bench_" + Guid.NewGuid().ToString("N");
var database = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = databaseName }.ConnectionString;
await ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE \"{databaseName}\"");
Console.WriteLine($"database {databaseName} on {admin.Host}:{admin.Port}");

var work = Path.Combine(Path.GetTempPath(), "dcr-bench-scale", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(work);
using var host = SampleHost.Start(options.SampleAssembly, database, work);
try
{
    using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
    {
        BaseAddress = host.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };
    await host.WaitUntilReadyAsync(http);
    var api = new Api(http);
    var initialAccessToken = await api.InitialAccessTokenAsync();

    // The row every seeded client is cloned from: a real registration through the endpoint.
    var template = await api.RegisterAsync(initialAccessToken);
    await api.TokenAsync(template);
    await using var data = new NpgsqlConnection(database);
    await data.OpenAsync();
    var seeder = await Seeder.CreateAsync(data, template.ClientId);
    var clients = await seeder.CountAsync();

    var results = new List<Checkpoint>();
    foreach (var target in options.Checkpoints)
    {
        if (target > clients)
        {
            var watch = Stopwatch.StartNew();
            clients += await seeder.SeedAsync(target - clients);
            await ExecuteAsync(database, "ANALYZE");
            Console.WriteLine($"seeded to {clients:N0} clients in {watch.Elapsed.TotalSeconds:F1} s");
        }

        var last = target == options.Checkpoints[^1];
        var scansBefore = last ? await TableScans.ReadAsync(data, settle: true) : null;
        var checkpoint = await MeasureAsync(api, initialAccessToken, clients, options.Requests);
        clients += options.Requests + ScaleOptions.Warmup;
        if (last)
        {
            checkpoint = checkpoint with { Scans = (await TableScans.ReadAsync(data, settle: true)).Minus(scansBefore!) };
        }

        results.Add(checkpoint);
        Console.WriteLine(checkpoint.Summary());
    }

    var plan = await ExplainAsync(data, template.ClientId);
    Console.WriteLine();
    Console.WriteLine(Report.Markdown(results, options, plan));
    return 0;
}
finally
{
    host.Dispose();
    NpgsqlConnection.ClearAllPools();
    if (!options.Keep)
    {
        await ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)");
    }

    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
}

static async Task<Checkpoint> MeasureAsync(Api api, string initialAccessToken, long clients, int requests)
{
    // A few requests of each kind first, so that the first measured ones pay no connection or JIT cost.
    for (var i = 0; i < ScaleOptions.Warmup; i++)
    {
        var warm = await api.RegisterAsync(initialAccessToken);
        await api.TokenAsync(warm);
        await api.ReadAsync(warm);
    }

    var registered = new List<Registered>(requests);
    var register = new List<double>(requests);
    for (var i = 0; i < requests; i++)
    {
        var watch = Stopwatch.StartNew();
        registered.Add(await api.RegisterAsync(initialAccessToken));
        register.Add(watch.Elapsed.TotalMilliseconds);
    }

    // Tokens and reads for clients spread over the table, not only the newest ones.
    var token = new List<double>(requests);
    foreach (var client in registered)
    {
        var watch = Stopwatch.StartNew();
        await api.TokenAsync(client);
        token.Add(watch.Elapsed.TotalMilliseconds);
    }

    var read = new List<double>(requests);
    foreach (var client in registered)
    {
        var watch = Stopwatch.StartNew();
        await api.ReadAsync(client);
        read.Add(watch.Elapsed.TotalMilliseconds);
    }

    return new Checkpoint(clients, Latency.Of(register), Latency.Of(read), Latency.Of(token), null);
}

static async Task<string> ExplainAsync(NpgsqlConnection connection, string clientId)
{
    // The query OpenIddict's EF Core store issues for every registration, read, update, delete and token request.
    await using var command = new NpgsqlCommand(
        "EXPLAIN SELECT * FROM \"OpenIddictApplications\" AS o WHERE o.\"ClientId\" = @id LIMIT 1", connection);
    command.Parameters.AddWithValue("id", clientId);
    var plan = new StringBuilder();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        plan.AppendLine(reader.GetString(0));
    }

    return plan.ToString().TrimEnd();
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

internal sealed record ScaleOptions(string PostgresAdmin, long[] Checkpoints, int Requests, string SampleAssembly, bool Keep)
{
    /// <summary>Clients registered before the measured ones at each checkpoint, to warm connections and the JIT.</summary>
    public const int Warmup = 20;

    public const string Usage = """
        dotnet run -c Release --project bench/scale -- [options]
          --postgres <connection string>  a role that may create databases (default: $DCR_BENCH_POSTGRES, then $DCR_TEST_POSTGRES)
          --checkpoints <n,n,...>         client counts at which to measure (default 0,1000,10000,100000)
          --requests <n>                  measured requests of each kind per checkpoint (default 200)
          --sample <HostSample.dll>       the sample host to start (default: samples/HostSample/bin/Release/net10.0/HostSample.dll)
          --keep                          keep the benchmark database
        """;

    public static ScaleOptions? Parse(string[] args)
    {
        string? postgres = Environment.GetEnvironmentVariable("DCR_BENCH_POSTGRES") is { Length: > 0 } bench
            ? bench
            : Environment.GetEnvironmentVariable("DCR_TEST_POSTGRES");
        long[] checkpoints = [0, 1_000, 10_000, 100_000];
        var requests = 200;
        string? sample = null;
        var keep = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--postgres": postgres = Next(); break;
                case "--checkpoints": checkpoints = Next().Split(',').Select(n => long.Parse(n, CultureInfo.InvariantCulture)).Order().ToArray(); break;
                case "--requests": requests = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--sample": sample = Next(); break;
                case "--keep": keep = true; break;
                default: return null;
            }
        }

        sample ??= Path.Combine(RepositoryRoot(), "samples", "HostSample", "bin", "Release", "net10.0", "HostSample.dll");
        if (string.IsNullOrEmpty(postgres) || !File.Exists(sample) || checkpoints.Length == 0 || requests < 1)
        {
            Console.Error.WriteLine(string.IsNullOrEmpty(postgres) ? "No PostgreSQL connection string." : $"No sample host at {sample}: dotnet build -c Release samples/HostSample");
            return null;
        }

        return new ScaleOptions(postgres, checkpoints, requests, sample, keep);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dcr.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>The sample host as a process on 127.0.0.1, on the benchmark's database, with its default settings.</summary>
internal sealed class SampleHost : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private SampleHost(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static SampleHost Start(string assembly, string connectionString, string directory)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var argument in new[]
        {
            assembly,
            "--urls", $"http://127.0.0.1:{port}",
            "--contentRoot", Path.GetDirectoryName(assembly)!,
            "--Database:Provider=PostgreSql",
            $"--ConnectionStrings:Dcr={connectionString}",
            $"--Sample:KeysPath={Path.Combine(directory, "keys.json")}",
            "--Logging:LogLevel:Default=Warning",
            "--Sample:RateLimit:PermitsPerMinute=0", // the sample's rate limiting off, as for any load test
        })
        {
            start.ArgumentList.Add(argument);
        }

        var host = new SampleHost(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        host._process.OutputDataReceived += (_, line) => host.Append(line.Data);
        host._process.ErrorDataReceived += (_, line) => host.Append(line.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    public async Task WaitUntilReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                throw new InvalidOperationException($"The sample host exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The sample host did not answer within 60 s:\n{Output}");
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

internal sealed record Registered(string ClientId, string ClientSecret, string RegistrationAccessToken, Uri ClientUri);

/// <summary>The three measured calls, over HTTP, failing loudly on any unexpected answer.</summary>
internal sealed class Api(HttpClient http)
{
    private const string Metadata = """{"client_name":"Scale benchmark","grant_types":["client_credentials"],"scope":"api"}""";

    public async Task<string> InitialAccessTokenAsync() =>
        (await TokenAsync("dcr-admin", "dcr-admin-secret", "dcr")).GetProperty("access_token").GetString()!;

    public async Task<Registered> RegisterAsync(string initialAccessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/register", UriKind.Relative))
        {
            Content = new StringContent(Metadata, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", initialAccessToken);
        var json = await SendAsync(request, HttpStatusCode.Created);
        return new Registered(
            json.GetProperty("client_id").GetString()!,
            json.GetProperty("client_secret").GetString()!,
            json.GetProperty("registration_access_token").GetString()!,
            new Uri(json.GetProperty("registration_client_uri").GetString()!));
    }

    public async Task TokenAsync(Registered client) => await TokenAsync(client.ClientId, client.ClientSecret, "api");

    /// <summary>GET the registration: with the sample's defaults it rotates the secret and the token, a read and a write.</summary>
    public async Task ReadAsync(Registered client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, client.ClientUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.RegistrationAccessToken);
        var json = await SendAsync(request, HttpStatusCode.OK);
        if (json.GetProperty("client_id").GetString() != client.ClientId)
        {
            throw new InvalidOperationException("The read answered another client.");
        }
    }

    private async Task<JsonElement> TokenAsync(string clientId, string secret, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId,
                ["client_secret"] = secret,
                ["scope"] = scope,
            }),
        };
        return await SendAsync(request, HttpStatusCode.OK);
    }

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, HttpStatusCode expected)
    {
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary>
/// Adds clients fast: COPY of clones of one real registration row, each with its own Id and ClientId, and for each
/// a clone of a real access token row issued to it, so that the token table grows with the clients as it does in
/// production.
/// </summary>
internal sealed class Seeder(NpgsqlConnection connection, RowTemplate application, RowTemplate token)
{
    public static async Task<Seeder> CreateAsync(NpgsqlConnection connection, string templateClientId)
    {
        var application = await RowTemplate.ReadAsync(connection, "OpenIddictApplications", "ClientId", templateClientId);
        var token = await RowTemplate.ReadAsync(connection, "OpenIddictTokens", "ApplicationId", (string)application["Id"]!);
        return new Seeder(connection, application, token);
    }

    public async Task<long> CountAsync()
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM \"OpenIddictApplications\"", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> SeedAsync(long count)
    {
        var ids = new string[count];
        for (long row = 0; row < count; row++)
        {
            ids[row] = Guid.NewGuid().ToString();
        }

        await application.CopyAsync(connection, count, (row, column) => column switch
        {
            "Id" => ids[row],
            "ClientId" => "seed-" + Guid.NewGuid().ToString("N"),
            "ConcurrencyToken" => Guid.NewGuid().ToString(),
            _ => RowTemplate.Same,
        });
        await token.CopyAsync(connection, count, (row, column) => column switch
        {
            "Id" => Guid.NewGuid().ToString(),
            "ApplicationId" => ids[row],
            "ConcurrencyToken" => Guid.NewGuid().ToString(),
            "ReferenceId" => null,
            _ => RowTemplate.Same,
        });
        return count;
    }
}

/// <summary>One row of a table, as read, with its columns' PostgreSQL types, to be copied many times.</summary>
internal sealed class RowTemplate(string table, string[] columns, string[] types, object?[] values)
{
    /// <summary>Keeps the template's value of a column.</summary>
    public static readonly object Same = new();

    public object? this[string column] => values[Array.IndexOf(columns, column)];

    public static async Task<RowTemplate> ReadAsync(NpgsqlConnection connection, string table, string keyColumn, string key)
    {
        await using var command = new NpgsqlCommand($"SELECT * FROM \"{table}\" WHERE \"{keyColumn}\" = @key LIMIT 1", connection);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"No {table} row with {keyColumn} = {key}.");
        }

        var range = Enumerable.Range(0, reader.FieldCount).ToArray();
        return new RowTemplate(table,
            range.Select(reader.GetName).ToArray(),
            range.Select(reader.GetDataTypeName).ToArray(),
            range.Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
    }

    public async Task CopyAsync(NpgsqlConnection connection, long rows, Func<long, string, object?> value)
    {
        var list = string.Join(", ", columns.Select(column => $"\"{column}\""));
        await using var writer = await connection.BeginBinaryImportAsync($"COPY \"{table}\" ({list}) FROM STDIN (FORMAT BINARY)");
        for (long row = 0; row < rows; row++)
        {
            await writer.StartRowAsync();
            for (var column = 0; column < columns.Length; column++)
            {
                var cell = value(row, columns[column]);
                cell = ReferenceEquals(cell, Same) ? values[column] : cell;
                if (cell is null)
                {
                    await writer.WriteNullAsync();
                }
                else
                {
                    await writer.WriteAsync(cell, types[column]);
                }
            }
        }

        await writer.CompleteAsync();
    }
}

/// <summary>Sequential and index scans per OpenIddict table, from PostgreSQL's statistics.</summary>
internal sealed record TableScans(IReadOnlyDictionary<string, (long Sequential, long Index)> Tables)
{
    public static async Task<TableScans> ReadAsync(NpgsqlConnection connection, bool settle)
    {
        if (settle)
        {
            // Server processes report their statistics when idle, at least every 10 s (PostgreSQL 15).
            await Task.Delay(TimeSpan.FromSeconds(11));
        }

        await using var command = new NpgsqlCommand(
            "SELECT relname, seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables WHERE relname LIKE 'OpenIddict%' ORDER BY relname", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new SortedDictionary<string, (long, long)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            tables[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return new TableScans(tables);
    }

    public TableScans Minus(TableScans before) => new(Tables.ToDictionary(
        table => table.Key,
        table => before.Tables.TryGetValue(table.Key, out var earlier)
            ? (table.Value.Sequential - earlier.Sequential, table.Value.Index - earlier.Index)
            : table.Value));
}

internal sealed record Latency(double P50, double P95, double P99, double Mean, int Count)
{
    public static Latency Of(List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        return new Latency(At(0.50), At(0.95), At(0.99), sorted.Average(), sorted.Length);
    }

    public string Cells() => string.Create(CultureInfo.InvariantCulture, $"{P50:F1} | {P95:F1} | {P99:F1}");
}

internal sealed record Checkpoint(long Clients, Latency Register, Latency Read, Latency Token, TableScans? Scans)
{
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Clients,9:N0} clients: register p50 {Register.P50:F1} ms, GET p50 {Read.P50:F1} ms, token p50 {Token.P50:F1} ms");
}

internal static class Report
{
    public static string Markdown(List<Checkpoint> results, ScaleOptions options, string plan)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{options.Requests} sequential requests of each kind per row; latency in ms (p50 | p95 | p99).");
        text.AppendLine();
        text.AppendLine("| clients in the table | register p50 | p95 | p99 | GET p50 | p95 | p99 | token p50 | p95 | p99 |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {result.Clients:N0} | {result.Register.Cells()} | {result.Read.Cells()} | {result.Token.Cells()} |");
        }

        if (results[^1].Scans is { } scans)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Table scans during the measurements at {results[^1].Clients:N0} clients (pg_stat_user_tables):");
            text.AppendLine();
            text.AppendLine("| table | sequential scans | index scans |");
            text.AppendLine("|---|---:|---:|");
            foreach (var (table, (sequential, index)) in scans.Tables)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {table} | {sequential} | {index} |");
            }
        }

        text.AppendLine();
        text.AppendLine("The client lookup of every request:");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(plan);
        text.AppendLine("```");
        return text.ToString();
    }
}
