using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace HostSample;

/// <summary>
/// <c>Sample:WarmUpSeconds</c>: before the host listens, the same application runs as a scratch instance (its own
/// SQLite database and keys in a temporary directory, on a free loopback port) and is driven with registrations, token
/// requests and RFC 7592 reads for that long, then stopped and deleted. .NET compiles code per process, so the real
/// instance starts with its hot paths already optimized, and nothing of the warm-up reaches its database or its
/// clients (the scratch instance logs errors only, and one line says how the warm-up went). Measured (bench/README.md,
/// "Warm-up"): a fresh instance's first 10 s ran at about a third of its steady token rate and half its registration
/// rate while the JIT caught up; ReadyToRun and the runtime's tiering settings did not close that. The price is a later
/// readiness, by the warm-up's length; off (0) by default.
/// </summary>
internal static partial class SampleWarmUp
{
    private const int Workers = 8;

    // A scratch instance that fails this often is not warming anything: stop rather than spin.
    private const int MaxFailures = 100;

    /// <summary>
    /// Runs the warm-up and returns what to log once the real instance has a logger; never throws for the warm-up's own
    /// failures (the real instance starts regardless).
    /// </summary>
    public static async Task<Action<ILogger>> RunAsync(
        string[] args, SampleOptions sample, TimeSpan duration, Func<WebApplicationBuilder, Task<WebApplication>> buildSample)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dcr-sample-warmup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            // The command line's own settings first, so that the scratch instance is configured as the real one is
            // (options, paths, rotation); then what makes it a scratch instance. The last value of a key wins.
            string[] scratch =
            [
                .. args,
                "--urls=http://127.0.0.1:0",
                "--Database:Provider=Sqlite",
                "--Database:Migrate=true",
                $"--ConnectionStrings:Dcr=Data Source={Path.Combine(directory, "warmup.db")}",
                $"--Sample:KeysPath={Path.Combine(directory, "keys.json")}",
                "--Sample:WarmUpSeconds=0",
                "--Sample:AdminPassword=",
                "--Sample:Telemetry:Enabled=false",
                "--Sample:RateLimit:PermitsPerMinute=0",
                "--Logging:LogLevel:Default=Error",
            ];
            // The same arguments and working directory give it the real instance's content root (appsettings.json).
            await using var app = await buildSample(WebApplication.CreateBuilder(scratch));
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            var (succeeded, failed) = await DriveAsync(address, sample, duration);
            await app.StopAsync();
            var seconds = stopwatch.Elapsed.TotalSeconds;
            return logger => WarmedUp(logger, succeeded, failed, seconds);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            var seconds = stopwatch.Elapsed.TotalSeconds;
            return logger => WarmUpFailed(logger, exception, seconds);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open on some platform: the temporary directory's owner cleans it up.
            }
        }
    }

    private static async Task<(long Succeeded, long Failed)> DriveAsync(Uri address, SampleOptions sample, TimeSpan duration)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Workers }) { BaseAddress = address };
        var initialAccessToken = await ClientCredentialsAsync(http, sample.AdminClientId, sample.AdminClientSecret, "dcr")
            ?? throw new InvalidOperationException("The scratch instance issued no initial access token to the administrative client.");
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long succeeded = 0, failed = 0;

        async Task WorkAsync()
        {
            Registered? client = null;
            for (var step = 0; Stopwatch.GetTimestamp() < deadline && Interlocked.Read(ref failed) < MaxFailures; step++)
            {
                // Mostly token requests, as a server's traffic is; a registration and a read (which rotates with the
                // sample's defaults) every tenth step.
                bool answered;
                if (client is null || step % 10 == 0)
                {
                    client = await RegisterAsync(http, initialAccessToken);
                    answered = client is not null;
                }
                else if (step % 10 == 5 && client.RegistrationClientUri is not null)
                {
                    client = await ReadAsync(http, client);
                    answered = client is not null;
                }
                else
                {
                    answered = await ClientCredentialsAsync(http, client.ClientId, client.ClientSecret, "api") is not null;
                }

                Interlocked.Increment(ref answered ? ref succeeded : ref failed);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)));
        return (succeeded, failed);
    }

    // Without management (Management:Enabled=false) a registration has no registration_client_uri and the warm-up reads
    // nothing back.
    private sealed record Registered(string ClientId, string ClientSecret, string? RegistrationClientUri, string? RegistrationAccessToken);

    private static async Task<Registered?> RegisterAsync(HttpClient http, string initialAccessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/register")
        {
            Content = new StringContent("""{"grant_types":["client_credentials"],"scope":"api","client_name":"Sample warm-up"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", initialAccessToken);
        return Read(await SendAsync(http, request), previous: null);
    }

    private static async Task<Registered?> ReadAsync(HttpClient http, Registered client)
    {
        // Its path only: a pinned Sample:Issuer names another host than the scratch instance's loopback port.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.RegistrationClientUri!).PathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.RegistrationAccessToken);
        return Read(await SendAsync(http, request), client);
    }

    private static async Task<string?> ClientCredentialsAsync(HttpClient http, string clientId, string clientSecret, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", scope)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(clientSecret))));
        using var body = await SendAsync(http, request);
        return body is not null && body.RootElement.TryGetProperty("access_token", out var token) ? token.GetString() : null;
    }

    private static async Task<JsonDocument?> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    // A read that rotated nothing (rotation configured off) answers without the secret or the token: keep the old ones.
    private static Registered? Read(JsonDocument? body, Registered? previous)
    {
        using (body)
        {
            if (body is null)
            {
                return null;
            }

            var root = body.RootElement;
            string? Member(string name) => root.TryGetProperty(name, out var value) ? value.GetString() : null;
            var clientId = Member("client_id") ?? previous?.ClientId;
            var secret = Member("client_secret") ?? previous?.ClientSecret;
            var uri = Member("registration_client_uri") ?? previous?.RegistrationClientUri;
            var token = Member("registration_access_token") ?? previous?.RegistrationAccessToken;
            return clientId is null || secret is null ? null : new Registered(clientId, secret, uri, token);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Warm-up: {Succeeded} requests answered by a scratch instance ({Failed} failed) in {Seconds:0.0} s; starting.")]
    private static partial void WarmedUp(ILogger logger, long succeeded, long failed, double seconds);

    [LoggerMessage(2, LogLevel.Warning, "Warm-up stopped after {Seconds:0.0} s by an error; starting without it.")]
    private static partial void WarmUpFailed(ILogger logger, Exception exception, double seconds);
}
