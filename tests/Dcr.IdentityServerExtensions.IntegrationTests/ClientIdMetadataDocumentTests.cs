using System.Net;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #16: clients whose client_id is the https URL of their Client ID Metadata Document, served by a test server on
/// 127.0.0.1 with a throwaway certificate that only the product's outbound client trusts (special-use addresses allowed
/// for the test), through the sample host's real authorization and token endpoints.
/// </summary>
public sealed class ClientIdMetadataDocumentTests : IClassFixture<ClientIdMetadataDocumentTests.Host>
{
    public const string McpServer = "https://mcp.example.com/mcp";

    public sealed class Host : IAsyncLifetime
    {
        public KeySetServer Documents { get; private set; } = null!;

        public SampleHost Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Documents = await KeySetServer.StartAsync();
            Server = new SampleHost(Settings(), Documents.TrustIn);
        }

        public async Task DisposeAsync()
        {
            Server.Dispose();
            await Documents.DisposeAsync();
        }
    }

    /// <summary>The host's settings for these tests: documents on, the test server's loopback address allowed.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["DynamicClientRegistration:ClientIdMetadataDocuments:Enabled"] = "true",
        ["DynamicClientRegistration:Network:AllowSpecialUseAddresses"] = "true",
        ["DynamicClientRegistration:Resources:Allowed:0"] = McpServer,
    };

    private readonly KeySetServer _documents;
    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public ClientIdMetadataDocumentTests(Host host)
    {
        _documents = host.Documents;
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    private static string NewPath() => $"clients/{Guid.NewGuid():N}/metadata.json";

    /// <summary>A document as MCP clients publish it: a public code-flow client with loopback redirects.</summary>
    public static string Document(string clientId, string redirectUris = """["http://127.0.0.1/callback"]""", string? extra = null) => $$"""
        {"client_id":"{{clientId}}","client_name":"CIMD test client","redirect_uris":{{redirectUris}},
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none",
         "scope":"openid offline_access api"{{(extra is null ? "" : "," + extra)}}}
        """;

    private string Publish(string? document = null, Action<HttpResponse>? headers = null)
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, document ?? Document(clientId), headers);
        return clientId;
    }

    private void Serve(string path, string body, Action<HttpResponse>? headers = null) =>
        _documents.Answer(path, context =>
        {
            context.Response.ContentType = "application/json";
            headers?.Invoke(context.Response);
            return context.Response.WriteAsync(body);
        });

    private static string PathOf(string clientId) => new Uri(clientId).AbsolutePath;

    private Task<TokenResponse> AuthorizeAndRedeemAsync(string clientId, string redirectUri = "http://127.0.0.1:41234/callback",
        string scope = "openid offline_access") =>
        _client.AuthorizationCodeAsync(clientId, null, redirectUri, scope, McpServer);

    private async Task<WireResponse> AuthorizeAsync(string clientId, string redirectUri = "http://127.0.0.1:41234/callback") =>
        await WireResponse.ReadAsync(await _client.AuthorizeAsync(clientId, redirectUri, "openid",
            Pkce.Challenge(CryptoRandom.CreateUniqueId(32)), "S256", McpServer));

    /// <summary>
    /// Behaviour 8: an error page, never a redirect, naming the cause: the rule <paramref name="id"/>, or (null) a
    /// refusal of OpenIddict's own.
    /// </summary>
    private static void ShouldBeErrorPage(WireResponse response, string? id, string cause)
    {
        response.ShouldBeErrorPage("invalid_request", id);
        response.Body.Should().Contain(cause);
    }

    [Fact]
    public async Task discovery_says_documents_are_supported_and_lists_none()
    {
        var discovery = await WireResponse.ReadAsync(await _client.Http.GetAsync("/.well-known/openid-configuration"));

        discovery.Json.GetProperty("client_id_metadata_document_supported").GetBoolean().Should().BeTrue();
        discovery.Json.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(method => method.GetString())
            .Should().Contain("none");
    }

    [Fact]
    public async Task a_document_client_authorizes_with_code_pkce_and_resource_gets_tokens_and_refreshes()
    {
        var clientId = Publish();

        var tokens = await AuthorizeAndRedeemAsync(clientId);

        tokens.ShouldSucceed();
        _documents.RequestsOf(PathOf(clientId)).Should().Be(1, "the document is fetched once and then used from the store");
        var refreshed = await _client.RefreshAsync(clientId, null, tokens.RefreshToken!, McpServer);
        refreshed.ShouldSucceed();
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(refreshed.AccessToken).Audiences.Should().Contain(McpServer);
        _documents.RequestsOf(PathOf(clientId)).Should().Be(1);
    }

    [Fact]
    public async Task a_document_client_is_catalogued_as_cimd_with_no_creator_and_its_last_use_and_the_admin_api_reads_it_by_its_url()
    {
        var clientId = Publish();
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();

        var row = await _host.CatalogRowAsync(clientId);
        row.Should().NotBeNull();
        row!.Source.Should().Be("cimd");
        row.CreatedBy.Should().BeNull();
        row.LastUsedAt.Should().NotBeNull();
        var admin = await _client.AdminTokenAsync();
        var one = await _client.AdminAsync(HttpMethod.Get, "/clients/" + Uri.EscapeDataString(clientId), admin);
        one.Status.Should().Be(System.Net.HttpStatusCode.OK, one.Body);
        one.Json.GetProperty("client_id").GetString().Should().Be(clientId);
        one.Json.GetProperty("source").GetString().Should().Be("cimd");
        (await _client.AdminAsync(HttpMethod.Get, "/clients?source=cimd&limit=500", admin)).ClientIds().Should().Contain(clientId);
        (await _client.AdminAsync(HttpMethod.Get, "/clients?source=dcr&limit=500", admin)).ClientIds().Should().NotContain(clientId);
    }

    [Fact]
    public async Task a_document_url_of_the_longest_accepted_length_authorizes_gets_tokens_and_is_catalogued_and_one_longer_is_refused()
    {
        // OpenIddict's own ClientId column holds 100 characters; the sample's holds the product's 400 (PostgreSQL in CI
        // enforces it, as SQL Server would).
        var prefix = _documents.Url("clients/").AbsoluteUri;
        var path = "clients/" + Guid.NewGuid().ToString("N") + "/" + new string('a', 400 - prefix.Length - 32 - "/metadata.json".Length - 1) + "/metadata.json";
        var clientId = _documents.Url(path).AbsoluteUri;
        clientId.Length.Should().Be(400);
        Serve(path, Document(clientId));

        var tokens = await AuthorizeAndRedeemAsync(clientId);

        tokens.ShouldSucceed();
        (await _client.RefreshAsync(clientId, null, tokens.RefreshToken!, McpServer)).ShouldSucceed();
        (await _host.CatalogRowAsync(clientId))!.Source.Should().Be("cimd");
        var admin = await _client.AdminTokenAsync();
        var one = await _client.AdminAsync(HttpMethod.Get, "/clients/" + Uri.EscapeDataString(clientId), admin);
        one.Status.Should().Be(System.Net.HttpStatusCode.OK, one.Body);
        one.Json.GetProperty("client_id").GetString().Should().Be(clientId);

        var longer = clientId.Replace("/metadata.json", "a/metadata.json", StringComparison.Ordinal);
        Serve(new Uri(longer).AbsolutePath.TrimStart('/'), Document(longer));
        ShouldBeErrorPage(await AuthorizeAsync(longer), "DCR2801", "400 characters");
        _documents.RequestsOf(new Uri(longer).AbsolutePath).Should().Be(0);
    }

    [Fact]
    public async Task claude_codes_portless_localhost_and_loopback_redirects_match_any_port()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId, """["http://localhost/callback","http://127.0.0.1/callback"]"""));

        (await AuthorizeAndRedeemAsync(clientId, "http://localhost:49821/callback")).ShouldSucceed();
        (await AuthorizeAndRedeemAsync(clientId, "http://127.0.0.1:5173/callback")).ShouldSucceed();
    }

    [Fact]
    public async Task a_document_without_token_endpoint_auth_method_and_with_unknown_members_is_a_public_client()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, $$"""
            {"client_id":"{{clientId}}","client_name":"ChatGPT-like","client_uri":"https://chat.example.com",
             "redirect_uris":["https://chat.example.com/connector/oauth/callback"],"grant_types":["authorization_code","refresh_token"],
             "response_types":["code"],"logo_uri":"https://chat.example.com/logo.png",
             "vendor_extension":{"nested":[1,2,3]},"another_unknown":"ignored"}
            """);

        var tokens = await _client.AuthorizationCodeAsync(clientId, null, "https://chat.example.com/connector/oauth/callback", "openid", McpServer);

        tokens.ShouldSucceed();
    }

    [Fact]
    public async Task a_loopback_client_registered_with_a_port_is_used_with_a_random_port()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId, """["http://127.0.0.1:33418/oauth/callback"]"""));

        (await AuthorizeAndRedeemAsync(clientId, "http://127.0.0.1:60123/oauth/callback")).ShouldSucceed();
    }

    [Fact]
    public async Task a_redirect_uri_not_in_the_document_is_refused_with_an_error_page()
    {
        var clientId = Publish();

        ShouldBeErrorPage(await AuthorizeAsync(clientId, "http://127.0.0.1:41234/elsewhere"), null, "redirect_uri");
    }

    [Theory]
    [InlineData("https://client.example.com/metadata.json#fragment", "fragment", "DCR2802")]
    [InlineData("https://user:pass@client.example.com/metadata.json", "user information", "DCR2804")]
    [InlineData("https://client.example.com/a/../metadata.json", "'.' or '..'", "DCR2805")]
    [InlineData("https://client.example.com/./metadata.json", "'.' or '..'", "DCR2805")]
    [InlineData("http://client.example.com/metadata.json", "https", "DCR2800")]
    public async Task a_client_id_that_looks_like_a_url_but_breaks_the_rules_is_refused_without_a_fetch(string clientId, string cause, string id)
    {
        var before = _documents.Requests.Count;

        ShouldBeErrorPage(await AuthorizeAsync(clientId), id, cause);

        _documents.Requests.Count.Should().Be(before);
    }

    [Fact]
    public async Task a_redirect_is_not_followed()
    {
        var target = NewPath();
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(target, Document(clientId));
        _documents.Answer(path, context =>
        {
            context.Response.Redirect(_documents.Url(target).AbsoluteUri);
            return Task.CompletedTask;
        });

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2814", "redirect");

        _documents.RequestsOf(target).Should().Be(0);
    }

    [Fact]
    public async Task a_document_whose_host_cannot_be_reached_is_refused()
    {
        // A loopback port nobody listens on (special-use addresses are allowed under these settings).
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        ShouldBeErrorPage(await AuthorizeAsync($"https://127.0.0.1:{port}/metadata.json"), "DCR2812", "could not be reached");
    }

    [Fact]
    public async Task a_missing_document_is_refused()
    {
        var clientId = _documents.Url(NewPath()).AbsoluteUri;

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2815", "did not answer 200");
    }

    [Fact]
    public async Task a_server_error_is_not_cached_and_the_next_request_fetches_the_good_document()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        _documents.Answer(path, context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });
        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2815", "did not answer 200");

        Serve(path, Document(clientId));

        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(2);
    }

    [Fact]
    public async Task a_document_that_does_not_arrive_within_the_fetch_timeout_is_refused()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _documents.Answer(path, async context =>
        {
            requested.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });

        var authorize = AuthorizeAsync(clientId);
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _host.Time.Advance(TimeSpan.FromSeconds(4));
        authorize.IsCompleted.Should().BeFalse("FetchTimeout (five seconds by default) has not passed on the product's clock");
        _host.Time.Advance(TimeSpan.FromSeconds(1));

        ShouldBeErrorPage(await authorize.WaitAsync(TimeSpan.FromSeconds(30)), "DCR2813", "did not answer in time");
    }

    [Fact]
    public async Task an_oversized_document_is_refused()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId, extra: $"\"padding\":\"{new string('x', 6000)}\""));

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2816", "too large");
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_refused()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        _documents.Answer(path, context =>
        {
            context.Response.ContentType = "text/html";
            return context.Response.WriteAsync("<html><body>Not here</body></html>");
        });

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2817", "not JSON");
    }

    [Fact]
    public async Task a_document_with_a_member_named_twice_is_refused_as_a_registration_body_would_be()
    {
        // Two parsers could disagree about which redirect_uris is the client's: the document is refused, not read.
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId, extra: "\"redirect_uris\":[\"https://attacker.example/callback\"]"));

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2817", "not JSON");
    }

    [Fact]
    public async Task a_document_naming_another_client_id_is_refused()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(_documents.Url(NewPath()).AbsoluteUri));

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2818", "client_id mismatch");
    }

    [Theory]
    [InlineData("\"token_endpoint_auth_method\":\"client_secret_post\"", "client_secret_post", "DCR2822")]
    [InlineData("\"token_endpoint_auth_method\":\"client_secret_basic\"", "client_secret_basic", "DCR2822")]
    [InlineData("\"token_endpoint_auth_method\":\"client_secret_jwt\"", "client_secret_jwt", "DCR2822")]
    [InlineData("\"client_secret\":\"s3cr3t\"", "client_secret", "DCR2820")]
    [InlineData("\"client_secret_expires_at\":0", "client_secret_expires_at", "DCR2821")]
    public async Task a_document_with_a_shared_secret_method_or_a_secret_is_refused(string member, string cause, string id)
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, $$"""
            {"client_id":"{{clientId}}","redirect_uris":["http://127.0.0.1/callback"],{{member}}}
            """);

        var page = await AuthorizeAsync(clientId);

        ShouldBeErrorPage(page, id, "forbidden authentication method");
        page.Body.Should().Contain(cause);
    }

    [Theory]
    [InlineData("\"grant_types\":[\"client_credentials\"]", "Anonymous:AllowedGrantTypes", "DCR2824")]
    [InlineData("\"scope\":\"openid dcr\"", "Anonymous:AllowedScopes", "DCR2825")]
    [InlineData("\"redirect_uris\":[\"javascript:alert(1)\"]", "invalid redirect URI", "DCR2110")]
    [InlineData("\"redirect_uris\":\"http://127.0.0.1/callback\"", "redirect_uris", "DCR2010")]
    [InlineData("\"application_type\":\"desktop\"", "not acceptable", "DCR2200")]
    public async Task a_document_outside_the_anonymous_limits_or_with_invalid_metadata_is_refused_naming_it(string member, string cause, string id)
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        var redirect = member.Contains("redirect_uris", StringComparison.Ordinal) ? "" : "\"redirect_uris\":[\"http://127.0.0.1/callback\"],";
        Serve(path, $$"""
            {"client_id":"{{clientId}}",{{redirect}}{{member}}}
            """);

        ShouldBeErrorPage(await AuthorizeAsync(clientId), id, cause);
    }

    [Fact]
    public async Task at_the_token_endpoint_a_refused_document_answers_invalid_client()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(_documents.Url(NewPath()).AbsoluteUri));

        var response = await _client.Http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            Code = "anything",
            RedirectUri = "http://127.0.0.1:41234/callback",
            CodeVerifier = CryptoRandom.CreateUniqueId(32),
        });

        response.ShouldBeProtocolError("invalid_client", "DCR2818");
        response.ErrorDescription.Should().Contain("client_id mismatch");
    }

    [Fact]
    public async Task concurrent_first_uses_of_one_document_both_succeed()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _documents.Answer(path, async context =>
        {
            requested.TrySetResult();
            await release.Task;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Document(clientId));
        });

        var first = AuthorizeAndRedeemAsync(clientId);
        var second = AuthorizeAndRedeemAsync(clientId);
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();

        (await first).ShouldSucceed();
        (await second).ShouldSucceed();
        _documents.RequestsOf(path).Should().BeInRange(1, 2, "one fetch, or a second one only if it started after the first was stored");
    }

    [Theory]
    [InlineData("max-age=60", 5 * 60)]
    [InlineData("max-age=3600", 60 * 60)]
    [InlineData("max-age=604800", 24 * 60 * 60)]
    [InlineData("no-store", 5 * 60)]
    [InlineData("no-cache, max-age=3600", 5 * 60)]
    [InlineData("public, s-maxage=7200, max-age=60", 2 * 60 * 60)]
    public async Task a_document_is_used_for_its_freshness_lifetime_clamped_and_fetched_again_when_it_ends(string cacheControl, int seconds)
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId), response => response.Headers.CacheControl = cacheControl);
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();

        _host.Time.Advance(TimeSpan.FromSeconds(seconds - 1));
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(1, "the stored client is fresh for one more second");

        _host.Time.Advance(TimeSpan.FromSeconds(1));
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(2, "the freshness lifetime has ended");
    }

    [Fact]
    public async Task an_expires_header_gives_the_lifetime_when_there_is_no_max_age()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId), response =>
        {
            // Date and Expires from the product's clock, so that their difference is what counts.
            var now = _host.Time.GetUtcNow();
            response.Headers.Date = now.ToString("R");
            response.Headers.Expires = now.AddHours(2).ToString("R");
        });
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();

        _host.Time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(1);
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        (await AuthorizeAndRedeemAsync(clientId)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(2);
    }

    [Fact]
    public async Task a_changed_redirect_uri_takes_effect_when_the_document_is_fetched_again()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId, """["http://127.0.0.1/old"]"""), response => response.Headers.CacheControl = "max-age=300");
        (await AuthorizeAndRedeemAsync(clientId, "http://127.0.0.1:41234/old")).ShouldSucceed();

        Serve(path, Document(clientId, """["http://127.0.0.1/new"]"""), response => response.Headers.CacheControl = "max-age=300");
        _host.Time.Advance(TimeSpan.FromMinutes(5));

        (await AuthorizeAndRedeemAsync(clientId, "http://127.0.0.1:41234/new")).ShouldSucceed();
        ShouldBeErrorPage(await AuthorizeAsync(clientId, "http://127.0.0.1:41234/old"), null, "redirect_uri");
    }

    [Fact]
    public async Task once_an_expired_document_turns_invalid_authorization_and_refresh_are_refused()
    {
        var path = NewPath();
        var clientId = _documents.Url(path).AbsoluteUri;
        Serve(path, Document(clientId));
        var tokens = await AuthorizeAndRedeemAsync(clientId);
        tokens.ShouldSucceed();

        Serve(path, Document(clientId, extra: "\"client_secret\":\"leaked\""));
        _host.Time.Advance(TimeSpan.FromMinutes(5));

        ShouldBeErrorPage(await AuthorizeAsync(clientId), "DCR2820", "forbidden authentication method");
        var refresh = await _client.RefreshAsync(clientId, null, tokens.RefreshToken!, McpServer);
        refresh.ShouldBeProtocolError("invalid_client", "DCR2820");
        refresh.ErrorDescription.Should().Contain("client_secret");

        // Not remembered: the document fixed, the very next request is served.
        Serve(path, Document(clientId));
        (await _client.RefreshAsync(clientId, null, tokens.RefreshToken!, McpServer)).ShouldSucceed();
    }
}
