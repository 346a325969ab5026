using System.Globalization;

namespace Dcr.Bench;

/// <summary>The command line of the load tool.</summary>
internal sealed class BenchOptions
{
    public static readonly string[] Scenarios = ["register", "token", "token-pbkdf2", "manage", "read", "update", "mixed"];

    /// <summary>The values of --expect-rotation: what a successful GET or PUT is expected to rotate.</summary>
    public static readonly string[] Rotations = ["none", "registration-access-token", "both"];

    public Uri Url { get; private set; } = new("http://127.0.0.1:5055");

    public string Scenario { get; private set; } = "token";

    public int Concurrency { get; private set; } = 16;

    /// <summary>Measured seconds, after the warm-up.</summary>
    public double Duration { get; private set; } = 20;

    /// <summary>Unmeasured seconds before the measurement starts.</summary>
    public double Warmup { get; private set; } = 5;

    /// <summary>Upper bound of measured requests; 0 means no bound other than the duration.</summary>
    public long MaxRequests { get; private set; }

    /// <summary>Clients registered in setup for the token, manage, update and mixed scenarios.</summary>
    public int Clients { get; private set; } = 64;

    public string AdminId { get; private set; } = "dcr-admin";

    public string AdminSecret { get; private set; } = "dcr-admin-secret";

    /// <summary>
    /// An initial access token to use as is (a server with a static one, such as the peer); when null the tool fetches one
    /// with the admin client's credentials.
    /// </summary>
    public string? InitialAccessToken { get; private set; }

    /// <summary>The scope dynamically registered clients register and request.</summary>
    public string Scope { get; private set; } = "api";

    /// <summary>The scope that initial access tokens carry (and the seeded admin client requests).</summary>
    public string DcrScope { get; private set; } = "dcr";

    public string RegistrationPath { get; private set; } = "/connect/register";

    public string TokenPath { get; private set; } = "/connect/token";

    public double TimeoutSeconds { get; private set; } = 60;

    /// <summary>
    /// What the server is expected to rotate on every successful GET and PUT (none, registration-access-token, both); a
    /// response that rotates anything else is counted as an <c>unexpected_rotation</c> error. Null: whatever it does.
    /// </summary>
    public string? ExpectRotation { get; private set; }

    /// <summary>Writes the initial access token and the set-up clients to this file after set-up.</summary>
    public string? SaveClients { get; private set; }

    /// <summary>
    /// Uses the initial access token and the clients of a file written by --save-clients instead of fetching and
    /// registering them: the measured requests are then the first the server sees (the warm-up measurement).
    /// </summary>
    public string? LoadClients { get; private set; }

    public string? Output { get; private set; }

    /// <summary>The host's process id, to report its CPU time per request (same machine only).</summary>
    public int? HostPid { get; private set; }

    public bool Help { get; private set; }

