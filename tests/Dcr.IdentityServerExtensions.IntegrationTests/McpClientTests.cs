using System.Net;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.IdentityModel.JsonWebTokens;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #15, point 7: the official MCP C# SDK's OAuth client against the MCP server sample and the sample host, both on
/// real 127.0.0.1 sockets. The client starts from the MCP server's URL alone and discovers everything else.
/// </summary>
public sealed class McpClientTests
{
    // Nothing listens here: the authorization endpoint's 302 is read from its Location header, as a browser would
    // hand it to the client's loopback listener.
    private const int CallbackPort = 53682;

    [Fact]
    public async Task mcp_client_registers_without_initial_access_token_authorizes_with_pkce_and_resource_calls_a_tool_and_refreshes()
    {
        await using var servers = McpServers.Start();
        var session = await servers.ConnectAsync(new Uri($"http://127.0.0.1:{CallbackPort}/callback"));
        await using var client = session.Client;
        var wire = session.Wire;
        var resource = servers.Mcp.Url.AbsoluteUri;

        var first = await client.CallToolAsync("whoami");

        // The client was registered on the spot, and the tool ran for that client and the sample's test user.
        session.ClientId.Should().NotBeNullOrEmpty();
        Text(first).Should().Be($"sub=sample-user client_id={session.ClientId}");

        // Discovery: the MCP server's 401 named its RFC 9728 metadata, which named the sample host.
        var challenge = wire.Exchanges.First(exchange => exchange.Uri == servers.Mcp.Url && exchange.Status == HttpStatusCode.Unauthorized);
        challenge.WwwAuthenticate.Should().Be($"Bearer resource_metadata=\"http://127.0.0.1:{servers.Mcp.Url.Port}/.well-known/oauth-protected-resource/mcp\"");
        var metadata = wire.Exchanges.First(exchange => exchange.Uri.AbsolutePath == "/.well-known/oauth-protected-resource/mcp");
        metadata.Status.Should().Be(HttpStatusCode.OK);
        wire.Exchanges.Should().Contain(exchange => exchange.Uri.Authority == servers.Authority.Authority
            && exchange.Uri.AbsolutePath.StartsWith("/.well-known/", StringComparison.Ordinal) && exchange.Status == HttpStatusCode.OK);

        // Registration: anonymous, and answered 201 with the client the tool saw.
        var registration = wire.Exchanges.Single(exchange => exchange.Uri.AbsolutePath == DcrTestClient.RegistrationPath);
        registration.Method.Should().Be(HttpMethod.Post);
        registration.Authorization.Should().BeNull("MCP clients register without an initial access token");
        registration.Status.Should().Be(HttpStatusCode.Created, registration.ResponseBody);
        var registered = JsonDocument.Parse(registration.ResponseBody!).RootElement;
        registered.GetProperty("client_id").GetString().Should().Be(session.ClientId);
        // The SDK asks for client_secret_post in every registration; anonymously, the host registers a public client
        // instead and says so, and the SDK authenticates as the answer says: no secret below.
        JsonDocument.Parse(registration.RequestBody!).RootElement.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_post");
        registered.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        registered.TryGetProperty("client_secret", out _).Should().BeFalse("an anonymous caller gets a public client");

        // Authorization: code + PKCE S256 + resource.
        var authorize = wire.Exchanges.Single(exchange => exchange.Uri.AbsolutePath == "/connect/authorize");
        authorize.Query["response_type"].Should().Be("code");
        authorize.Query["code_challenge_method"].Should().Be("S256");
        authorize.Query["code_challenge"].Should().NotBeNullOrEmpty();
        authorize.Query["resource"].Should().Be(resource);
        authorize.Status.Should().Be(HttpStatusCode.Redirect);

        var code = wire.TokenRequests("authorization_code").Should().ContainSingle().Subject;
        code.Status.Should().Be(HttpStatusCode.OK, code.ResponseBody);
        code.Form!["resource"].Should().Be(resource);
        code.Form["code_verifier"].Should().NotBeNullOrEmpty();
        code.Form["client_id"].Should().Be(session.ClientId);
        code.Form["client_secret"].Should().BeNull();
        AccessTokenAudiences(code).Should().Contain(resource);
        RefreshToken(code).Should().NotBeNullOrEmpty("the SDK asks for offline_access when the server offers it");
        wire.TokenRequests("refresh_token").Should().BeEmpty();

        // The access token expires (OpenIddict's default lifetime, one hour, and JwtBearer's clock skew, five minutes) on
        // the clock both servers share. The SDK still holds it as valid by its own clock, sends it, gets the MCP server's
        // 401 and refreshes.
        servers.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var second = await client.CallToolAsync("whoami");

        Text(second).Should().Be($"sub=sample-user client_id={session.ClientId}");
        var refresh = wire.TokenRequests("refresh_token").Should().ContainSingle().Subject;
        refresh.Status.Should().Be(HttpStatusCode.OK, refresh.ResponseBody);
        refresh.Form!["resource"].Should().Be(resource);
        refresh.Form["client_id"].Should().Be(session.ClientId);
        refresh.Form["client_secret"].Should().BeNull();
        AccessTokenAudiences(refresh).Should().Contain(resource);
        wire.Exchanges.Count(exchange => exchange.Method == HttpMethod.Post && exchange.Uri == servers.Mcp.Url && exchange.Status == HttpStatusCode.Unauthorized)
            .Should().Be(2, "the first request had no token, and the first after the clock moved carried the expired one");
        wire.Exchanges.Where(exchange => exchange.Uri.AbsolutePath == DcrTestClient.RegistrationPath).Should().ContainSingle("a refresh registers nothing");

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" });
        Text(echo).Should().Be("hello");
    }

