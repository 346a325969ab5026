using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>private_key_jwt clients, the OpenID Connect registration members, and native (agent) clients.</summary>
public sealed class KeyBasedAndNativeClientTests : IClassFixture<KeyBasedAndNativeClientTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public KeyBasedAndNativeClientTests(Host host)
    {
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task a_private_key_jwt_client_registers_its_jwks_and_authenticates_with_a_signed_assertion()
    {
        var key = SoftwareStatementTests.NewKey("client-key");
        var registered = await _client.RegisterAsync($$"""
            {"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"private_key_jwt",
             "token_endpoint_auth_signing_alg":"ES256","jwks":{{SoftwareStatementTests.PublicJwks(key)}}}
            """);
        registered.ClientSecret.Should().BeNull("a private_key_jwt client has no shared secret");
        registered.Json.GetProperty("jwks").GetProperty("keys")[0].GetProperty("kid").GetString().Should().Be("client-key");

        var token = await TokenWithAssertionAsync(registered.ClientId, key);
        token.ShouldSucceed();

        var impostor = await TokenWithAssertionAsync(registered.ClientId, SoftwareStatementTests.NewKey("client-key"));
        impostor.ShouldBeProtocolError("invalid_client", null);
    }

    private Task<TokenResponse> TokenWithAssertionAsync(string clientId, Microsoft.IdentityModel.Tokens.ECDsaSecurityKey key) =>
        _client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            Scope = "api",
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion
            {
                Type = OidcConstants.ClientAssertionTypes.JwtBearer,
                Value = SoftwareStatementTests.Sign(key, clientId, new Dictionary<string, object>
                {
                    ["sub"] = clientId,
                    ["jti"] = Guid.NewGuid().ToString("N"),
                    // OpenIddict 7 takes assertions in the draft-ietf-oauth-rfc7523bis form: this type, the issuer as audience.
                }, _host.Time.GetUtcNow(), audience: "http://localhost/", type: "client-authentication+jwt"),
            },
        });

    [Theory]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"]}""", "DCR2306")]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"jwks_uri":"http://client.example.com/jwks"}""", "DCR2300")]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"bad"}]}}""", "DCR2305")]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}""", "DCR2304")]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"jwks":{"nokeys":true}}""", "DCR2302")]
    [InlineData("""{"grant_types":["client_credentials"],"token_endpoint_auth_signing_alg":"ES256"}""", "DCR2307")]
    [InlineData("""{"token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"],"token_endpoint_auth_signing_alg":"HS256","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}}""", "DCR2308")]
        public async Task a_private_key_jwt_registration_without_usable_keys_is_rejected(string body, string id)
    {
        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", id);
    }

    [Fact]
    public async Task openid_connect_members_the_host_honours_are_validated_against_discovery_and_stored()
    {
        var registered = await _client.RegisterAsync("""
            {"redirect_uris":["https://app.example.com/cb"],"scope":"openid","id_token_signed_response_alg":"ES256",
             "default_max_age":3600,"require_auth_time":true,"subject_type":"public"}
            """);

        registered.Json.GetProperty("id_token_signed_response_alg").GetString().Should().Be("ES256");
        registered.Json.GetProperty("default_max_age").GetInt64().Should().Be(3600);
        registered.Json.GetProperty("require_auth_time").GetBoolean().Should().BeTrue();
        registered.Json.GetProperty("subject_type").GetString().Should().Be("public");
        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Json.GetProperty("default_max_age").GetInt64().Should().Be(3600);
    }

    [Theory]
    [InlineData("""{"grant_types":["client_credentials"],"id_token_signed_response_alg":"RS256"}""", "DCR2215")]
    [InlineData("""{"grant_types":["client_credentials"],"request_object_signing_alg":"ES256"}""", "DCR2216")]
    [InlineData("""{"grant_types":["client_credentials"],"subject_type":"pairwise"}""", "DCR2218")]
    [InlineData("""{"grant_types":["client_credentials"],"default_max_age":-1}""", "DCR2008")]
    [InlineData("""{"grant_types":["client_credentials"],"require_auth_time":"yes"}""", "DCR2009")]
    [InlineData("""{"grant_types":["client_credentials"],"userinfo_signed_response_alg":"ES256"}""", "DCR2012")]
    [InlineData("""{"grant_types":["client_credentials"],"backchannel_logout_uri":"https://app.example.com/logout"}""", "DCR2012")]
    public async Task openid_connect_members_the_host_cannot_honour_are_rejected_not_dropped(string body, string id)
    {
        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", id);
    }

    [Theory]
    [InlineData("http://127.0.0.1/callback", "http://127.0.0.1:49152/callback")]
    [InlineData("http://127.0.0.1:8080/callback", "http://127.0.0.1:61000/callback")]
    [InlineData("http://[::1]/callback", "http://[::1]:50123/callback")]
    public async Task a_native_client_with_a_loopback_redirect_completes_code_with_pkce_on_any_port(string registeredUri, string usedUri)
    {
        var registered = await _client.RegisterAsync($$"""
            {"redirect_uris":["{{registeredUri}}"],"application_type":"native","token_endpoint_auth_method":"none",
             "grant_types":["authorization_code","refresh_token"],"scope":"openid offline_access"}
            """);

        await CompleteCodeFlowAsync(registered.ClientId, usedUri);
    }

    [Fact]
    public async Task a_native_client_with_a_private_use_scheme_completes_code_with_pkce()
    {
        var registered = await _client.RegisterAsync("""
            {"redirect_uris":["com.example.agent:/oauth2redirect"],"application_type":"native","token_endpoint_auth_method":"none",
             "grant_types":["authorization_code"],"scope":"openid"}
            """);

        await CompleteCodeFlowAsync(registered.ClientId, "com.example.agent:/oauth2redirect");
    }

    [Fact]
    public async Task a_loopback_redirect_on_another_path_or_host_is_refused()
    {
        var registered = await _client.RegisterAsync("""
            {"redirect_uris":["http://127.0.0.1/callback"],"application_type":"native","token_endpoint_auth_method":"none","scope":"openid"}
            """);

        foreach (var uri in new[] { "http://127.0.0.1:5555/other", "http://localhost:5555/callback" })
        {
            var authorize = await _client.Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
                clientId: registered.ClientId, responseType: "code", scope: "openid", redirectUri: uri,
                codeChallenge: Pkce.Challenge("verifier-verifier-verifier-verifier-verifier"), codeChallengeMethod: "S256"));
            (await WireResponse.ReadAsync(authorize)).ShouldBeErrorPage("invalid_request", null);
        }
    }

    private async Task CompleteCodeFlowAsync(string clientId, string redirectUri)
    {
        var tokens = await _client.AuthorizationCodeAsync(clientId, secret: null, redirectUri, "openid");
        tokens.ShouldSucceed();
        tokens.IdentityToken.Should().NotBeNullOrEmpty();
    }
}
