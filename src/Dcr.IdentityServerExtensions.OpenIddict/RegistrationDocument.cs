using System.Text.Json;
using System.Text.Json.Serialization;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// What this product keeps about a dynamically registered client beyond OpenIddict's own columns, stored as one JSON
/// object in the application's <see cref="PropertyName"/> property. Only applications that carry it are dynamically
/// registered, and only they can be managed through RFC 7592.
/// </summary>
internal static class RegistrationDocument
{
    /// <summary>The name of the OpenIddict application property holding the document.</summary>
    public const string PropertyName = "dcr_registration";

    /// <summary>Whether <paramref name="application"/> is a dynamically registered client: only those carry the document.</summary>
    public static async ValueTask<bool> IsDynamicClientAsync(
        IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken) =>
        (await applications.GetPropertiesAsync(application, cancellationToken).ConfigureAwait(false)).ContainsKey(PropertyName);

    /// <summary>The application of a dynamically registered client, or <see langword="null"/> for any other client or none.</summary>
    public static async ValueTask<object?> FindDynamicClientAsync(
        IOpenIddictApplicationManager applications, string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false);
        return application is not null && applications is IDynamicClientApplicationManager
            && await IsDynamicClientAsync(applications, application, cancellationToken).ConfigureAwait(false)
            ? application
            : null;
    }

    /// <summary>Writes the document for <paramref name="client"/> under a new version.</summary>
    public static JsonElement Write(StoredClient client, string version) => JsonSerializer.SerializeToElement(
        new RegistrationDocumentContract
        {
            Version = version,
            ClientIdIssuedAt = client.ClientIdIssuedAt,
            ClientSecretExpiresAt = client.ClientSecretExpiresAt,
            RetainedClientSecretHash = client.RetainedClientSecret?.Hash,
            RetainedClientSecretExpiresAt = client.RetainedClientSecret?.ExpiresAt,
            RegistrationAccessTokenHash = client.RegistrationAccessTokenHash,
            CreatedBy = client.CreatedBy,
            CallerClaims = client.CallerClaims.Count == 0 ? null : [.. client.CallerClaims.Select(claim => new[] { claim.Key, claim.Value })],
            Anonymous = client.RegisteredAnonymously,
            RequirePkce = client.RequirePkce,
            Source = client.Source,
            MetadataDocumentFreshUntil = client.MetadataDocumentFreshUntil,
            Metadata = ClientMetadataJson.SerializeToElement(client.Metadata),
        },
        RegistrationDocumentJsonContext.Default.RegistrationDocumentContract);

    /// <summary>Reads the client back from its document and the secret hash OpenIddict holds.</summary>
    public static StoredClient Read(JsonElement document, string clientId, string? clientSecretHash)
    {
        var stored = Deserialize(document);
        var metadata = ClientMetadataJson.ReadStoredMetadata(stored.Metadata);
        if (!metadata.Succeeded)
        {
            throw new InvalidOperationException($"The stored registration of client '{clientId}' is not readable: {metadata.Error.Description}");
        }

        return new StoredClient
        {
            ClientId = clientId,
            Metadata = metadata.Value,
            ClientIdIssuedAt = stored.ClientIdIssuedAt,
            ClientSecretHash = clientSecretHash,
            ClientSecretExpiresAt = stored.ClientSecretExpiresAt,
            RetainedClientSecret = stored.RetainedClientSecret,
            RegistrationAccessTokenHash = stored.RegistrationAccessTokenHash,
            CreatedBy = stored.CreatedBy,
            CallerClaims = [.. (stored.CallerClaims ?? []).Where(claim => claim.Length == 2).Select(claim => KeyValuePair.Create(claim[0], claim[1]))],

            // Documents written before the flag existed: only an anonymous registration left no creator.
            RegisteredAnonymously = stored.Anonymous ?? stored.CreatedBy is null,
            RequirePkce = stored.RequirePkce,
            Version = stored.Version,

            // Documents written before clients had sources were all registrations.
            Source = stored.Source ?? ClientSources.Registration,
            MetadataDocumentFreshUntil = stored.MetadataDocumentFreshUntil,
        };
    }

    /// <summary>Reads only what the token endpoint needs to check a secret: the expiries and the retained hash.</summary>
    public static (DateTimeOffset? SecretExpiresAt, RetainedClientSecret? Retained) ReadSecretState(JsonElement document)
    {
        var stored = Deserialize(document);
        return (stored.ClientSecretExpiresAt, stored.RetainedClientSecret);
    }

    /// <summary>The <c>jwks_uri</c> of a <c>private_key_jwt</c> client, asked for on every assertion.</summary>
    public static Uri? ReadAssertionKeySetUri(JsonElement document) =>
        ClientMetadataJson.ReadStoredMetadata(Deserialize(document).Metadata) is { Succeeded: true } read
        && read.Value.UsesPrivateKeyJwt
        && Uri.TryCreate(read.Value.JwksUri, UriKind.Absolute, out var uri)
            ? uri
            : null;

    private static RegistrationDocumentContract Deserialize(JsonElement document) =>
        document.Deserialize(RegistrationDocumentJsonContext.Default.RegistrationDocumentContract)
        ?? throw new InvalidOperationException("A stored registration document is JSON null.");
}

/// <summary>
/// The stored form of <see cref="RegistrationDocument"/>, in the order it is written. Databases hold documents of
/// earlier versions, which lack <c>anonymous</c>, <c>require_pkce</c>, <c>caller_claims</c> and <c>source</c>.
/// </summary>
internal sealed class RegistrationDocumentContract
{
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonPropertyName("client_id_issued_at")] public required DateTimeOffset ClientIdIssuedAt { get; init; }
    [JsonPropertyName("client_secret_expires_at")] public DateTimeOffset? ClientSecretExpiresAt { get; init; }
    [JsonPropertyName("retained_client_secret_hash")] public string? RetainedClientSecretHash { get; init; }
    [JsonPropertyName("retained_client_secret_expires_at")] public DateTimeOffset? RetainedClientSecretExpiresAt { get; init; }
    [JsonPropertyName("registration_access_token_hash")] public string? RegistrationAccessTokenHash { get; init; }
    [JsonPropertyName("created_by")] public string? CreatedBy { get; init; }

    /// <summary>The caller's retained claims as <c>[type, value]</c> pairs.</summary>
    [JsonPropertyName("caller_claims")] public IReadOnlyList<string[]>? CallerClaims { get; init; }
    [JsonPropertyName("anonymous")] public bool? Anonymous { get; init; }
    [JsonPropertyName("require_pkce")] public bool RequirePkce { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("metadata_document_fresh_until")] public DateTimeOffset? MetadataDocumentFreshUntil { get; init; }

    /// <summary>The client metadata in the core's stored form (<see cref="ClientMetadataJson.SerializeToElement"/>).</summary>
    [JsonPropertyName("metadata")] public required JsonElement Metadata { get; init; }

    [JsonIgnore]
    public RetainedClientSecret? RetainedClientSecret =>
        RetainedClientSecretHash is { } hash && RetainedClientSecretExpiresAt is { } expiresAt ? new(hash, expiresAt) : null;
}

/// <summary>The source-generated serializer of <see cref="RegistrationDocumentContract"/>.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegistrationDocumentContract))]
[JsonSerializable(typeof(string))]
internal sealed partial class RegistrationDocumentJsonContext : JsonSerializerContext;
