using System.Globalization;

namespace Dcr.Bench.InProcess;

/// <summary>The command line: <c>&lt;cimd|last-use|admin-list&gt; [options]</c>.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/inproc -- <cimd|last-use|admin-list> [options]

          cimd        authorize + token (PKCE S256, loopback redirect) of a registered public client (A) against a
                      cached Client ID Metadata Document client (B), one host, batches alternating
          last-use    client_credentials token requests with last-use recording (A) and without it (B: OpenIddict's
                      RecordClientUse handler removed), two hosts, batches alternating
          admin-list  GET {Admin:Path}/clients?limit=50 (first page, a deep page, filtered) with N seeded clients

        options:
          --batches N          measured batches per variant (default 60)
          --batch-size N       requests (cimd: flows) per batch (default 100)
          --warmup N           warm-up requests per variant, at least (default 3000, a cimd flow counting two; admin-list: 300 per kind)
          --warmup-seconds S   warm-up time, at least (default 15; admin-list: 5 per client count)
          --clients N[,N...]   admin-list: clients in the catalog, one fresh host per count (default 100000)
          --requests N         admin-list: measured requests per kind (default 500)
          --output FILE        also write the results as JSON
        """;

    public required string Command { get; init; }

    public int Batches { get; init; } = 60;

    public int BatchSize { get; init; } = 100;

    public int? Warmup { get; init; }

    public double? WarmupSeconds { get; init; }

    public IReadOnlyList<int> Clients { get; init; } = [100_000];

    public int Requests { get; init; } = 500;

    public string? Output { get; init; }

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("cimd" or "last-use" or "admin-list"))
        {
            return null;
        }

        var options = new BenchOptions { Command = args[0] };
        for (var i = 1; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                return null;
            }

            var value = args[++i];
            options = args[i - 1] switch
            {
                "--batches" => options with { Batches = Positive(value) },
                "--batch-size" => options with { BatchSize = Positive(value) },
                "--warmup" => options with { Warmup = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) },
                "--warmup-seconds" => options with { WarmupSeconds = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) },
                "--clients" => options with { Clients = [.. value.Split(',').Select(Positive)] },
                "--requests" => options with { Requests = Positive(value) },
                "--output" => options with { Output = value },
                _ => throw new ArgumentException($"unknown option {args[i - 1]}"),
            };
        }

        return options;
    }

    private static int Positive(string text)
    {
        var value = int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        return value > 0 ? value : throw new ArgumentException($"{text} is not a positive number");
    }
}
