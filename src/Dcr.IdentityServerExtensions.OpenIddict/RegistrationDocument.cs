using System.Text.Json;
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

    private const string Version = "version";
    private const string ClientIdIssuedAt = "client_id_issued_at";
    private const string ClientSecretExpiresAt = "client_secret_expires_at";
    private const string RetainedClientSecretHash = "retained_client_secret_hash";
    private const string RetainedClientSecretExpiresAt = "retained_client_secret_expires_at";
    private const string RegistrationAccessTokenHash = "registration_access_token_hash";
    private const string CreatedBy = "created_by";
    private const string CallerClaims = "caller_claims";
    private const string Anonymous = "anonymous";
    private const string RequirePkce = "require_pkce";
    private const string Metadata = "metadata";
    private const string Source = "source";
    private const string MetadataDocumentFreshUntil = "metadata_document_fresh_until";

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
    public static JsonElement Write(StoredClient client, string version)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(Version, version);
            writer.WriteString(ClientIdIssuedAt, client.ClientIdIssuedAt);
            if (client.ClientSecretExpiresAt is { } expiresAt)
            {
                writer.WriteString(ClientSecretExpiresAt, expiresAt);
            }

            if (client.RetainedClientSecret is { } retained)
            {
                writer.WriteString(RetainedClientSecretHash, retained.Hash);
                writer.WriteString(RetainedClientSecretExpiresAt, retained.ExpiresAt);
            }

            if (client.RegistrationAccessTokenHash is not null)
            {
                writer.WriteString(RegistrationAccessTokenHash, client.RegistrationAccessTokenHash);
            }

            if (client.CreatedBy is not null)
            {
                writer.WriteString(CreatedBy, client.CreatedBy);
            }

            if (client.CallerClaims.Count > 0)
            {
                writer.WriteStartArray(CallerClaims);
                foreach (var (type, value) in client.CallerClaims)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(type);
                    writer.WriteStringValue(value);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
            }

            writer.WriteBoolean(Anonymous, client.RegisteredAnonymously);
            writer.WriteBoolean(RequirePkce, client.RequirePkce);
            writer.WriteString(Source, client.Source);
            if (client.MetadataDocumentFreshUntil is { } freshUntil)
            {
                writer.WriteString(MetadataDocumentFreshUntil, freshUntil);
            }

            writer.WriteStartObject(Metadata);
            ClientMetadataJson.WriteMetadata(writer, client.Metadata);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    /// <summary>Reads the client back from its document and the secret hash OpenIddict holds.</summary>
    public static StoredClient Read(JsonElement document, string clientId, string? clientSecretHash)
    {
        var metadata = ClientMetadataJson.ReadStoredMetadata(document.GetProperty(Metadata));
        if (!metadata.Succeeded)
        {
            throw new InvalidOperationException($"The stored registration of client '{clientId}' is not readable: {metadata.Error.Description}");
        }

        var (secretExpiresAt, retained) = ReadSecretState(document);
        return new StoredClient
        {
            ClientId = clientId,
            Metadata = metadata.Value,
            ClientIdIssuedAt = document.GetProperty(ClientIdIssuedAt).GetDateTimeOffset(),
            ClientSecretHash = clientSecretHash,
            ClientSecretExpiresAt = secretExpiresAt,
            RetainedClientSecret = retained,
            RegistrationAccessTokenHash = ReadString(document, RegistrationAccessTokenHash),
            CreatedBy = ReadString(document, CreatedBy),
            CallerClaims = ReadCallerClaims(document),

            // Documents written before the flag existed: only an anonymous registration left no creator.
            RegisteredAnonymously = document.TryGetProperty(Anonymous, out var anonymous)
                ? anonymous.ValueKind == JsonValueKind.True
                : ReadString(document, CreatedBy) is null,
            RequirePkce = document.TryGetProperty(RequirePkce, out var requirePkce) && requirePkce.ValueKind == JsonValueKind.True,
            Version = ReadString(document, Version),

            // Documents written before clients had sources were all registrations.
            Source = ReadString(document, Source) ?? ClientSources.Registration,
            MetadataDocumentFreshUntil = ReadInstant(document, MetadataDocumentFreshUntil),
        };
    }

    /// <summary>Reads only what the token endpoint needs to check a secret: the expiries and the retained hash.</summary>
    public static (DateTimeOffset? SecretExpiresAt, RetainedClientSecret? Retained) ReadSecretState(JsonElement document)
    {
        var retained = document.TryGetProperty(RetainedClientSecretHash, out var hash)
            && ReadInstant(document, RetainedClientSecretExpiresAt) is { } retainedUntil
            ? new RetainedClientSecret(hash.GetString()!, retainedUntil)
            : null;
        return (ReadInstant(document, ClientSecretExpiresAt), retained);
    }

    /// <summary>
    /// The <c>jwks_uri</c> of a <c>private_key_jwt</c> client, read without the rest of the metadata: the token endpoint
    /// asks for it on every assertion.
    /// </summary>
    public static Uri? ReadAssertionKeySetUri(JsonElement document) =>
        document.TryGetProperty(Metadata, out var metadata)
        && ReadString(metadata, ClientMetadataNames.TokenEndpointAuthMethod) == ClientMetadataValues.AuthMethodPrivateKeyJwt
        && ReadString(metadata, ClientMetadataNames.JwksUri) is { } jwksUri
        && Uri.TryCreate(jwksUri, UriKind.Absolute, out var uri)
            ? uri
            : null;

    private static List<KeyValuePair<string, string>> ReadCallerClaims(JsonElement document) =>
        document.TryGetProperty(CallerClaims, out var claims) && claims.ValueKind == JsonValueKind.Array
            ? claims.EnumerateArray()
                .Where(claim => claim.ValueKind == JsonValueKind.Array && claim.GetArrayLength() == 2)
                .Select(claim => KeyValuePair.Create(claim[0].GetString()!, claim[1].GetString()!))
                .ToList()
            : [];

    private static string? ReadString(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? ReadInstant(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;
}
