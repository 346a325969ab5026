using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Dcr.Bench;

/// <summary>A dynamically registered client as its owner knows it: the latest secret and registration access token.</summary>
internal sealed class RegisteredClient
{
    private RegisteredClient(string clientId, string clientName)
    {
        ClientId = clientId;
        ClientName = clientName;
    }

    public string ClientId { get; }

    public string ClientName { get; set; }

    public string? ClientSecret { get; private set; }

    public string? RegistrationAccessToken { get; private set; }

    public Uri? RegistrationClientUri { get; private set; }

    /// <summary><c>client_secret_basic</c> credentials for the current secret.</summary>
    public AuthenticationHeaderValue? Basic { get; private set; }

    /// <summary>How many times the server rotated the secret or the registration access token of this client.</summary>
    public int Rotations { get; private set; }

    /// <summary>How many times the server rotated the client secret.</summary>
    public int SecretRotations { get; private set; }

    /// <summary>How many times the server rotated the registration access token.</summary>
    public int RegistrationAccessTokenRotations { get; private set; }

    /// <summary>A client saved by --save-clients, as it was then.</summary>
    public static RegisteredClient Restore(SavedClient saved)
    {
        var client = new RegisteredClient(saved.ClientId, saved.ClientName);
        client.Apply(new ClientInformation(saved.ClientId, saved.ClientSecret, saved.RegistrationAccessToken, saved.RegistrationClientUri), countRotation: false);
        return client;
    }

    public SavedClient Save() => new(ClientId, ClientName, ClientSecret, RegistrationAccessToken, RegistrationClientUri);

    /// <summary>Builds the client from a 201 registration response, or returns null when the response lacks a client_id.</summary>
    public static RegisteredClient? FromRegistration(ReadOnlySpan<byte> json, string clientName)
    {
        var information = ClientInformation.Parse(json);
        if (information.ClientId is null)
        {
            return null;
        }

        var client = new RegisteredClient(information.ClientId, clientName);
        client.Apply(information, countRotation: false);
        return client;
    }

    /// <summary>
    /// Takes whatever new credentials a GET or PUT response carries. With rotation on, the server answers every successful
    /// management call with a new client_secret and a new registration_access_token and the old ones stop working at once,
    /// so the owner must use these from now on. A member missing from the response means "unchanged".
    /// </summary>
    /// <returns>What the response rotated, or null when it is not about this client.</returns>
    public Rotated? Apply(ReadOnlySpan<byte> json)
    {
        var information = ClientInformation.Parse(json);
        if (!string.Equals(information.ClientId, ClientId, StringComparison.Ordinal))
        {
            return null;
        }

        return Apply(information, countRotation: true);
    }

    private Rotated Apply(ClientInformation information, bool countRotation)
    {
        var secretRotated = false;
        var tokenRotated = false;
        if (information.ClientSecret is { } secret && !string.Equals(secret, ClientSecret, StringComparison.Ordinal))
        {
            secretRotated = ClientSecret is not null;
            ClientSecret = secret;
            Basic = BasicCredentials(ClientId, secret);
        }

        if (information.RegistrationAccessToken is { } token && !string.Equals(token, RegistrationAccessToken, StringComparison.Ordinal))
        {
            tokenRotated = RegistrationAccessToken is not null;
            RegistrationAccessToken = token;
        }

        if (information.RegistrationClientUri is { } uri)
        {
            RegistrationClientUri = uri;
        }

        if (countRotation)
        {
            Rotations += secretRotated || tokenRotated ? 1 : 0;
            SecretRotations += secretRotated ? 1 : 0;
            RegistrationAccessTokenRotations += tokenRotated ? 1 : 0;
        }

        return new Rotated(secretRotated, tokenRotated);
    }

    /// <summary>RFC 6749 §2.3.1: both parts form-urlencoded, then joined by a colon and base64-encoded.</summary>
    public static AuthenticationHeaderValue BasicCredentials(string clientId, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(clientId) + ":" + FormEncode(secret))));

    private static string FormEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    /// <summary>What one management response changed: the client secret, the registration access token.</summary>
    public readonly record struct Rotated(bool ClientSecret, bool RegistrationAccessToken)
    {
        /// <summary>Whether this is what --expect-rotation says every successful GET and PUT rotates.</summary>
        public bool Matches(string expected) => expected switch
        {
            "none" => !ClientSecret && !RegistrationAccessToken,
            "registration-access-token" => !ClientSecret && RegistrationAccessToken,
            "both" => ClientSecret && RegistrationAccessToken,
            _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
        };
    }

    private readonly record struct ClientInformation(string? ClientId, string? ClientSecret, string? RegistrationAccessToken, Uri? RegistrationClientUri)
    {
        public static ClientInformation Parse(ReadOnlySpan<byte> json)
        {
            string? clientId = null, clientSecret = null, registrationAccessToken = null;
            Uri? registrationClientUri = null;
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                switch (name)
                {
                    case "client_id":
                        clientId = reader.GetString();
                        break;
                    case "client_secret":
                        clientSecret = reader.GetString();
                        break;
                    case "registration_access_token":
                        registrationAccessToken = reader.GetString();
                        break;
                    case "registration_client_uri":
                        registrationClientUri = Uri.TryCreate(reader.GetString(), UriKind.Absolute, out var uri) ? uri : null;
                        break;
                }
            }

            return new(clientId, clientSecret, registrationAccessToken, registrationClientUri);
        }
    }
}

