using System.Net;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Registration and token flows exactly as MCP hosts and agent SDKs perform them: anonymous registration of a public
/// client with a loopback redirect URI, code + PKCE + RFC 8707 resource, refresh.
/// </summary>
public sealed class McpRegistrationTests : IClassFixture<McpRegistrationTests.Host>
{
    public const string McpServer = "https://mcp.example.com/mcp";

    // The MCP TypeScript SDK's registration body, byte for byte in its members: no application_type, no token.
    public const string TypeScriptSdkBody = """
        {"client_name":"MCP Inspector","redirect_uris":["http://localhost:6274/oauth/callback"],
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}
        """;

    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:RequireInitialAccessToken"] = "false",
            ["DynamicClientRegistration:Resources:Allowed:0"] = McpServer,
        });

        public void Dispose() => Server.Dispose();
    }

    private readonly DcrTestClient _client;

    public McpRegistrationTests(Host host)
    {
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task the_typescript_sdk_registration_is_accepted_anonymously_as_a_public_web_client()
    {
        var response = await _client.PostRegistrationAsync(TypeScriptSdkBody, bearer: null);

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        var json = response.Json;
        json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        json.GetProperty("application_type").GetString().Should().Be("web");
        json.GetProperty("redirect_uris")[0].GetString().Should().Be("http://localhost:6274/oauth/callback");
        json.TryGetProperty("client_secret", out _).Should().BeFalse("a public client gets no secret");
    }

    [Fact]
    public async Task an_mcp_client_completes_code_pkce_and_resource_then_refreshes_with_the_resource_kept()
    {
        var registered = RegisteredClient.From((await _client.PostRegistrationAsync(TypeScriptSdkBody, bearer: null)).Json);

        // The SDK listens on whatever port it got, not the one it registered (RFC 8252 §7.3).
        var tokens = await _client.AuthorizationCodeAsync(registered.ClientId, null, "http://localhost:53123/oauth/callback",
            "openid offline_access", McpServer);

        tokens.ShouldSucceed();
        Audiences(tokens.AccessToken!).Should().Equal(McpServer);
        tokens.RefreshToken.Should().NotBeNullOrEmpty();

        var refreshed = await _client.RefreshAsync(registered.ClientId, null, tokens.RefreshToken!);
        refreshed.ShouldSucceed();
        Audiences(refreshed.AccessToken!).Should().Equal(McpServer);
        refreshed.RefreshToken.Should().NotBeNullOrEmpty().And.NotBe(tokens.RefreshToken, "public clients' refresh tokens rotate on every use");

        var narrowed = await _client.RefreshAsync(registered.ClientId, null, refreshed.RefreshToken!, McpServer);
        narrowed.ShouldSucceed();
        Audiences(narrowed.AccessToken!).Should().Equal(McpServer);
    }

    [Fact]
    public async Task a_refresh_cannot_widen_the_resources_of_the_grant()
    {
        var registered = RegisteredClient.From((await _client.PostRegistrationAsync(TypeScriptSdkBody, bearer: null)).Json);
        var tokens = await _client.AuthorizationCodeAsync(registered.ClientId, null, "http://localhost:6274/oauth/callback", "openid offline_access");
        tokens.ShouldSucceed();

        var widened = await _client.RefreshAsync(registered.ClientId, null, tokens.RefreshToken!, McpServer);

        widened.ShouldBeProtocolError("invalid_target", null);
    }

    [Theory]
    [InlineData("http://localhost/callback", "http://localhost:49152/callback")]
    [InlineData("http://127.0.0.1/callback", "http://127.0.0.1:61000/callback")]
    [InlineData("http://127.0.0.1:8080/callback", "http://127.0.0.1:9090/callback")]
    [InlineData("http://[::1]/callback", "http://[::1]:50000/callback")]
    [InlineData("http://localhost:3000/callback", "http://localhost/callback")]
    public async Task a_loopback_redirect_uri_matches_any_port_whether_registered_with_one_or_not(string registeredUri, string requestedUri)
    {
        var registered = await RegisterPublicAsync(registeredUri, applicationType: null);

        var tokens = await _client.AuthorizationCodeAsync(registered.ClientId, null, requestedUri, "openid", McpServer);

        tokens.ShouldSucceed();
    }

    [Theory]
    [InlineData("http://localhost:5555/other")]
    [InlineData("http://127.0.0.1:5555/callback")]
    [InlineData("https://localhost:5555/callback")]
    [InlineData("http://localhost:5555/callback?x=1")]
    public async Task a_loopback_redirect_uri_with_another_host_path_scheme_or_query_is_refused_without_a_redirect(string requestedUri)
    {
        var registered = await RegisterPublicAsync("http://localhost/callback", applicationType: null);

        using var authorize = await _client.AuthorizeAsync(registered.ClientId, requestedUri, "openid",
            Pkce.Challenge(CryptoRandom.CreateUniqueId(32)), "S256");

        // OpenIddict's own refusal of a redirect URI the client did not register.
        (await WireResponse.ReadAsync(authorize)).ShouldBeErrorPage("invalid_request", null);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("native")]
    public async Task both_application_types_sdks_send_are_accepted_with_a_loopback_redirect(string applicationType)
    {
        var registered = await RegisterPublicAsync("http://127.0.0.1:33418/", applicationType);

        (await _client.AuthorizationCodeAsync(registered.ClientId, null, "http://127.0.0.1:40000/", "openid", McpServer)).ShouldSucceed();
    }

    [Theory]
    [InlineData("""{"redirect_uris":["http://app.example.com/cb"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri", "DCR2112")]
    // The implicit grant is not allowed here at all, so it is refused as such before its redirect URI is looked at.
    [InlineData("""{"redirect_uris":["http://localhost/cb"],"token_endpoint_auth_method":"none","grant_types":["implicit"],"response_types":["token"]}""", "invalid_client_metadata", "DCR2203")]
    [InlineData("""{"redirect_uris":["http://localhost/cb#frag"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri", "DCR2102")]
    public async Task http_stays_refused_outside_loopback_public_code_clients(string body, string error, string id)
    {
        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, error, id);
    }

    [Fact]
    public async Task a_confidential_web_client_may_not_use_an_http_loopback_redirect()
    {
        var response = await _client.PostRegistrationAsync("""{"redirect_uris":["http://localhost/cb"]}""", await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri", "DCR2111");
    }

    [Fact]
    public async Task plain_pkce_and_a_missing_challenge_method_are_refused_at_the_authorization_endpoint()
    {
        var registered = await RegisterPublicAsync("http://localhost/callback", applicationType: null);

        foreach (var method in new[] { "plain", null })
        {
            using var authorize = await _client.AuthorizeAsync(registered.ClientId, "http://localhost:40000/callback", "openid",
                "challenge-challenge-challenge-challenge-challenge", method);

            // Refused by OpenIddict itself (the sample lists S256 only) before the redirect URI is trusted: an error page,
            // never a redirect.
            var page = await WireResponse.ReadAsync(authorize);
            page.ShouldBeErrorPage("invalid_request", null);
            page.Body.Should().Contain("code_challenge_method");
        }
    }

    [Fact]
    public async Task a_resource_not_on_the_list_is_refused_with_invalid_target()
    {
        var registered = await RegisterPublicAsync("http://localhost/callback", applicationType: null);

        using var authorize = await _client.AuthorizeAsync(registered.ClientId, "http://localhost:40000/callback", "openid",
            Pkce.Challenge(CryptoRandom.CreateUniqueId(32)), "S256", resource: "https://other.example.com/mcp");

        (await WireResponse.ReadAsync(authorize)).ShouldBeErrorPage("invalid_target", null);
    }

    [Fact]
    public async Task a_registered_confidential_client_gets_the_resource_as_audience_with_client_credentials()
    {
        var registered = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        var token = await _client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = registered.ClientId,
            ClientSecret = registered.ClientSecret,
            Scope = "api",
            Parameters = new Parameters { { "resource", McpServer } },
        });
        token.ShouldSucceed();
        Audiences(token.AccessToken!).Should().Equal(McpServer);

        var other = await _client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = registered.ClientId,
            ClientSecret = registered.ClientSecret,
            Scope = "api",
            Parameters = new Parameters { { "resource", "https://other.example.com/" } },
        });
        other.ShouldBeProtocolError("invalid_target", null);
    }

    [Fact]
    public async Task discovery_lists_none_s256_only_and_the_iss_response_parameter()
    {
        var discovery = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        discovery.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(value => value.GetString())
            .Should().Contain("none").And.Contain("client_secret_basic");
        discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(value => value.GetString())
            .Should().Equal("S256");
        discovery.GetProperty("authorization_response_iss_parameter_supported").GetBoolean().Should().BeTrue();
        discovery.GetProperty("registration_endpoint").GetString().Should().EndWith("/connect/register");
    }

    [Fact]
    public async Task the_sample_api_publishes_rfc_9728_metadata_and_refuses_tokens_for_another_resource()
    {
        var metadata = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/oauth-protected-resource/api")).RootElement;
        var apiResource = metadata.GetProperty("resource").GetString()!;
        apiResource.Should().EndWith("/api");
        var discovery = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        metadata.GetProperty("authorization_servers")[0].GetString().Should().Be(discovery.GetProperty("issuer").GetString());

        var registered = await RegisterPublicAsync("http://localhost/callback", applicationType: null);
        var forApi = await _client.AuthorizationCodeAsync(registered.ClientId, null, "http://localhost:40000/callback", "openid", apiResource);
        forApi.ShouldSucceed();
        (await _client.CallApiAsync(forApi.AccessToken!)).Should().Be(HttpStatusCode.OK);

        var forMcp = await _client.AuthorizationCodeAsync(registered.ClientId, null, "http://localhost:40000/callback", "openid", McpServer);
        forMcp.ShouldSucceed();
        (await _client.CallApiAsync(forMcp.AccessToken!)).Should().Be(HttpStatusCode.Forbidden, "the token was issued for another resource");
    }

    [Fact]
    public async Task duende_identitymodel_registers_a_public_client_without_a_token()
    {
        var response = await _client.Http.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = DcrTestClient.RegistrationPath,
            Document = new DynamicClientRegistrationDocument
            {
                ClientName = "agent",
                RedirectUris = { new Uri("http://127.0.0.1/callback") },
                GrantTypes = { "authorization_code", "refresh_token" },
                ResponseTypes = { "code" },
                TokenEndpointAuthenticationMethod = "none",
            },
        });

        response.IsError.Should().BeFalse(response.Raw);
        (await _client.AuthorizationCodeAsync(response.ClientId!, null, "http://127.0.0.1:45678/callback", "openid")).ShouldSucceed();
    }

    private async Task<RegisteredClient> RegisterPublicAsync(string redirectUri, string? applicationType)
    {
        var body = new Dictionary<string, object>
        {
            ["client_name"] = "agent",
            ["redirect_uris"] = new[] { redirectUri },
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["token_endpoint_auth_method"] = "none",
        };
        if (applicationType is not null)
        {
            body["application_type"] = applicationType;
        }

        var response = await _client.PostRegistrationAsync(JsonSerializer.Serialize(body), bearer: null);
        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        return RegisteredClient.From(response.Json);
    }

    private static IEnumerable<string> Audiences(string accessToken) => new JsonWebToken(accessToken).Audiences;
}

