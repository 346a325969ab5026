using System.Net;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel.Client;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>RFC 7591 registration against the sample host with its default settings (issue: foundation).</summary>
public sealed class RegistrationTests : IClassFixture<RegistrationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public RegistrationTests(Host host)
    {
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task a_confidential_client_is_registered_and_gets_a_token_with_client_secret_basic()
    {
        var client = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api","client_name":"Service"}""");

        var token = await _client.ClientCredentialsAsync(client.ClientId, client.ClientSecret, "api");

        token.IsError.Should().BeFalse(token.Raw);
        (await _client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_confidential_client_registered_for_client_secret_post_gets_a_token_with_the_secret_in_the_body()
    {
        var client = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"client_secret_post"}""");
        client.Json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_post");

        var token = await _client.ClientCredentialsAsync(client.ClientId, client.ClientSecret, "api", ClientCredentialStyle.PostBody);

        token.IsError.Should().BeFalse(token.Raw);
    }

    [Fact]
    public async Task a_client_cannot_get_a_token_with_a_wrong_secret_or_a_scope_it_did_not_register()
    {
        var client = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        (await _client.ClientCredentialsAsync(client.ClientId, client.ClientSecret + "x", "api")).ShouldBeProtocolError("invalid_client", null);
        // OpenIddict answers a scope outside the client's permissions with invalid_request (ID2051).
        (await _client.ClientCredentialsAsync(client.ClientId, client.ClientSecret, "profile")).ShouldBeProtocolError("invalid_request", null);
    }

    [Fact]
    public async Task the_response_is_201_with_every_rfc_7591_member_built_from_the_stored_client()
    {
        var before = _host.Time.GetUtcNow().ToUnixTimeSeconds();
        var response = await _client.PostRegistrationAsync("""
            {
              "redirect_uris": ["https://client.example.org/callback", "https://client.example.org/callback2"],
              "post_logout_redirect_uris": ["https://client.example.org/logged-out"],
              "token_endpoint_auth_method": "client_secret_basic",
              "grant_types": ["authorization_code", "refresh_token"],
              "response_types": ["code"],
              "client_name": "Example client",
              "client_uri": "https://client.example.org",
              "logo_uri": "https://client.example.org/logo.png",
              "scope": "openid profile offline_access",
              "contacts": ["admin@client.example.org"],
              "tos_uri": "https://client.example.org/tos",
              "policy_uri": "https://client.example.org/policy",
              "jwks_uri": "https://client.example.org/jwks.json",
              "software_id": "4NRB1-0XZABZI9E6-5SM3R",
              "software_version": "2.1",
              "application_type": "web",
              "unknown_member": "is ignored"
            }
            """, await _client.InitialAccessTokenAsync());

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        response.CacheControl.Should().Be("no-store");
        var json = response.Json;
        var clientId = json.GetProperty("client_id").GetString()!;
        json.GetProperty("client_secret").GetString().Should().MatchRegex("^[A-Za-z0-9_-]{43}$");
        json.GetProperty("client_id_issued_at").GetInt64().Should().BeGreaterThanOrEqualTo(before).And.BeLessThan(before + 5);
        json.GetProperty("client_secret_expires_at").GetInt64().Should().Be(0);
        json.GetProperty("registration_access_token").GetString().Should().MatchRegex("^[A-Za-z0-9_-]{43}$");
        json.GetProperty("registration_client_uri").GetString().Should().Be($"http://localhost/connect/register/{clientId}");
        response.Headers.Location!.ToString().Should().Be($"http://localhost/connect/register/{clientId}");

        StringArray(json, "redirect_uris").Should().Equal("https://client.example.org/callback", "https://client.example.org/callback2");
        StringArray(json, "post_logout_redirect_uris").Should().Equal("https://client.example.org/logged-out");
        json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_basic");
        StringArray(json, "grant_types").Should().Equal("authorization_code", "refresh_token");
        StringArray(json, "response_types").Should().Equal("code");
        json.GetProperty("client_name").GetString().Should().Be("Example client");
        json.GetProperty("client_uri").GetString().Should().Be("https://client.example.org");
        json.GetProperty("logo_uri").GetString().Should().Be("https://client.example.org/logo.png");
        json.GetProperty("scope").GetString().Should().Be("openid profile offline_access");
        StringArray(json, "contacts").Should().Equal("admin@client.example.org");
        json.GetProperty("tos_uri").GetString().Should().Be("https://client.example.org/tos");
        json.GetProperty("policy_uri").GetString().Should().Be("https://client.example.org/policy");
        json.GetProperty("jwks_uri").GetString().Should().Be("https://client.example.org/jwks.json");
        json.GetProperty("software_id").GetString().Should().Be("4NRB1-0XZABZI9E6-5SM3R");
        json.GetProperty("software_version").GetString().Should().Be("2.1");
        json.GetProperty("application_type").GetString().Should().Be("web");
        json.TryGetProperty("unknown_member", out _).Should().BeFalse("RFC 7591 §2: unknown members are ignored");
    }

    [Fact]
    public async Task omitted_members_get_the_rfc_defaults()
    {
        var response = await _client.PostRegistrationAsync("""{"redirect_uris":["https://app.example.com/cb"]}""", await _client.InitialAccessTokenAsync());

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        response.Json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_basic");
        StringArray(response.Json, "grant_types").Should().Equal("authorization_code");
        StringArray(response.Json, "response_types").Should().Equal("code");
        response.Json.GetProperty("application_type").GetString().Should().Be("web");
        response.Json.TryGetProperty("client_secret", out _).Should().BeTrue("client_secret_basic makes a confidential client");
    }

    [Fact]
    public async Task a_public_client_gets_no_client_secret()
    {
        var response = await _client.PostRegistrationAsync(
            """{"redirect_uris":["http://127.0.0.1:8080/cb"],"application_type":"native","token_endpoint_auth_method":"none"}""",
            await _client.InitialAccessTokenAsync());

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        response.Json.TryGetProperty("client_secret", out _).Should().BeFalse();
        response.Json.GetProperty("client_secret_expires_at").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task a_public_native_client_completes_authorization_code_with_pkce_at_the_sample_host()
    {
        var client = await _client.RegisterAsync("""
            {"redirect_uris":["http://127.0.0.1:51234/callback"],"application_type":"native",
             "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],
             "scope":"openid profile offline_access"}
            """);
        var verifier = Duende.IdentityModel.CryptoRandom.CreateUniqueId(32);
        var challenge = Pkce.Challenge(verifier);

        var authorize = await _client.Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: client.ClientId, responseType: "code", scope: "openid profile offline_access",
            redirectUri: "http://127.0.0.1:51234/callback", state: "state-1", codeChallenge: challenge, codeChallengeMethod: "S256"));

        authorize.StatusCode.Should().Be(HttpStatusCode.Redirect, await authorize.Content.ReadAsStringAsync());
        var callback = new AuthorizeResponse(authorize.Headers.Location!.ToString());
        callback.State.Should().Be("state-1");
        callback.Code.Should().NotBeNullOrEmpty();

        var tokens = await _client.Http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = client.ClientId,
            Code = callback.Code!,
            RedirectUri = "http://127.0.0.1:51234/callback",
            CodeVerifier = verifier,
        });

        tokens.IsError.Should().BeFalse(tokens.Raw);
        tokens.IdentityToken.Should().NotBeNullOrEmpty();
        tokens.RefreshToken.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task a_public_client_is_refused_an_authorization_code_without_pkce()
    {
        var client = await _client.RegisterAsync("""
            {"redirect_uris":["http://127.0.0.1:51234/callback"],"application_type":"native","token_endpoint_auth_method":"none"}
            """);

        var authorize = await _client.Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: client.ClientId, responseType: "code", scope: "openid",
            redirectUri: "http://127.0.0.1:51234/callback", state: "s"));

        // OpenIddict answers the user agent directly rather than redirecting a request it refuses, in its own words.
        var page = await WireResponse.ReadAsync(authorize);
        page.ShouldBeErrorPage("invalid_request", null);
        page.Body.Should().Contain("code_challenge");
    }

    [Fact]
    public async Task duende_identitymodel_registers_a_client_that_then_gets_a_token()
    {
        var discovery = await _client.Http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = _client.Http.BaseAddress!.ToString(),
            Policy = { RequireHttps = false },
        });
        discovery.IsError.Should().BeFalse(discovery.Error);
        discovery.RegistrationEndpoint.Should().Be("http://localhost/connect/register");

        var registration = await _client.Http.RegisterClientAsync(new DynamicClientRegistrationRequest
        {
            Address = discovery.RegistrationEndpoint,
            Token = await _client.InitialAccessTokenAsync(),
            Document = new DynamicClientRegistrationDocument
            {
                ClientName = "Registered by Duende.IdentityModel",
                GrantTypes = { "client_credentials" },
                Scope = "api",
                TokenEndpointAuthenticationMethod = "client_secret_post",
            },
        });

        registration.IsError.Should().BeFalse(registration.Raw);
        registration.ClientSecretExpiresAt.Should().Be(0);
        var token = await _client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint!,
            ClientId = registration.ClientId!,
            ClientSecret = registration.ClientSecret,
            Scope = "api",
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        });
        token.IsError.Should().BeFalse(token.Raw);
    }

    [Fact]
    public async Task secrets_and_registration_access_tokens_are_stored_only_as_hashes()
    {
        var client = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        await using var scope = _host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        var row = await context.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking().SingleAsync(app => app.ClientId == client.ClientId);

        row.ClientSecret.Should().StartWith("$dcr-sha256$").And.NotContain(client.ClientSecret!);
        row.Properties.Should().NotContain(client.ClientSecret!).And.NotContain(client.RegistrationAccessToken!);
        row.Properties.Should().Contain("$dcr-sha256$");
    }

    [Fact]
    public async Task every_registration_issues_different_random_identifiers_and_secrets()
    {
        var first = await _client.RegisterAsync("""{"grant_types":["client_credentials"]}""");
        var second = await _client.RegisterAsync("""{"grant_types":["client_credentials"]}""");

        second.ClientId.Should().NotBe(first.ClientId);
        second.ClientSecret.Should().NotBe(first.ClientSecret);
        second.RegistrationAccessToken.Should().NotBe(first.RegistrationAccessToken);
        Convert.FromBase64String(Base64(first.ClientSecret!)).Should().HaveCount(32);
    }

    [Fact]
    public async Task a_client_secret_stored_by_openiddict_with_pbkdf2_still_works()
    {
        // The seeded administrative client was created through OpenIddict with its default PBKDF2 hashing.
        await using var scope = _host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        var admin = await context.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking().SingleAsync(app => app.ClientId == "dcr-admin");
        admin.ClientSecret.Should().NotStartWith("$dcr-sha256$");

        (await _client.ClientCredentialsAsync("dcr-admin", "dcr-admin-secret", "dcr")).IsError.Should().BeFalse();
        (await _client.ClientCredentialsAsync("dcr-admin", "wrong", "dcr")).ShouldBeProtocolError("invalid_client", null);
    }

    private static IEnumerable<string?> StringArray(JsonElement json, string name) =>
        json.GetProperty(name).EnumerateArray().Select(item => item.GetString());

    private static string Base64(string base64Url)
    {
        var padded = base64Url.Replace('-', '+').Replace('_', '/');
        return padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=');
    }
}

internal static class Pkce
{
    public static string Challenge(string verifier) =>
        Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
}