/// <summary>A set-up client as --save-clients writes it and --load-clients reads it.</summary>
internal sealed record SavedClient(string ClientId, string ClientName, string? ClientSecret, string? RegistrationAccessToken, Uri? RegistrationClientUri);

/// <summary>The file of --save-clients and --load-clients.</summary>
internal sealed record SavedClients(string InitialAccessToken, IReadOnlyList<SavedClient> Clients);

/// <summary>The protocol calls the scenarios make. Each returns the HTTP status and reads the whole response body.</summary>
internal sealed class DcrApi
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue FormType = new("application/x-www-form-urlencoded");

    private readonly HttpClient _http;
    private readonly BenchOptions _options;
    private readonly Uri _tokenUri;
    private readonly Uri _registrationUri;

    public DcrApi(HttpClient http, BenchOptions options)
    {
        _http = http;
        _options = options;
        _tokenUri = new Uri(options.Url, options.TokenPath);
        _registrationUri = new Uri(options.Url, options.RegistrationPath);
    }

    /// <summary>The form body of a client_credentials request for the given scope.</summary>
    public static byte[] ClientCredentialsForm(string scope) =>
        Encoding.ASCII.GetBytes("grant_type=client_credentials&scope=" + Uri.EscapeDataString(scope));

    /// <summary>client_credentials at the token endpoint; the client authenticates with client_secret_basic.</summary>
    public async Task<(int Status, byte[] Body)> TokenAsync(AuthenticationHeaderValue basic, byte[] form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenUri);
        request.Headers.Authorization = basic;
        request.Content = new ByteArrayContent(form);
        request.Content.Headers.ContentType = FormType;
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches an initial access token with the admin client's credentials; throws when the host refuses.</summary>
    public async Task<string> GetInitialAccessTokenAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await TokenAsync(
            RegisteredClient.BasicCredentials(_options.AdminId, _options.AdminSecret),
            ClientCredentialsForm(_options.DcrScope),
            cancellationToken).ConfigureAwait(false);
        if (status != 200)
        {
            throw new InvalidOperationException(
                $"The token endpoint {_tokenUri} answered {status} to the admin client '{_options.AdminId}': {Truncate(body)}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("The token response carries no access_token.");
    }

    /// <summary>POST to the registration endpoint with an initial access token.</summary>
    public async Task<(int Status, RegisteredClient? Client, byte[] Body)> RegisterAsync(
        string initialAccessToken, string clientName, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _registrationUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", initialAccessToken);
        request.Content = JsonContent(MetadataJson(clientId: null, clientName));
        var (status, body) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return status == 201
            ? (status, RegisteredClient.FromRegistration(body, clientName), body)
            : (status, null, body);
    }

    /// <summary>The status of a response that was a 200 but rotated what --expect-rotation says it must not (or not what it must).</summary>
    public const int UnexpectedRotation = -3;

    /// <summary>GET registration_client_uri; on 200 the client takes the rotated credentials from the response.</summary>
    public async Task<int> ReadAsync(RegisteredClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, client.RegistrationClientUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.RegistrationAccessToken);
        var (status, body) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return status == 200 ? Checked(client.Apply(body)) : status;
    }

    // -2 for a 200 that is not about the client, -3 for one that rotated other than --expect-rotation says.
    private int Checked(RegisteredClient.Rotated? rotated) =>
        rotated is not { } what ? -2
        : _options.ExpectRotation is { } expected && !what.Matches(expected) ? UnexpectedRotation
        : 200;

    /// <summary>
    /// PUT registration_client_uri with the full metadata and the client_id (RFC 7592 §2.2: a full replacement);
    /// on 200 the client takes the rotated credentials from the response.
    /// </summary>
    public async Task<int> UpdateAsync(RegisteredClient client, string newName, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, client.RegistrationClientUri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.RegistrationAccessToken);
        request.Content = JsonContent(MetadataJson(client.ClientId, newName));
        var (status, body) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (status == 200)
        {
            var result = Checked(client.Apply(body));
            if (result == -2)
            {
                return result;
            }

            client.ClientName = newName;
            return result;
        }

        return status;
    }

    private byte[] MetadataJson(string? clientId, string clientName)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (clientId is not null)
            {
                writer.WriteString("client_id", clientId);
            }

            writer.WriteStartArray("grant_types");
            writer.WriteStringValue("client_credentials");
            writer.WriteEndArray();

            // An empty response_types: the client never uses the authorization endpoint. A server whose default response type
            // is "code" (node-oidc-provider) would otherwise require redirect_uris; both servers accept the empty list.
            writer.WriteStartArray("response_types");
            writer.WriteEndArray();
            writer.WriteString("token_endpoint_auth_method", "client_secret_basic");
            writer.WriteString("scope", _options.Scope);
            writer.WriteString("client_name", clientName);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ByteArrayContent JsonContent(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = JsonType;
        return content;
    }

    private async Task<(int Status, byte[] Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return ((int)response.StatusCode, body);
    }

    public static string Truncate(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400));
        return body.Length > 400 ? text + "…" : text;
    }
}