    [Fact]
    public async Task mcp_client_with_a_client_metadata_document_uses_its_url_as_client_id_without_registering_and_refreshes()
    {
        await using var documents = await KeySetServer.StartAsync();
        var clientId = documents.Url("mcp-client/metadata.json").AbsoluteUri;
        // Claude Code's pattern: portless loopback redirect URIs, used with whatever port the client listens on.
        documents.Serve("mcp-client/metadata.json", $$"""
            {"client_id":"{{clientId}}","client_name":"MCP CIMD end-to-end test",
             "redirect_uris":["http://localhost/callback","http://127.0.0.1/callback"],
             "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none",
             "scope":"openid profile email offline_access api"}
            """);
        await using var servers = McpServers.Start(documents: documents);
        var session = await servers.ConnectAsync(new Uri($"http://127.0.0.1:{CallbackPort}/callback"), new Uri(clientId));
        await using var client = session.Client;
        var wire = session.Wire;

        Text(await client.CallToolAsync("whoami")).Should().Be($"sub=sample-user client_id={clientId}");

        // Discovery told the SDK documents are supported: it sent its URL as client_id and registered nothing.
        wire.Exchanges.Should().NotContain(exchange => exchange.Uri.AbsolutePath == DcrTestClient.RegistrationPath);
        session.ClientId.Should().BeNull("no registration response was received");
        var authorize = wire.Exchanges.Single(exchange => exchange.Uri.AbsolutePath == "/connect/authorize");
        authorize.Query["client_id"].Should().Be(clientId);
        authorize.Query["code_challenge_method"].Should().Be("S256");
        authorize.Query["resource"].Should().Be(servers.Mcp.Url.AbsoluteUri);
        var code = wire.TokenRequests("authorization_code").Should().ContainSingle().Subject;
        code.Status.Should().Be(HttpStatusCode.OK, code.ResponseBody);
        code.Form!["client_id"].Should().Be(clientId);
        documents.RequestsOf("mcp-client/metadata.json").Should().Be(1, "the authorization server fetched the document once");

        // The token expires; the SDK refreshes with the same URL client id. The document, served without caching headers,
        // was fresh for the minimum five minutes: the refresh fetched it again.
        servers.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Text(await client.CallToolAsync("whoami")).Should().Be($"sub=sample-user client_id={clientId}");
        var refresh = wire.TokenRequests("refresh_token").Should().ContainSingle().Subject;
        refresh.Status.Should().Be(HttpStatusCode.OK, refresh.ResponseBody);
        refresh.Form!["client_id"].Should().Be(clientId);
        AccessTokenAudiences(refresh).Should().Contain(servers.Mcp.Url.AbsoluteUri);
        documents.RequestsOf("mcp-client/metadata.json").Should().Be(2);
    }

    [Theory]
    [InlineData("http://127.0.0.1:53682/callback", "native")]
    [InlineData("http://localhost:53682/callback", "native")]
    [InlineData("https://mcp-client.test/callback", "web")]
    public async Task mcp_client_infers_its_application_type_from_the_redirect_uri_and_registers(string redirectUri, string applicationType)
    {
        await using var servers = McpServers.Start();
        var session = await servers.ConnectAsync(new Uri(redirectUri));
        await using var client = session.Client;

        var result = await client.CallToolAsync("whoami");

        var registration = session.Wire.Exchanges.Single(exchange => exchange.Uri.AbsolutePath == DcrTestClient.RegistrationPath);
        var sent = JsonDocument.Parse(registration.RequestBody!).RootElement;
        sent.GetProperty("application_type").GetString().Should().Be(applicationType);
        sent.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_post");
        sent.GetProperty("redirect_uris").EnumerateArray().Select(uri => uri.GetString()).Should().Equal(redirectUri);
        registration.Status.Should().Be(HttpStatusCode.Created, registration.ResponseBody);
        var stored = JsonDocument.Parse(registration.ResponseBody!).RootElement;
        stored.GetProperty("application_type").GetString().Should().Be(applicationType);
        stored.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        Text(result).Should().Be($"sub=sample-user client_id={session.ClientId}");
    }

