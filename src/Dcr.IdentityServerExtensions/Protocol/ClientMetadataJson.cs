using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// Client metadata as JSON, through one source-generated contract (<see cref="ClientMetadataContract"/>): every wire
/// name is pinned there, and every type error names the member at fault.
/// </summary>
public static class ClientMetadataJson
{
    /// <summary>How every client metadata body is parsed: a registration's, a metadata document's.</summary>
    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        // RFC 8259 leaves duplicate names undefined; accepting them would let two parsers disagree about a client.
        AllowDuplicateProperties = false,
        MaxDepth = 32,
    };

    private static readonly HashSet<string> ServerIssuedMemberNames = new(StringComparer.Ordinal)
    {
        ClientMetadataNames.RegistrationAccessToken,
        ClientMetadataNames.RegistrationClientUri,
        ClientMetadataNames.ClientSecretExpiresAt,
        ClientMetadataNames.ClientIdIssuedAt,
    };

    // The contract's members by JSON name, with the .NET type that says what each must hold.
    private static readonly Dictionary<string, Type> MemberTypes = ClientMetadataJsonContext.Default.ClientMetadataContract.Properties
        .Where(property => !property.IsExtensionData)
        .ToDictionary(property => property.Name, property => property.PropertyType, StringComparer.Ordinal);

    /// <summary>
    /// Parses a request body. Malformed JSON, duplicate member names, nesting deeper than 32 or text that is not UTF-8
    /// yields <c>invalid_client_metadata</c>.
    /// </summary>
    internal static RegistrationResult<JsonDocument> Parse(ReadOnlyMemory<byte> body)
    {
        // Checked up front: the parser checks string contents only when they are read, and would then throw.
        if (!Utf8.IsValid(body.Span))
        {
            return Errors.NotUtf8;
        }

        try
        {
            return JsonDocument.Parse(body, DocumentOptions);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // The parser's message may quote the body; the client gets a fixed description instead.
            return Errors.Malformed;
        }
    }

    /// <summary>As <see cref="Parse"/>, reading <paramref name="body"/> to its end.</summary>
    internal static async Task<RegistrationResult<JsonDocument>> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, DocumentOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // The duplicate check decodes member names: an escape that is no valid UTF-16 ("\udc00") throws there.
            return Errors.Malformed;
        }

        // As in Parse, after the fact: the parser checks string contents only when they are read.
        if (Utf8.IsValid(JsonMarshal.GetRawUtf8Value(document.RootElement)))
        {
            return document;
        }

        document.Dispose();
        return Errors.NotUtf8;
    }

    /// <summary>
    /// Reads a request body: <see cref="Parse"/>, then <see cref="ReadRequest(JsonElement, IReadOnlySet{string})"/>.
    /// </summary>
    internal static RegistrationResult<ClientRegistrationRequest> ReadRequest(
        ReadOnlyMemory<byte> body, IReadOnlySet<string>? extendedMetadataNames = null)
    {
        var parsed = Parse(body);
        if (!parsed.Succeeded)
        {
            return parsed.Error;
        }

        using var document = parsed.Value;
        return ReadRequest(document.RootElement, extendedMetadataNames);
    }

    /// <summary>
    /// Reads a request from a parsed JSON element. A root that is not an object, or a member of the wrong type, yields
    /// <c>invalid_client_metadata</c>. Members that are neither RFC metadata nor in
    /// <paramref name="extendedMetadataNames"/> are ignored, as RFC 7591 §2 requires.
    /// </summary>
    internal static RegistrationResult<ClientRegistrationRequest> ReadRequest(
        JsonElement root, IReadOnlySet<string>? extendedMetadataNames = null) =>
        Read(root, name => extendedMetadataNames?.Contains(name) == true, rejectUnsupported: true);

    /// <summary>
    /// Reads metadata this product stored (see <see cref="SerializeToElement"/>): every member outside the RFCs is
    /// extended metadata that was accepted when it was stored.
    /// </summary>
    public static RegistrationResult<ClientMetadata> ReadStoredMetadata(JsonElement stored)
    {
        var read = Read(stored, static _ => true, rejectUnsupported: false);
        return read.Succeeded ? read.Value.Metadata : read.Error;
    }

    /// <summary>Reads metadata that this product wrote with <see cref="SerializeMetadata"/> (for example from a store).</summary>
    internal static ClientMetadata ReadStoredMetadata(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = ReadStoredMetadata(document.RootElement);
        return result.Succeeded
            ? result.Value
            : throw new InvalidOperationException("The stored client metadata is not readable: " + result.Error.Description);
    }

    /// <summary>
    /// The metadata as a JSON object with the RFC member names, omitting what the client omitted: the form a store
    /// keeps and <see cref="ReadStoredMetadata(JsonElement)"/> reads.
    /// </summary>
    public static JsonElement SerializeToElement(ClientMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return JsonSerializer.SerializeToElement(
            ClientMetadataContract.From(metadata), ClientMetadataJsonContext.Default.ClientMetadataContract);
    }

    /// <summary>Serializes metadata to a JSON object string (the stored form).</summary>
    internal static string SerializeMetadata(ClientMetadata metadata) => SerializeToElement(metadata).GetRawText();

    /// <summary>Writes the metadata members (not the enclosing object) with their RFC names.</summary>
    public static void WriteMetadata(Utf8JsonWriter writer, ClientMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var member in SerializeToElement(metadata).EnumerateObject())
        {
            member.WriteTo(writer);
        }
    }

    private static RegistrationResult<ClientRegistrationRequest> Read(
        JsonElement root, Func<string, bool> isExtendedMember, bool rejectUnsupported)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Errors.NotAnObject;
        }

        try
        {
            var read = root.Deserialize(ClientMetadataJsonContext.Default.ClientMetadataContract)!;
            if (MemberWithInvalidValue(read) is { } invalid)
            {
                return Errors.WrongType(invalid);
            }

            var serverIssued = new List<string>();
            var unsupported = new List<string>();
            var extended = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var (name, value) in read.OtherMembers ?? [])
            {
                if (ServerIssuedMemberNames.Contains(name))
                {
                    serverIssued.Add(name);
                }
                else if (isExtendedMember(name))
                {
                    if (value.ValueKind != JsonValueKind.Null)
                    {
                        extended[name] = value;
                    }
                }
                else if (rejectUnsupported && ClientMetadataValues.UnsupportedMemberNames.Contains(name) && AsksForSomething(value))
                {
                    // Client libraries send empty defaults (null, [], "", false) for members they do not use;
                    // only a member that asks for something is refused.
                    unsupported.Add(name);
                }
            }

            return new ClientRegistrationRequest
            {
                Metadata = read.ToMetadata(extended),
                ClientId = read.ClientId,
                ClientSecret = read.ClientSecret,
                ServerIssuedMembers = serverIssued,
                UnsupportedMembers = unsupported,
            };
        }
        catch (JsonException exception)
        {
            return Refusal(root, exception);
        }
        catch (InvalidOperationException)
        {
            // A string escape that decodes to invalid UTF-16 ("\ud800") in a member name or a value read here, in an
            // element parsed without the request's rules; the serializer wraps only those in the values it reads.
            return Errors.NotUnicode;
        }
    }

    // What the serializer accepts but the RFCs do not: a null among strings, a negative age, a key set that is no object.
    private static string? MemberWithInvalidValue(ClientMetadataContract read) =>
        new (string Name, IReadOnlyList<string?>? Values)[]
        {
            (ClientMetadataNames.RedirectUris, read.RedirectUris),
            (ClientMetadataNames.GrantTypes, read.GrantTypes),
            (ClientMetadataNames.ResponseTypes, read.ResponseTypes),
            (ClientMetadataNames.Contacts, read.Contacts),
            (ClientMetadataNames.PostLogoutRedirectUris, read.PostLogoutRedirectUris),
        }.FirstOrDefault(array => array.Values?.Contains(null) == true).Name
        ?? (read.DefaultMaxAge < 0 ? ClientMetadataNames.DefaultMaxAge : null)
        ?? (read.Jwks is { ValueKind: not JsonValueKind.Object } ? ClientMetadataNames.Jwks : null);

    // The serializer names the member it failed on in the exception's path ("$.client_name", "$.redirect_uris[1]").
    private static RegistrationError Refusal(JsonElement root, JsonException exception)
    {
        // An element parsed without the request's rules (a software statement's claims) may hold duplicate members.
        var strict = Parse(JsonMarshal.GetRawUtf8Value(root).ToArray());
        if (!strict.Succeeded)
        {
            return strict.Error;
        }

        strict.Value.Dispose();
        var path = exception.Path ?? string.Empty;
        var name = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..].Split('.', '[')[0] : null;
        if (name is null || !MemberTypes.TryGetValue(name, out var type) || type == typeof(JsonElement?))
        {
            return Errors.Malformed;
        }

        // A value of the right JSON type that still failed is a string escape that decodes to invalid UTF-16, such as
        // a lone surrogate ("\ud800").
        var value = root.GetProperty(name);
        var rightKind = type == typeof(string)
            ? value.ValueKind == JsonValueKind.String
            : type == typeof(IReadOnlyList<string>) && value.ValueKind == JsonValueKind.Array
                && value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String);
        return rightKind ? Errors.NotUnicode : Errors.WrongType(name);
    }

    private static bool AsksForSomething(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False => false,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.String => value.GetString()!.Length > 0,
        _ => true,
    };

    /// <summary>Every description this reader gives a client.</summary>
    // The texts live in the catalog of client-facing descriptions, each under its stable id.
    private static class Errors
    {
        public static RegistrationError NotUtf8 => RegistrationErrorDescriptions.RequestBodyNotUtf8();

        public static RegistrationError Malformed => RegistrationErrorDescriptions.RequestBodyNotWellFormedJson();

        public static RegistrationError NotUnicode => RegistrationErrorDescriptions.StringNotValidUnicode();

        public static RegistrationError NotAnObject => RegistrationErrorDescriptions.RequestBodyNotObject();

        public static RegistrationError WrongType(string name) => MemberTypes[name] switch
        {
            var type when type == typeof(string) => RegistrationErrorDescriptions.MemberNotString(name),
            var type when type == typeof(long?) => RegistrationErrorDescriptions.MemberNotNonNegativeInteger(name),
            var type when type == typeof(bool?) => RegistrationErrorDescriptions.MemberNotBoolean(name),
            var type when type == typeof(JsonElement?) => RegistrationErrorDescriptions.MemberNotObject(name),
            _ => RegistrationErrorDescriptions.MemberNotStringArray(name),
        };
    }
}