/// <summary>PKCE plain on a host that still allows it: refused for dynamically registered clients only.</summary>
public sealed class PlainPkceTests
{
    [Fact]
    public async Task a_dynamically_registered_client_must_use_s256_even_where_the_host_allows_plain_and_the_hosts_own_clients_keep_it()
    {
        using var host = new SampleHost(configureServices: services =>
            services.PostConfigure<OpenIddictServerOptions>(options => options.CodeChallengeMethods.Add("plain")));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""{"redirect_uris":["http://localhost/callback"],"token_endpoint_auth_method":"none","scope":"openid"}""");
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(
                new OpenIddictApplicationDescriptor
                {
                    ClientId = "hosts-own-app",
                    ClientType = "public",
                    RedirectUris = { new Uri("http://localhost/callback") },
                    Permissions = { "ept:authorization", "ept:token", "gt:authorization_code", "rst:code" },
                });
        }

        foreach (var method in new[] { "plain", null })
        {
            using var refused = await client.AuthorizeAsync(registered.ClientId, "http://localhost:40000/callback", "openid",
                "challenge-challenge-challenge-challenge-challenge", method);
            (await WireResponse.ReadAsync(refused)).ShouldBeErrorPage("invalid_request", "DCR2906");

            using var allowed = await client.AuthorizeAsync("hosts-own-app", "http://localhost/callback", "openid",
                "challenge-challenge-challenge-challenge-challenge", method);
            allowed.StatusCode.Should().Be(HttpStatusCode.Redirect);
            new AuthorizeResponse(allowed.Headers.Location!.ToString()).Code.Should().NotBeNull(method ?? "(no method)");
        }

        (await client.AuthorizationCodeAsync(registered.ClientId, null, "http://localhost:40000/callback", "openid")).ShouldSucceed();
    }
}