    public static string Usage =>
        """
        Dcr.Bench: a closed-loop HTTP load generator for the dynamic client registration sample host.

        Usage:
          dotnet run --project bench/Dcr.Bench -c Release -- --url http://127.0.0.1:5055 --scenario token [options]
          dotnet run --project bench/Dcr.Bench -c Release -- report --input DIR --output FILE
                    (the markdown summary of a bench/run.sh results directory)

        Scenarios:
          register       POST {registration path}; one initial access token fetched up front and reused
          token          client_credentials at the token endpoint, clients registered in setup, round-robin,
                         client_secret_basic (their secrets are stored as SHA-256 by this product)
          token-pbkdf2   client_credentials with the seeded admin client (secret hashed by OpenIddict's PBKDF2), scope dcr
          manage         GET registration_client_uri; each worker owns clients and follows every rotated
                         registration_access_token and client_secret
          read           the same GET, named for a server that rotates nothing on GET (use with
                         --expect-rotation none)
          update         PUT registration_client_uri (full body including client_id), following rotations
          mixed          20% register, 50% token, 25% read (GET), 5% update

        Options:
          --url URL                 base address of the host               (default http://127.0.0.1:5055)
          --scenario NAME           one of the scenarios above             (default token)
          --concurrency N           concurrent workers = connections       (default 16)
          --duration S              measured seconds                       (default 20)
          --warmup S                unmeasured seconds before that         (default 5)
          --max-requests N          stop after N measured requests         (default: no bound)
          --clients N               clients registered in setup            (default 64; at least --concurrency
                                    for manage, update and mixed)
          --admin-id ID             client that obtains initial access tokens (default dcr-admin)
          --admin-secret SECRET                                            (default dcr-admin-secret)
          --initial-access-token T  use T as the initial access token instead of fetching one with the admin
                                    client (a server with a static token, e.g. bench/peer: bench-initial-access-token)
          --scope SCOPE             scope of registered clients            (default api)
          --dcr-scope SCOPE         scope of initial access tokens         (default dcr)
          --registration-path P     (default /connect/register)
          --token-path P            (default /connect/token)
          --timeout S               per-request timeout                    (default 60)
          --expect-rotation WHAT    what every successful GET and PUT must rotate: none,
                                    registration-access-token or both; any other rotation counts
                                    as an unexpected_rotation error      (default: not checked)
          --save-clients FILE       write the initial access token and the set-up clients to FILE
          --load-clients FILE       use those of FILE instead of fetching and registering (a fresh
                                    server's first requests are then the measured ones)
          --host-pid PID            the host's process id, when it runs on this machine: reports its CPU time
                                    per measured request
          --output FILE             also write the result as JSON
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help" or "-?")
            {
                options.Help = true;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{name}'.");
            }

            string value;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"Option '{name}' needs a value.");
                }

                value = args[++i];
            }

            switch (name)
            {
                case "--url":
                    options.Url = Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                        ? url
                        : throw new ArgumentException($"--url: '{value}' is not an absolute http(s) address.");
                    break;
                case "--scenario":
                    options.Scenario = Scenarios.Contains(value, StringComparer.Ordinal)
                        ? value
                        : throw new ArgumentException($"--scenario: '{value}' is not one of {string.Join(", ", Scenarios)}.");
                    break;
                case "--concurrency":
                    options.Concurrency = ParseInt(name, value, 1);
                    break;
                case "--duration":
                    options.Duration = ParseSeconds(name, value, allowZero: false);
                    break;
                case "--warmup":
                    options.Warmup = ParseSeconds(name, value, allowZero: true);
                    break;
                case "--max-requests":
                    options.MaxRequests = ParseLong(name, value, 0);
                    break;
                case "--clients":
                    options.Clients = ParseInt(name, value, 1);
                    break;
                case "--admin-id":
                    options.AdminId = value;
                    break;
                case "--admin-secret":
                    options.AdminSecret = value;
                    break;
                case "--initial-access-token":
                    options.InitialAccessToken = value.Length > 0
                        ? value
                        : throw new ArgumentException("--initial-access-token: the token must not be empty.");
                    break;
                case "--scope":
                    options.Scope = value;
                    break;
                case "--dcr-scope":
                    options.DcrScope = value;
                    break;
                case "--registration-path":
                    options.RegistrationPath = value;
                    break;
                case "--token-path":
                    options.TokenPath = value;
                    break;
                case "--timeout":
                    options.TimeoutSeconds = ParseSeconds(name, value, allowZero: false);
                    break;
                case "--expect-rotation":
                    options.ExpectRotation = Rotations.Contains(value, StringComparer.Ordinal)
                        ? value
                        : throw new ArgumentException($"--expect-rotation: '{value}' is not one of {string.Join(", ", Rotations)}.");
                    break;
                case "--save-clients":
                    options.SaveClients = value;
                    break;
                case "--load-clients":
                    options.LoadClients = File.Exists(value)
                        ? value
                        : throw new ArgumentException($"--load-clients: no file '{value}'.");
                    break;
                case "--host-pid":
                    options.HostPid = ParseInt(name, value, 1);
                    break;
                case "--output":
                    options.Output = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        return options;
    }

    private static int ParseInt(string name, string value, int minimum) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= minimum
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not an integer >= {minimum}.");

    private static long ParseLong(string name, string value, long minimum) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= minimum
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not an integer >= {minimum}.");

    private static double ParseSeconds(string name, string value, bool allowZero) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            && double.IsFinite(result) && (result > 0 || (allowZero && result == 0))
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not a number of seconds{(allowZero ? " >= 0" : " > 0")}.");
}
