using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.Bench.InProcess;

/// <summary>
/// <c>cimd</c>: authorize + token of a dynamically registered public client (A) against a Client ID Metadata Document
/// client (B) whose document was fetched once before the measurement and is then served from the cache; one host.
/// </summary>
internal static class CimdBench
{
    private const string Scope = "openid api";

    private const string DocumentPath = "bench/client-metadata.json";

    public static async Task<object> RunAsync(BenchOptions options)
    {
        await using var documents = await KeySetServer.StartAsync();
        var commands = new CommandCounter();
        using var host = new BenchHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:ClientIdMetadataDocuments:Enabled"] = "true",
            ["DynamicClientRegistration:Network:AllowSpecialUseAddresses"] = "true",
        }, services =>
        {
            documents.TrustIn(services);
            services.AddSingleton<IInterceptor>(commands);
        });
        commands.Observe(host);
        using var http = host.CreateBenchClient();
        var calls = new OAuthCalls(http);

        // A: registered once with an initial access token, as a public code-flow client with the loopback redirect.
        var initialAccessToken = await calls.ClientCredentialsAsync(OAuthCalls.AdminClientId, OAuthCalls.AdminClientSecret, "dcr");
        using var registered = await calls.RegisterAsync($$"""
            {"client_name":"bench registered public client","redirect_uris":["{{OAuthCalls.RedirectUri}}"],
             "grant_types":["authorization_code"],"response_types":["code"],"token_endpoint_auth_method":"none","scope":"{{Scope}}"}
            """, initialAccessToken);
        var registeredId = registered.RootElement.GetProperty("client_id").GetString()!;

        // B: the same metadata published as a document at an https URL, which is the client_id.
        var documentClientId = documents.Url(DocumentPath).AbsoluteUri;
        var document = $$"""
            {"client_id":{{JsonSerializer.Serialize(documentClientId)}},"client_name":"bench CIMD client",
             "redirect_uris":["{{OAuthCalls.RedirectUri}}"],"grant_types":["authorization_code"],"response_types":["code"],
             "token_endpoint_auth_method":"none","scope":"{{Scope}}"}
            """;
        documents.Answer(DocumentPath, context =>
        {
            // A day of freshness: the measured flows, minutes later, must find the document in the cache.
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "max-age=86400";
            return context.Response.WriteAsync(document);
        });

        var beforeFirst = documents.Requests.Count;
        await calls.AuthorizeAndRedeemAsync(documentClientId, Scope);
        var firstFlowFetches = documents.Requests.Count - beforeFirst;
        Console.WriteLine($"document server: {firstFlowFetches} request(s) during the CIMD client's first flow (expected 1: the fetch)");

        var a = new Variant("registered public client", () => calls.AuthorizeAndRedeemAsync(registeredId, Scope));
        var b = new Variant("CIMD client (cached document)", () => calls.AuthorizeAndRedeemAsync(documentClientId, Scope));
        var beforeRun = documents.Requests.Count;
        var result = await AbRunner.RunAsync(a, b, options, "flow", requestsPerOperation: 2);
        var fetchesDuringRun = documents.Requests.Count - beforeRun;
        var commandsA = await CommandCounts.OfAsync(commands, a);
        var commandsB = await CommandCounts.OfAsync(commands, b);

        Console.WriteLine($"document server: {fetchesDuringRun} request(s) during warm-up and measurement (expected 0: every flow hit the cache)");
        Console.WriteLine();
        Console.WriteLine("Authorize (GET /connect/authorize, 302 with the code) + token (POST /connect/token, authorization_code with " +
            "the PKCE verifier), scope \"openid api\", one flow at a time:");
        Console.WriteLine();
        Console.WriteLine(AbRunner.Table(result));
        Console.WriteLine();
        Console.WriteLine(CommandCounts.Table("flow", commandsA, commandsB));
        return new
        {
            ab = result,
            document_requests_first_flow = firstFlowFetches,
            document_requests_during_run = fetchesDuringRun,
            commands_per_flow_a = commandsA,
            commands_per_flow_b = commandsB,
        };
    }
}
