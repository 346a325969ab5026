using System.Text.Json;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// Reads client metadata from JSON and writes it back, member by member, so every wire name is pinned and every
/// type error names the member at fault.
/// </summary>
public static class ClientMetadataJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
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

    /// <summary>
    /// Parses a request body. Malformed JSON, a body that is not a JSON object, or a member of the wrong type yields
    /// <c>invalid_client_metadata</c>. Members that are neither RFC metadata nor in
    /// <paramref name="extendedMetadataNames"/> are ignored, as RFC 7591 §2 requires.
    /// </summary>
    /// <param name="body">The UTF-8 request body.</param>
    /// <param name="extendedMetadataNames">Extra member names the server accepts and stores.</param>
    internal static RegistrationResult<ClientRegistrationRequest> ReadRequest(
        ReadOnlyMemory<byte> body, IReadOnlySet<string>? extendedMetadataNames = null)
    {
        // Checked up front: the parser checks string contents only when they are read, and would then throw.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return RegistrationError.InvalidMetadata("The request body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // The parser's message may quote the body; the client gets a fixed description instead.
            return RegistrationError.InvalidMetadata("The request body is not a well-formed JSON document without duplicate member names.");
        }

        using (document)
        {
            return ReadRequest(document.RootElement, extendedMetadataNames);
        }
    }

    /// <summary>Reads a request from an already parsed JSON element.</summary>
    internal static RegistrationResult<ClientRegistrationRequest> ReadRequest(
        JsonElement root, IReadOnlySet<string>? extendedMetadataNames = null) =>
        Read(root, name => extendedMetadataNames?.Contains(name) == true, rejectUnsupported: true);

    /// <summary>
    /// Reads metadata this product stored (see <see cref="WriteMetadata"/>): every member outside the RFCs is
    /// extended metadata that was accepted when it was stored.
    /// </summary>
    public static RegistrationResult<ClientMetadata> ReadStoredMetadata(JsonElement stored)
    {
        var read = Read(stored, static _ => true, rejectUnsupported: false);
        return read.Succeeded ? read.Value.Metadata : read.Error;
    }

    private static RegistrationResult<ClientRegistrationRequest> Read(
        JsonElement root, Func<string, bool> isExtendedMember, bool rejectUnsupported)
    {
        try
        {
            return ReadMembers(root, isExtendedMember, rejectUnsupported);
        }
        catch (InvalidOperationException)
        {
            // A string escape that decodes to invalid UTF-16, such as a lone surrogate ("\ud800").
            return RegistrationError.InvalidMetadata("The request body contains a string that is not valid Unicode.");
        }
    }

    private static RegistrationResult<ClientRegistrationRequest> ReadMembers(
        JsonElement root, Func<string, bool> isExtendedMember, bool rejectUnsupported)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return RegistrationError.InvalidMetadata("The request body must be a JSON object of client metadata.");
        }

        var metadata = new ClientMetadata();
        string? clientId = null;
        string? clientSecret = null;
        var serverIssued = new List<string>();
        var unsupported = new List<string>();
        var extended = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

        foreach (var member in root.EnumerateObject())
        {
            var value = member.Value;
            RegistrationError? error = null;
            switch (member.Name)
            {
                case ClientMetadataNames.RedirectUris:
                    metadata = metadata with { RedirectUris = ReadStringArray(member.Name, value, ref error) ?? [] };
                    break;
                case ClientMetadataNames.TokenEndpointAuthMethod:
                    metadata = metadata with { TokenEndpointAuthMethod = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.GrantTypes:
                    metadata = metadata with { GrantTypes = ReadStringArray(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.ResponseTypes:
                    metadata = metadata with { ResponseTypes = ReadStringArray(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.ClientName:
                    metadata = metadata with { ClientName = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.ClientUri:
                    metadata = metadata with { ClientUri = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.LogoUri:
                    metadata = metadata with { LogoUri = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.Scope:
                    metadata = metadata with { Scope = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.Contacts:
                    metadata = metadata with { Contacts = ReadStringArray(member.Name, value, ref error) ?? [] };
                    break;
                case ClientMetadataNames.TosUri:
                    metadata = metadata with { TosUri = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.PolicyUri:
                    metadata = metadata with { PolicyUri = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.JwksUri:
                    metadata = metadata with { JwksUri = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.Jwks:
                    metadata = metadata with { Jwks = ReadObject(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.SoftwareId:
                    metadata = metadata with { SoftwareId = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.SoftwareVersion:
                    metadata = metadata with { SoftwareVersion = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.PostLogoutRedirectUris:
                    metadata = metadata with { PostLogoutRedirectUris = ReadStringArray(member.Name, value, ref error) ?? [] };
                    break;
                case ClientMetadataNames.ApplicationType:
                    metadata = metadata with { ApplicationType = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.SoftwareStatement:
                    metadata = metadata with { SoftwareStatement = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.TokenEndpointAuthSigningAlg:
                    metadata = metadata with { TokenEndpointAuthSigningAlg = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.IdTokenSignedResponseAlg:
                    metadata = metadata with { IdTokenSignedResponseAlg = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.RequestObjectSigningAlg:
                    metadata = metadata with { RequestObjectSigningAlg = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.DefaultMaxAge:
                    metadata = metadata with { DefaultMaxAge = ReadNonNegativeInteger(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.RequireAuthTime:
                    metadata = metadata with { RequireAuthTime = ReadBoolean(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.SubjectType:
                    metadata = metadata with { SubjectType = ReadString(member.Name, value, ref error) };
                    break;
                case ClientMetadataNames.ClientId:
                    clientId = ReadString(member.Name, value, ref error);
                    break;
                case ClientMetadataNames.ClientSecret:
                    clientSecret = ReadString(member.Name, value, ref error);
                    break;
                case var name when ServerIssuedMemberNames.Contains(name):
                    serverIssued.Add(name);
                    break;
                case var name when isExtendedMember(name):
                    if (value.ValueKind != JsonValueKind.Null)
                    {
                        extended[name] = value.Clone();
                    }
                    break;
                case var name when rejectUnsupported && ClientMetadataValues.UnsupportedMemberNames.Contains(name):
                    // Client libraries send empty defaults (null, [], "", false) for members they do not use;
                    // only a member that asks for something is refused.
                    if (AsksForSomething(value))
                    {
                        unsupported.Add(name);
                    }

                    break;
            }

            if (error is not null)
            {
                return error;
            }
        }

        return new ClientRegistrationRequest
        {
            Metadata = metadata with { ExtendedMetadata = extended },
            ClientId = clientId,
            ClientSecret = clientSecret,
            ServerIssuedMembers = serverIssued,
            UnsupportedMembers = unsupported,
        };
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

    /// <summary>Serializes metadata to a JSON object string (the stored form).</summary>
    internal static string SerializeMetadata(ClientMetadata metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteMetadata(writer, metadata);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the metadata members (not the enclosing object) with their RFC names.</summary>
    public static void WriteMetadata(Utf8JsonWriter writer, ClientMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(metadata);

        WriteArray(writer, ClientMetadataNames.RedirectUris, metadata.RedirectUris, writeWhenEmpty: false);
        WriteString(writer, ClientMetadataNames.TokenEndpointAuthMethod, metadata.TokenEndpointAuthMethod);
        WriteArray(writer, ClientMetadataNames.GrantTypes, metadata.GrantTypes, writeWhenEmpty: true);
        WriteArray(writer, ClientMetadataNames.ResponseTypes, metadata.ResponseTypes, writeWhenEmpty: true);
        WriteString(writer, ClientMetadataNames.ApplicationType, metadata.ApplicationType);
        WriteString(writer, ClientMetadataNames.ClientName, metadata.ClientName);
        WriteString(writer, ClientMetadataNames.ClientUri, metadata.ClientUri);
        WriteString(writer, ClientMetadataNames.LogoUri, metadata.LogoUri);
        WriteString(writer, ClientMetadataNames.Scope, metadata.Scope);
        WriteArray(writer, ClientMetadataNames.Contacts, metadata.Contacts, writeWhenEmpty: false);
        WriteString(writer, ClientMetadataNames.TosUri, metadata.TosUri);
        WriteString(writer, ClientMetadataNames.PolicyUri, metadata.PolicyUri);
        WriteString(writer, ClientMetadataNames.JwksUri, metadata.JwksUri);
        if (metadata.Jwks is { } jwks)
        {
            writer.WritePropertyName(ClientMetadataNames.Jwks);
            jwks.WriteTo(writer);
        }

        WriteString(writer, ClientMetadataNames.SoftwareId, metadata.SoftwareId);
        WriteString(writer, ClientMetadataNames.SoftwareVersion, metadata.SoftwareVersion);
        WriteArray(writer, ClientMetadataNames.PostLogoutRedirectUris, metadata.PostLogoutRedirectUris, writeWhenEmpty: false);
        WriteString(writer, ClientMetadataNames.TokenEndpointAuthSigningAlg, metadata.TokenEndpointAuthSigningAlg);
        WriteString(writer, ClientMetadataNames.IdTokenSignedResponseAlg, metadata.IdTokenSignedResponseAlg);
        WriteString(writer, ClientMetadataNames.RequestObjectSigningAlg, metadata.RequestObjectSigningAlg);
        if (metadata.DefaultMaxAge is { } maxAge)
        {
            writer.WriteNumber(ClientMetadataNames.DefaultMaxAge, maxAge);
        }

        if (metadata.RequireAuthTime is { } requireAuthTime)
        {
            writer.WriteBoolean(ClientMetadataNames.RequireAuthTime, requireAuthTime);
        }

        WriteString(writer, ClientMetadataNames.SubjectType, metadata.SubjectType);
        WriteString(writer, ClientMetadataNames.SoftwareStatement, metadata.SoftwareStatement);

        foreach (var (name, value) in metadata.ExtendedMetadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values, bool writeWhenEmpty)
    {
        if (values is null || (values.Count == 0 && !writeWhenEmpty))
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    // JSON null reads as "omitted": clients commonly serialize unset optional members as null.
    private static string? ReadString(string name, JsonElement value, ref RegistrationError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Null:
                return null;
            default:
                error = RegistrationError.InvalidMetadata($"The '{name}' member must be a string.");
                return null;
        }
    }

    private static bool AsksForSomething(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False => false,
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.String => value.GetString()!.Length > 0,
        _ => true,
    };

    private static long? ReadNonNegativeInteger(string name, JsonElement value, ref RegistrationError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetInt64(out var number) && number >= 0:
                return number;
            case JsonValueKind.Null:
                return null;
            default:
                error = RegistrationError.InvalidMetadata($"The '{name}' member must be a non-negative integer.");
                return null;
        }
    }

    private static bool? ReadBoolean(string name, JsonElement value, ref RegistrationError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Null:
                return null;
            default:
                error = RegistrationError.InvalidMetadata($"The '{name}' member must be a boolean.");
                return null;
        }
    }

    private static List<string>? ReadStringArray(string name, JsonElement value, ref RegistrationError? error)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            error = RegistrationError.InvalidMetadata($"The '{name}' member must be an array of strings.");
            return null;
        }

        var values = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                error = RegistrationError.InvalidMetadata($"The '{name}' member must be an array of strings.");
                return null;
            }

            values.Add(item.GetString()!);
        }

        return values;
    }

    private static JsonElement? ReadObject(string name, JsonElement value, ref RegistrationError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return value.Clone();
            case JsonValueKind.Null:
                return null;
            default:
                error = RegistrationError.InvalidMetadata($"The '{name}' member must be a JSON object.");
                return null;
        }
    }
}
