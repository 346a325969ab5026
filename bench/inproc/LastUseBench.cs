using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Dcr.Bench.InProcess;

/// <summary>
/// <c>last-use</c>: client_credentials token requests of a registered confidential client with the sample as it is (A)
/// against the same sample without last-use recording (B): there is no option to switch it off, so B removes the
/// handler that records it (<c>RecordClientUse</c>, internal to the OpenIddict adapter) from OpenIddict's server
/// options, found by its type name. Two hosts; the run checks that B records nothing and A does.
/// </summary>
internal static class LastUseBench
{
    private const string RecordClientUseTypeName = "Dcr.IdentityServerExtensions.OpenIddict.RecordClientUse";

    public static async Task<object> RunAsync(BenchOptions options)
    {
        var removed = 0;
        var commandsOfA = new CommandCounter();
        var commandsOfB = new CommandCounter();
        using var withRecording = new BenchHost(configureServices: services => services.AddSingleton<IInterceptor>(commandsOfA));
        using var withoutRecording = new BenchHost(configureServices: services =>
        {
            services.AddSingleton<IInterceptor>(commandsOfB);
            services.PostConfigure<OpenIddictServerOptions>(server =>
                removed += server.Handlers.RemoveAll(descriptor => descriptor.ServiceDescriptor.ServiceType.FullName == RecordClientUseTypeName));
        });

        commandsOfA.Observe(withRecording);
        commandsOfB.Observe(withoutRecording);
        var a = await PrepareAsync(withRecording);
        var b = await PrepareAsync(withoutRecording);
        Console.WriteLine($"B host: {removed} handler descriptor(s) of {RecordClientUseTypeName} removed from OpenIddictServerOptions.Handlers (expected 1)");
        Console.WriteLine($"after one token request: last_used_at in the admin API is {a.LastUsedAt} in A (expected a time), " +
            $"{b.LastUsedAt} in B (expected null)");
        if (removed != 1 || a.LastUsedAt == "null" || b.LastUsedAt != "null")
        {
            throw new InvalidOperationException("the A/B set-up is not what it should be: see the two lines above");
        }

        var variantA = new Variant("last use recorded (the sample as it is)", () => a.Calls.ClientCredentialsAsync(a.ClientId, a.Secret, "api"));
        var variantB = new Variant("RecordClientUse removed", () => b.Calls.ClientCredentialsAsync(b.ClientId, b.Secret, "api"));
        var result = await AbRunner.RunAsync(variantA, variantB, options, "request");
        var commandsA = await CommandCounts.OfAsync(commandsOfA, variantA);
        var commandsB = await CommandCounts.OfAsync(commandsOfB, variantB);

        Console.WriteLine();
        Console.WriteLine("client_credentials (client_secret_basic, scope api) of one registered client per host, one request at a time:");
        Console.WriteLine();
        Console.WriteLine(AbRunner.Table(result));
        Console.WriteLine();
        Console.WriteLine($"last-use recording adds {(1 / result.CpuRatio - 1) * 100:F1} % to a token request's process CPU " +
            $"(A/B - 1), {(1 / result.MinRatio - 1) * 100:F1} % to the fastest batch, {(1 / result.MedianRatio - 1) * 100:F1} % to the median batch");
        Console.WriteLine();
        Console.WriteLine(CommandCounts.Table("request", commandsA, commandsB));
        a.Calls.Http.Dispose();
        b.Calls.Http.Dispose();
        return new
        {
            ab = result,
            handlers_removed_in_b = removed,
            last_used_at_a = a.LastUsedAt,
            last_used_at_b = b.LastUsedAt,
            recording_overhead_cpu_percent = (1 / result.CpuRatio - 1) * 100,
            recording_overhead_min_batch_percent = (1 / result.MinRatio - 1) * 100,
            commands_per_request_a = commandsA,
            commands_per_request_b = commandsB,
        };
    }

    private sealed record Prepared(OAuthCalls Calls, string ClientId, string Secret, string LastUsedAt);

    private static async Task<Prepared> PrepareAsync(BenchHost host)
    {
        var calls = new OAuthCalls(host.CreateBenchClient());
        var initialAccessToken = await calls.ClientCredentialsAsync(OAuthCalls.AdminClientId, OAuthCalls.AdminClientSecret, "dcr");
        using var registered = await calls.RegisterAsync("""
            {"client_name":"bench confidential client","grant_types":["client_credentials"],"response_types":[],
             "token_endpoint_auth_method":"client_secret_basic","scope":"api"}
            """, initialAccessToken);
        var clientId = registered.RootElement.GetProperty("client_id").GetString()!;
        var secret = registered.RootElement.GetProperty("client_secret").GetString()!;

        await calls.ClientCredentialsAsync(clientId, secret, "api");
        var adminToken = await calls.ClientCredentialsAsync(OAuthCalls.AdminClientId, OAuthCalls.AdminClientSecret, "dcr:admin");
        var adminPath = host.Services.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value.Admin.Path;
        using var client = await calls.GetJsonAsync($"{adminPath}/clients/{Uri.EscapeDataString(clientId)}", adminToken);
        var lastUsed = client.RootElement.GetProperty("last_used_at");
        return new Prepared(calls, clientId, secret, lastUsed.ValueKind == JsonValueKind.Null ? "null" : lastUsed.GetRawText());
    }
}
