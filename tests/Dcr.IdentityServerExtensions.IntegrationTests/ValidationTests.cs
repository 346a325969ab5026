using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>Every bad request gets an RFC 7591 error body with the right status, never a 5xx, and stores nothing.</summary>
public sealed class ValidationTests : IClassFixture<ValidationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public ValidationTests(Host host)
    {
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    [Theory]
    [InlineData("""{"grant_types":["authorization_code"]}""", "invalid_redirect_uri", "DCR2100")]
    [InlineData("""{"redirect_uris":["/relative/callback"]}""", "invalid_redirect_uri", "DCR2109")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb#fragment"]}""", "invalid_redirect_uri", "DCR2102")]
    [InlineData("""{"redirect_uris":["http://app.example.com/cb"]}""", "invalid_redirect_uri", "DCR2112")]
    [InlineData("""{"redirect_uris":["javascript:alert(1)"]}""", "invalid_redirect_uri", "DCR2110")]
    [InlineData("""{"redirect_uris":["data:text/html,hi"]}""", "invalid_redirect_uri", "DCR2110")]
    [InlineData("""{"redirect_uris":["com.example.app:/cb"]}""", "invalid_redirect_uri", "DCR2112")]
    [InlineData("""{"redirect_uris":["http://app.example.com/cb"],"application_type":"native"}""", "invalid_redirect_uri", "DCR2113")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"response_types":["token"]}""", "invalid_client_metadata", "DCR2207")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"grant_types":["client_credentials"],"response_types":["code"]}""", "invalid_client_metadata", "DCR2206")]
    [InlineData("""{"grant_types":["password"]}""", "invalid_client_metadata", "DCR2203")]
    [InlineData("""{"grant_types":["implicit"],"response_types":["token"],"redirect_uris":["https://a.example/cb"]}""", "invalid_client_metadata", "DCR2203")]
    [InlineData("""{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata", "DCR2306")]
    [InlineData("""{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}""", "invalid_client_metadata", "DCR2210")]
    [InlineData("""{"grant_types":["client_credentials"],"scope":"unknown-scope"}""", "invalid_client_metadata", "DCR2224")]
    [InlineData("""{"grant_types":["client_credentials"],"scope":"dcr"}""", "invalid_client_metadata", "DCR2224")]
    [InlineData("""{"grant_types":["client_credentials"],"jwks_uri":"https://a.example/jwks","jwks":{"keys":[{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}]}}""", "invalid_client_metadata", "DCR2301")]
    [InlineData("""{"grant_types":["client_credentials"],"jwks":{"keys":[]}}""", "invalid_client_metadata", "DCR2302")]
    [InlineData("""{"grant_types":["client_credentials"],"application_type":"desktop"}""", "invalid_client_metadata", "DCR2200")]
    [InlineData("""{"grant_types":["client_credentials"],"client_uri":"ftp://a.example"}""", "invalid_client_metadata", "DCR2214")]
    [InlineData("""{"grant_types":["client_credentials"],"jwks_uri":"http://a.example/jwks"}""", "invalid_client_metadata", "DCR2300")]
    [InlineData("""{"grant_types":"client_credentials"}""", "invalid_client_metadata", "DCR2010")]
    [InlineData("""{"redirect_uris":"https://app.example.com/cb"}""", "invalid_client_metadata", "DCR2010")]
    [InlineData("""{"redirect_uris":[42]}""", "invalid_client_metadata", "DCR2010")]
    [InlineData("""{"client_name":42}""", "invalid_client_metadata", "DCR2007")]
    [InlineData("""{"client_name":{"en":"x"}}""", "invalid_client_metadata", "DCR2007")]
    [InlineData("""{"scope":["api"]}""", "invalid_client_metadata", "DCR2007")]
    [InlineData("""{"jwks":"not-an-object"}""", "invalid_client_metadata", "DCR2011")]
    [InlineData("""{"contacts":[true]}""", "invalid_client_metadata", "DCR2010")]
    [InlineData("""{"client_name":"a","client_name":"b"}""", "invalid_client_metadata", "DCR2003")]
    [InlineData("""[]""", "invalid_client_metadata", "DCR2006")]
    [InlineData("\"a string\"", "invalid_client_metadata", "DCR2006")]
    [InlineData("""null""", "invalid_client_metadata", "DCR2006")]
    [InlineData("""{"grant_types":["client_credentials"]""", "invalid_client_metadata", "DCR2003")]
    [InlineData("", "invalid_client_metadata", "DCR2003")]
    [InlineData("""{"client_name":"\ud800"}""", "invalid_client_metadata", "DCR2005")]
    [InlineData("""{"\udc00":"x"}""", "invalid_client_metadata", "DCR2003")]
    public async Task bad_metadata_is_rejected_with_400_and_the_rfc_error_code(string body, string error, string id)
    {
        var before = await CountApplicationsAsync();

        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, error, id);
        (await CountApplicationsAsync()).Should().Be(before, "a rejected request stores nothing");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task a_body_that_is_not_json_is_rejected_with_415(string contentType)
    {
        var response = await _client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", await _client.InitialAccessTokenAsync(), contentType: contentType);

        response.ShouldBeError(HttpStatusCode.UnsupportedMediaType, "invalid_request", "DCR2000");
    }

    [Fact]
    public async Task json_with_a_utf8_charset_is_accepted()
    {
        var response = await _client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", await _client.InitialAccessTokenAsync(),
            contentType: "application/json; charset=utf-8");

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
    }

    [Fact]
    public async Task a_body_over_the_size_limit_is_rejected_with_413()
    {
        var body = $$"""{"grant_types":["client_credentials"],"client_name":"{{new string('a', 70 * 1024)}}"}""";

        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.RequestEntityTooLarge, "invalid_request", "DCR2001");
    }

    [Fact]
    public async Task invalid_utf8_is_rejected_with_invalid_client_metadata()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/register")
        {
            Content = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", await _client.InitialAccessTokenAsync());

        var response = await WireResponse.ReadAsync(await _client.Http.SendAsync(request));

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2002");
    }

    [Fact]
    public async Task deeply_nested_json_is_rejected_without_a_server_error()
    {
        var body = "{\"jwks\":" + new string('[', 5000) + new string(']', 5000) + "}";

        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2003");
    }

    private async Task<int> CountApplicationsAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<OpenIddictEntityFrameworkCoreApplication>().CountAsync();
    }
}

/// <summary>Internationalized and unusual redirect URIs: normalized or refused at registration, never a 5xx later.</summary>
public sealed class RedirectUriNormalizationTests : IClassFixture<RedirectUriNormalizationTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:0"] = "*.example.com",
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:1"] = "ä.example.org",
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:2"] = "com.example.app:",
        });

        public void Dispose() => Server.Dispose();
    }

    private readonly DcrTestClient _client;

    public RedirectUriNormalizationTests(Host host)
    {
        _client = host.Server.CreateDcrClient();
    }

    [Theory]
    [InlineData("https://a\u2024example.com/cb", "DCR2107")]
    [InlineData("https://\u00e4\u2024example.com/cb", "DCR2107")]
    [InlineData("https://app.example.com/\u00e4", "DCR2105")]
    [InlineData("https://xn--.example.com/cb", "DCR2107")]
    public async Task a_host_that_cannot_be_normalized_is_refused_with_invalid_redirect_uri_under_the_trusted_hosts_policy(string redirectUri, string id)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new { redirect_uris = new[] { redirectUri } });

        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri", id);
    }

    [Fact]
    public async Task an_internationalized_host_is_stored_as_punycode_matched_by_the_trusted_hosts_and_usable_at_the_authorization_endpoint()
    {
        var registered = await _client.RegisterAsync("""{"redirect_uris":["https://ä.example.org/cb"],"token_endpoint_auth_method":"none","scope":"openid"}""");

        registered.Json.GetProperty("redirect_uris")[0].GetString().Should().Be("https://xn--4ca.example.org/cb");
        (await _client.AuthorizationCodeAsync(registered.ClientId, null, "https://xn--4ca.example.org/cb", "openid")).ShouldSucceed();

        // The Unicode spelling is not what was stored: refused as any other unregistered redirect URI, not a 5xx.
        using var unicode = await _client.AuthorizeAsync(registered.ClientId, "https://ä.example.org/cb", "openid",
            Pkce.Challenge("verifier-verifier-verifier-verifier-verifier"), "S256");
        (await WireResponse.ReadAsync(unicode)).ShouldBeErrorPage("invalid_request", null);
    }

    [Theory]
    [InlineData("chrome://settings")]
    [InlineData("ms-settings:privacy")]
    [InlineData("itms-services://?action=download-manifest")]
    public async Task a_browser_or_system_scheme_is_refused_for_native_clients(string redirectUri)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new { redirect_uris = new[] { redirectUri }, application_type = "native", token_endpoint_auth_method = "none" });

        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri", "DCR2114");
    }
}