    [Fact]
    public async Task where_the_host_allows_client_secret_post_anonymously_the_sdk_gets_the_confidential_client_it_asked_for()
    {
        await using var servers = McpServers.Start(allowClientSecretPost: true);
        var session = await servers.ConnectAsync(new Uri($"http://127.0.0.1:{CallbackPort}/callback"));
        await using var client = session.Client;

        Text(await client.CallToolAsync("whoami")).Should().Be($"sub=sample-user client_id={session.ClientId}");

        var registration = session.Wire.Exchanges.Single(exchange => exchange.Uri.AbsolutePath == DcrTestClient.RegistrationPath);
        var registered = JsonDocument.Parse(registration.ResponseBody!).RootElement;
        registered.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_post");
        var secret = registered.GetProperty("client_secret").GetString();
        secret.Should().NotBeNullOrEmpty();
        session.Wire.TokenRequests("authorization_code").Should().ContainSingle().Subject.Form!["client_secret"].Should().Be(secret);
    }

    [Fact]
    public async Task mcp_server_answers_401_naming_its_protected_resource_metadata_which_names_the_sample_host()
    {
        await using var servers = McpServers.Start();
        using var http = new HttpClient();

        using var response = await http.SendAsync(Initialize(servers.Mcp.Url, accessToken: null));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var metadataUrl = $"http://127.0.0.1:{servers.Mcp.Url.Port}/.well-known/oauth-protected-resource/mcp";
        response.Headers.WwwAuthenticate.ToString().Should().Be($"Bearer resource_metadata=\"{metadataUrl}\"");

        var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl)).RootElement;
        metadata.GetProperty("resource").GetString().Should().Be(servers.Mcp.Url.AbsoluteUri);
        metadata.GetProperty("authorization_servers").EnumerateArray().Select(server => server.GetString())
            .Should().Equal(servers.Authority.AbsoluteUri);

        // MCP clients compare the issuer with the metadata's authorization server character for character.
        var discovery = JsonDocument.Parse(await http.GetStringAsync(new Uri(servers.Authority, ".well-known/oauth-authorization-server"))).RootElement;
        discovery.GetProperty("issuer").GetString().Should().Be(servers.Authority.AbsoluteUri);
        discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(method => method.GetString()).Should().Contain("S256");
        discovery.GetProperty("registration_endpoint").GetString().Should().Be(new Uri(servers.Authority, "connect/register").AbsoluteUri);
    }

    [Fact]
    public async Task mcp_server_refuses_a_valid_host_access_token_that_was_not_issued_for_it()
    {
        await using var servers = McpServers.Start();
        using var host = new DcrTestClient(new HttpClient { BaseAddress = servers.Authority });
        // Signed by the host, unexpired, but without the MCP server in its audience.
        var token = await host.InitialAccessTokenAsync();
        new JsonWebToken(token).Audiences.Should().NotContain(servers.Mcp.Url.AbsoluteUri);
        using var http = new HttpClient();

        using var response = await http.SendAsync(Initialize(servers.Mcp.Url, token));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer resource_metadata=");
    }

    private static HttpRequestMessage Initialize(Uri mcp, string? accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, mcp)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }

    private static string? Text(CallToolResult result)
    {
        result.IsError.Should().NotBe(true);
        return result.Content.OfType<TextContentBlock>().Should().ContainSingle().Subject.Text;
    }

    private static JsonElement TokenResponse(RecordedExchange exchange) => JsonDocument.Parse(exchange.ResponseBody!).RootElement;

    private static IEnumerable<string> AccessTokenAudiences(RecordedExchange exchange) =>
        new JsonWebToken(TokenResponse(exchange).GetProperty("access_token").GetString()).Audiences;

    private static string? RefreshToken(RecordedExchange exchange) =>
        TokenResponse(exchange).TryGetProperty("refresh_token", out var token) ? token.GetString() : null;

    /// <summary>The sample host and the MCP server sample in front of it, on one clock.</summary>
    private sealed class McpServers : IAsyncDisposable
    {
        private McpServers(SampleHost host, McpServerHost mcp)
        {
            Host = host;
            Mcp = mcp;
        }

        public SampleHost Host { get; }

        public McpServerHost Mcp { get; }

        /// <summary>The sample host's issuer, as its discovery document writes it.</summary>
        public Uri Authority => Host.ClientOptions.BaseAddress;

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Host.Time;

        /// <param name="allowClientSecretPost">
        /// Widens anonymous registration to <c>client_secret_post</c>, which the MCP C# SDK (2.4.0) asks for in every
        /// registration; by default the host registers it as a public client (<c>none</c>) instead.
        /// </param>
        /// <param name="documents">
        /// A test https server of Client ID Metadata Documents, which the host's outbound client trusts; the host then
        /// accepts documents and the special-use addresses of the test server.
        /// </param>
        public static McpServers Start(bool allowClientSecretPost = false, KeySetServer? documents = null)
        {
            // The MCP server's URL has to be known before either server starts (the host allows it as a resource, the
            // MCP server names it in its metadata), so its port is chosen up front: outside the ephemeral ranges
            // (32768-60999 on Linux, 49152-65535 on Windows), where no outgoing connection takes it meanwhile. Another
            // listener may hold it; then another port is tried.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return StartOn(Random.Shared.Next(20_000, 32_768), allowClientSecretPost, documents);
                }
                catch (IOException exception) when (exception.InnerException is AddressInUseException && attempt < 5)
                {
                }
            }
        }

        private static McpServers StartOn(int port, bool allowClientSecretPost, KeySetServer? documents)
        {
            var settings = new Dictionary<string, string?>
            {
                // Any free port, given as the command line gives it (see McpServerHost.Start for why not UseKestrel(0)).
                ["urls"] = "http://127.0.0.1:0",
                ["DynamicClientRegistration:RequireInitialAccessToken"] = "false",
                // Exactly the resource the MCP server's metadata names, which the SDK sends as it is.
                ["DynamicClientRegistration:Resources:Allowed:0"] = $"http://127.0.0.1:{port}/mcp",
            };
            if (allowClientSecretPost)
            {
                settings["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:0"] = "none";
                settings["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:1"] = "client_secret_post";
            }

            if (documents is not null)
            {
                settings["DynamicClientRegistration:ClientIdMetadataDocuments:Enabled"] = "true";
                settings["DynamicClientRegistration:Network:AllowSpecialUseAddresses"] = "true";
            }

            var host = new SampleHost(settings, documents is null ? null : documents.TrustIn);
            try
            {
                host.UseKestrel();
                host.StartServer();
                return new McpServers(host, McpServerHost.Start(host.ClientOptions.BaseAddress, port, host.Time));
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }

        /// <summary>
        /// An MCP client of the official SDK that knows only the MCP server's URL and its own redirect URI, and completes
        /// the authorization request as the sample host's auto-approving endpoint and a browser would.
        /// </summary>
        public async Task<McpSession> ConnectAsync(Uri redirectUri, Uri? clientMetadataDocument = null)
        {
            var wire = new RecordingHandler(Authority);
            var http = new HttpClient(wire);
            string? clientId = null;
            var transport = new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = Mcp.Url,
                OAuth = new ClientOAuthOptions
                {
                    RedirectUri = redirectUri,
                    ClientMetadataDocumentUri = clientMetadataDocument,
                    DynamicClientRegistration = new DynamicClientRegistrationOptions
                    {
                        ClientName = "MCP end-to-end test",
                        ResponseDelegate = (response, _) =>
                        {
                            clientId = response.ClientId;
                            return Task.CompletedTask;
                        },
                    },
                    AuthorizationCallbackHandler = async (context, cancellationToken) =>
                    {
                        // The sample host signs in its test user without a login page and redirects at once.
                        using var response = await http.GetAsync(context.AuthorizationUri, cancellationToken);
                        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(cancellationToken));
                        var location = response.Headers.Location!;
                        location.GetLeftPart(UriPartial.Path).Should().Be(context.RedirectUri.GetLeftPart(UriPartial.Path));
                        var query = System.Web.HttpUtility.ParseQueryString(location.Query);
                        return new AuthorizationResult { Code = query["code"], State = query["state"], Iss = query["iss"] };
                    },
                },
            }, http, ownsHttpClient: true);

            var client = await McpClient.CreateAsync(transport);
            return new McpSession(client, wire, () => clientId);
        }

        public async ValueTask DisposeAsync()
        {
            await Mcp.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    private sealed record McpSession(McpClient Client, RecordingHandler Wire, Func<string?> RegisteredClientId)
    {
        public string? ClientId => RegisteredClientId();
    }
}
