using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Dcr.Bench.InProcess;

/// <summary>The requests the benchmark sends, as raw HTTP against one in-process host; any unexpected answer throws.</summary>
internal sealed class OAuthCalls(HttpClient http)
{
    public const string AdminClientId = "dcr-admin";
    public const string AdminClientSecret = "dcr-admin-secret";
    public const string RegistrationPath = "/connect/register";
    public const string TokenPath = "/connect/token";
    public const string AuthorizationPath = "/connect/authorize";

    /// <summary>A loopback redirect URI as native and MCP clients use it.</summary>
    public const string RedirectUri = "http://127.0.0.1:41234/callback";

    public HttpClient Http { get; } = http;

    /// <summary>A client_credentials token request with client_secret_basic; returns the access token.</summary>
    public async Task<string> ClientCredentialsAsync(string clientId, string secret, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", scope)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret))));
        using var json = await SendForJsonAsync(request, HttpStatusCode.OK);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Registers a client with an initial access token of the admin client; returns the registration response.</summary>
    public async Task<JsonDocument> RegisterAsync(string metadata, string initialAccessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RegistrationPath)
        {
            Content = new StringContent(metadata, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", initialAccessToken);
        return await SendForJsonAsync(request, HttpStatusCode.Created);
    }

    /// <summary>
    /// The authorization code flow with PKCE (S256) of a public client: GET the authorization endpoint (the sample signs
    /// its test user in by itself and answers 302 with the code), then redeem the code with its verifier.
    /// </summary>
    public async Task AuthorizeAndRedeemAsync(string clientId, string scope)
    {
        var verifier = RandomText(32);
        var challenge = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = $"{AuthorizationPath}?client_id={Uri.EscapeDataString(clientId)}&response_type=code"
            + $"&redirect_uri={Uri.EscapeDataString(RedirectUri)}&scope={Uri.EscapeDataString(scope)}"
            + $"&code_challenge={challenge}&code_challenge_method=S256&state={RandomText(8)}";
        string code;
        using (var authorize = await Http.GetAsync(url))
        {
            if (authorize.StatusCode != HttpStatusCode.Redirect || authorize.Headers.Location is not { } location
                || !location.OriginalString.StartsWith(RedirectUri, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"authorization: {(int)authorize.StatusCode} {authorize.Headers.Location} {await authorize.Content.ReadAsStringAsync()}");
            }

            code = QueryValue(location, "code")
                ?? throw new InvalidOperationException($"authorization: no code in {location}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent([
                new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", RedirectUri),
                new("code_verifier", verifier), new("client_id", clientId)]),
        };
        using var json = await SendForJsonAsync(request, HttpStatusCode.OK);
        if (!json.RootElement.TryGetProperty("access_token", out _))
        {
            throw new InvalidOperationException("token: no access_token");
        }
    }

    /// <summary>GET with a bearer token, expecting 200 and JSON.</summary>
    public async Task<JsonDocument> GetJsonAsync(string path, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await SendForJsonAsync(request, HttpStatusCode.OK);
    }

    /// <summary>POST of a JSON body with a bearer token, expecting 200 and JSON.</summary>
    public async Task<JsonDocument> PostJsonAsync(string path, string body, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await SendForJsonAsync(request, HttpStatusCode.OK);
    }

    /// <summary>GET with a bearer token whose body is read and dropped: the measured admin request.</summary>
    public async Task GetAsync(string path, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        }
    }

    private async Task<JsonDocument> SendForJsonAsync(HttpRequestMessage request, HttpStatusCode expected)
    {
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body);
    }

    private static string? QueryValue(Uri location, string name)
    {
        var query = location.OriginalString.Split('?', 2) is [_, var rest] ? rest.Split('#')[0] : string.Empty;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts[0] == name)
            {
                return parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : string.Empty;
            }
        }

        return null;
    }

    public static string RandomText(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}
