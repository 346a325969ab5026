using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Dcr.IdentityServerExtensions.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>The client side of the tests: raw HTTP where the wire matters, Duende.IdentityModel where a real client library exists.</summary>
public sealed class DcrTestClient(HttpClient http) : IDisposable
{
    public const string AdminClientId = "dcr-admin";
    public const string AdminClientSecret = "dcr-admin-secret";
    public const string RegistrationPath = "/connect/register";

    public HttpClient Http { get; } = http;

    /// <summary>Gets an initial access token from the seeded administrative client.</summary>
    public async Task<string> InitialAccessTokenAsync(string? scope = "dcr", string clientId = AdminClientId, string secret = AdminClientSecret)
    {
        var response = await ClientCredentialsAsync(clientId, secret, scope);
        response.IsError.Should().BeFalse(response.Error + " " + response.ErrorDescription);
        return response.AccessToken!;
    }

    public Task<TokenResponse> ClientCredentialsAsync(string clientId, string? secret, string? scope,
        ClientCredentialStyle style = ClientCredentialStyle.AuthorizationHeader) =>
        Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            ClientSecret = secret,
            Scope = scope,
            ClientCredentialStyle = style,
        });

    /// <summary>
    /// The authorization code flow with PKCE against the sample, whose authorization endpoint signs in its test user
    /// without asking, then the code's redemption at the token endpoint; <paramref name="secret"/> is null for a
    /// public client.
    /// </summary>
    public async Task<TokenResponse> AuthorizationCodeAsync(string clientId, string? secret, string redirectUri, string scope,
        string? resource = null)
    {
        var verifier = CryptoRandom.CreateUniqueId(32);
        using var authorize = await AuthorizeAsync(clientId, redirectUri, scope, Pkce.Challenge(verifier), "S256", resource);
        authorize.StatusCode.Should().Be(HttpStatusCode.Redirect, await authorize.Content.ReadAsStringAsync());
        var location = authorize.Headers.Location!.ToString();
        location.Should().StartWith(redirectUri);
        var code = new AuthorizeResponse(location).Code;
        code.Should().NotBeNull(location);

        var parameters = new Parameters();
        if (resource is not null)
        {
            parameters.Add("resource", resource);
        }

        return await Http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            ClientSecret = secret,
            Code = code!,
            RedirectUri = redirectUri,
            CodeVerifier = verifier,
            Parameters = parameters,
        });
    }

    /// <summary>An authorization request as a browser would send it; the sample answers 302 to the redirect URI or an error.</summary>
    public Task<HttpResponseMessage> AuthorizeAsync(string clientId, string redirectUri, string scope, string? codeChallenge,
        string? codeChallengeMethod, string? resource = null)
    {
        var extra = new Parameters();
        if (resource is not null)
        {
            extra.Add("resource", resource);
        }

        return Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: clientId, responseType: "code", scope: scope, redirectUri: redirectUri,
            codeChallenge: codeChallenge, codeChallengeMethod: codeChallengeMethod, extra: extra));
    }

    public Task<TokenResponse> RefreshAsync(string clientId, string? secret, string refreshToken, string? resource = null)
    {
        var parameters = new Parameters();
        if (resource is not null)
        {
            parameters.Add("resource", resource);
        }

        return Http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            ClientSecret = secret,
            RefreshToken = refreshToken,
            Parameters = parameters,
        });
    }

    public async Task<WireResponse> PostRegistrationAsync(string body, string? bearer, string path = RegistrationPath,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await WireResponse.ReadAsync(await Http.SendAsync(request));
    }

    /// <summary>Registers a client with a fresh initial access token and checks the 201.</summary>
    public async Task<RegisteredClient> RegisterAsync(string body, string path = RegistrationPath)
    {
        var response = await PostRegistrationAsync(body, await InitialAccessTokenAsync(), path);
        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        return RegisteredClient.From(response.Json);
    }

    public async Task<WireResponse> ManageAsync(HttpMethod method, string uri, string? registrationAccessToken, string? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (registrationAccessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", registrationAccessToken);
        }

        return await WireResponse.ReadAsync(await Http.SendAsync(request));
    }

    /// <summary>Calls the sample's protected API with an access token, as a resource server would see it.</summary>
    public async Task<HttpStatusCode> CallApiAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>
    /// Calls the sample's protected API with an access token it refuses, and returns the <c>error_description</c> of
    /// its RFC 6750 challenge (<c>WWW-Authenticate: Bearer error="invalid_token", error_description="…"</c>).
    /// </summary>
    public async Task<string?> RefusedApiCallDescriptionAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await Http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        var description = System.Text.RegularExpressions.Regex.Match(challenge, "error_description=\"([^\"]*)\"");
        return description.Success ? description.Groups[1].Value : null;
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>A response as it came over the wire: status, headers and the raw JSON body.</summary>
public sealed record WireResponse(HttpStatusCode Status, HttpResponseHeaders Headers, HttpContentHeaders? ContentHeaders, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? CacheControl => Headers.CacheControl?.ToString();

    public static async Task<WireResponse> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return new WireResponse(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// Asserts an RFC 7591 error response: status, error code, a description that ends with exactly the rule
    /// <paramref name="id"/> (null for a description that is not the product's, see <see cref="ErrorIds"/>), and no-store.
    /// </summary>
    public void ShouldBeError(HttpStatusCode status, string error, string? id)
    {
        Status.Should().Be(status, Body);
        Json.GetProperty("error").GetString().Should().Be(error, Body);
        Json.GetProperty("error_description").GetString().ShouldEndWithId(id);
        CacheControl.Should().Be("no-store");
        ContentHeaders!.ContentType!.MediaType.Should().Be("application/json");
    }

    /// <summary>
    /// Asserts the error page OpenIddict answers an authorization request with when it cannot redirect (400, plain
    /// text with <c>error:</c> and <c>error_description:</c> lines): the error code and the rule <paramref name="id"/>,
    /// or (null) a reason of OpenIddict's own.
    /// </summary>
    public void ShouldBeErrorPage(string error, string? id)
    {
        Status.Should().Be(HttpStatusCode.BadRequest, Body);
        Headers.Location.Should().BeNull("an error page is never a redirect");
        ErrorPageField("error").Should().Be(error, Body);
        ErrorPageField("error_description").ShouldEndWithId(id);
    }

    private string? ErrorPageField(string name) =>
        Body.Split('\n').Select(line => line.TrimEnd('\r')).FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();
}

/// <summary>What a registration (or a management read/update) returned.</summary>
public sealed record RegisteredClient(string ClientId, string? ClientSecret, string? RegistrationAccessToken, string? RegistrationClientUri, JsonElement Json)
{
    public static RegisteredClient From(JsonElement json) => new(
        json.GetProperty("client_id").GetString()!,
        json.TryGetProperty("client_secret", out var secret) ? secret.GetString() : null,
        json.TryGetProperty("registration_access_token", out var token) ? token.GetString() : null,
        json.TryGetProperty("registration_client_uri", out var uri) ? uri.GetString() : null,
        json.Clone());
}

public static class TokenResponseExtensions
{
    /// <summary>
    /// The OAuth error code from the body. Duende.IdentityModel reports a 401 (invalid_client with Basic
    /// authentication) as an HTTP error, so the wire's "error" member is read directly.
    /// </summary>
    public static string? ProtocolError(this ProtocolResponse response) =>
        response.Json is { } json && json.TryGetProperty("error", out var error) ? error.GetString() : null;

    /// <summary>
    /// Asserts an OAuth error from an endpoint of the host: the error code, and a description that ends with the rule
    /// <paramref name="id"/> of this product, or (null) one of OpenIddict's own, which carries no such id.
    /// </summary>
    public static void ShouldBeProtocolError(this ProtocolResponse response, string error, string? id)
    {
        response.IsError.Should().BeTrue(response.Raw);
        response.ProtocolError().Should().Be(error, response.Raw);
        (response.Json is { } json && json.TryGetProperty("error_description", out var description) ? description.GetString() : null)
            .ShouldEndWithId(id);
    }

    /// <summary>Asserts the token request succeeded.</summary>
    public static void ShouldSucceed(this TokenResponse response) =>
        response.IsError.Should().BeFalse($"the token endpoint answered {(int)response.HttpStatusCode}: {response.Raw}");
}