/// <summary>
/// The JSON contract of client metadata (RFC 7591 §2, OpenID Connect Dynamic Client Registration 1.0 §2), in the
/// order it is written; <c>client_id</c> and <c>client_secret</c> are read from requests and never written.
/// </summary>
internal sealed class ClientMetadataContract
{
    [JsonPropertyName(ClientMetadataNames.RedirectUris)] public IReadOnlyList<string>? RedirectUris { get; init; }
    [JsonPropertyName(ClientMetadataNames.TokenEndpointAuthMethod)] public string? TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName(ClientMetadataNames.GrantTypes)] public IReadOnlyList<string>? GrantTypes { get; init; }
    [JsonPropertyName(ClientMetadataNames.ResponseTypes)] public IReadOnlyList<string>? ResponseTypes { get; init; }
    [JsonPropertyName(ClientMetadataNames.ApplicationType)] public string? ApplicationType { get; init; }
    [JsonPropertyName(ClientMetadataNames.ClientName)] public string? ClientName { get; init; }
    [JsonPropertyName(ClientMetadataNames.ClientUri)] public string? ClientUri { get; init; }
    [JsonPropertyName(ClientMetadataNames.LogoUri)] public string? LogoUri { get; init; }
    [JsonPropertyName(ClientMetadataNames.Scope)] public string? Scope { get; init; }
    [JsonPropertyName(ClientMetadataNames.Contacts)] public IReadOnlyList<string>? Contacts { get; init; }
    [JsonPropertyName(ClientMetadataNames.TosUri)] public string? TosUri { get; init; }
    [JsonPropertyName(ClientMetadataNames.PolicyUri)] public string? PolicyUri { get; init; }
    [JsonPropertyName(ClientMetadataNames.JwksUri)] public string? JwksUri { get; init; }
    [JsonPropertyName(ClientMetadataNames.Jwks)] public JsonElement? Jwks { get; init; }
    [JsonPropertyName(ClientMetadataNames.SoftwareId)] public string? SoftwareId { get; init; }
    [JsonPropertyName(ClientMetadataNames.SoftwareVersion)] public string? SoftwareVersion { get; init; }
    [JsonPropertyName(ClientMetadataNames.PostLogoutRedirectUris)] public IReadOnlyList<string>? PostLogoutRedirectUris { get; init; }
    [JsonPropertyName(ClientMetadataNames.TokenEndpointAuthSigningAlg)] public string? TokenEndpointAuthSigningAlg { get; init; }
    [JsonPropertyName(ClientMetadataNames.IdTokenSignedResponseAlg)] public string? IdTokenSignedResponseAlg { get; init; }
    [JsonPropertyName(ClientMetadataNames.RequestObjectSigningAlg)] public string? RequestObjectSigningAlg { get; init; }
    [JsonPropertyName(ClientMetadataNames.DefaultMaxAge)] public long? DefaultMaxAge { get; init; }
    [JsonPropertyName(ClientMetadataNames.RequireAuthTime)] public bool? RequireAuthTime { get; init; }
    [JsonPropertyName(ClientMetadataNames.SubjectType)] public string? SubjectType { get; init; }
    [JsonPropertyName(ClientMetadataNames.SoftwareStatement)] public string? SoftwareStatement { get; init; }
    [JsonPropertyName(ClientMetadataNames.ClientId)] public string? ClientId { get; init; }
    [JsonPropertyName(ClientMetadataNames.ClientSecret)] public string? ClientSecret { get; init; }

    /// <summary>Every other member: extended metadata, server-issued members, members this product ignores.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? OtherMembers { get; set; }

    // JSON null reads as "omitted": clients commonly serialize unset optional members as null.
    public ClientMetadata ToMetadata(IReadOnlyDictionary<string, JsonElement> extendedMetadata) => new()
    {
        RedirectUris = RedirectUris ?? [],
        TokenEndpointAuthMethod = TokenEndpointAuthMethod,
        GrantTypes = GrantTypes,
        ResponseTypes = ResponseTypes,
        ApplicationType = ApplicationType,
        ClientName = ClientName,
        ClientUri = ClientUri,
        LogoUri = LogoUri,
        Scope = Scope,
        Contacts = Contacts ?? [],
        TosUri = TosUri,
        PolicyUri = PolicyUri,
        JwksUri = JwksUri,
        Jwks = Jwks,
        SoftwareId = SoftwareId,
        SoftwareVersion = SoftwareVersion,
        PostLogoutRedirectUris = PostLogoutRedirectUris ?? [],
        TokenEndpointAuthSigningAlg = TokenEndpointAuthSigningAlg,
        IdTokenSignedResponseAlg = IdTokenSignedResponseAlg,
        RequestObjectSigningAlg = RequestObjectSigningAlg,
        DefaultMaxAge = DefaultMaxAge,
        RequireAuthTime = RequireAuthTime,
        SubjectType = SubjectType,
        SoftwareStatement = SoftwareStatement,
        ExtendedMetadata = extendedMetadata,
    };

    // An empty grant_types or response_types is written: omitted would mean the RFC default. Extended members follow
    // the RFC members in name order.
    public static ClientMetadataContract From(ClientMetadata metadata) => new()
    {
        RedirectUris = NullIfEmpty(metadata.RedirectUris),
        TokenEndpointAuthMethod = metadata.TokenEndpointAuthMethod,
        GrantTypes = metadata.GrantTypes,
        ResponseTypes = metadata.ResponseTypes,
        ApplicationType = metadata.ApplicationType,
        ClientName = metadata.ClientName,
        ClientUri = metadata.ClientUri,
        LogoUri = metadata.LogoUri,
        Scope = metadata.Scope,
        Contacts = NullIfEmpty(metadata.Contacts),
        TosUri = metadata.TosUri,
        PolicyUri = metadata.PolicyUri,
        JwksUri = metadata.JwksUri,
        Jwks = metadata.Jwks,
        SoftwareId = metadata.SoftwareId,
        SoftwareVersion = metadata.SoftwareVersion,
        PostLogoutRedirectUris = NullIfEmpty(metadata.PostLogoutRedirectUris),
        TokenEndpointAuthSigningAlg = metadata.TokenEndpointAuthSigningAlg,
        IdTokenSignedResponseAlg = metadata.IdTokenSignedResponseAlg,
        RequestObjectSigningAlg = metadata.RequestObjectSigningAlg,
        DefaultMaxAge = metadata.DefaultMaxAge,
        RequireAuthTime = metadata.RequireAuthTime,
        SubjectType = metadata.SubjectType,
        SoftwareStatement = metadata.SoftwareStatement,
        OtherMembers = metadata.ExtendedMetadata.Count == 0
            ? null
            : new(metadata.ExtendedMetadata.OrderBy(member => member.Key, StringComparer.Ordinal)),
    };

    private static IReadOnlyList<string>? NullIfEmpty(IReadOnlyList<string> values) => values.Count == 0 ? null : values;
}

/// <summary>The source-generated serializer of <see cref="ClientMetadataContract"/>.</summary>
[JsonSourceGenerationOptions(AllowDuplicateProperties = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClientMetadataContract))]
internal sealed partial class ClientMetadataJsonContext : JsonSerializerContext;
