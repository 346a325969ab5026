using System.Text.Json;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// The client information response of RFC 7591 §3.2.1 and RFC 7592 §3, built from the client as stored plus the
/// secrets issued in this very response (their only appearance in plaintext).
/// </summary>
public sealed record ClientInformationResponse
{
    /// <summary>The client as stored.</summary>
    public required StoredClient Client { get; init; }

    /// <summary>A client secret issued by this request, or <see langword="null"/>.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>A registration access token issued by this request, or <see langword="null"/>.</summary>
    public string? RegistrationAccessToken { get; init; }

    /// <summary>The client configuration endpoint, when management is on.</summary>
    public Uri? RegistrationClientUri { get; init; }

    /// <summary>Writes the response object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString(ClientMetadataNames.ClientId, Client.ClientId);
        if (ClientSecret is not null)
        {
            writer.WriteString(ClientMetadataNames.ClientSecret, ClientSecret);
        }

        writer.WriteNumber(ClientMetadataNames.ClientIdIssuedAt, Client.ClientIdIssuedAt.ToUnixTimeSeconds());

        // RFC 7591 §3.2.1: 0 means the secret does not expire.
        writer.WriteNumber(ClientMetadataNames.ClientSecretExpiresAt, Client.ClientSecretExpiresAt?.ToUnixTimeSeconds() ?? 0);
        if (RegistrationAccessToken is not null)
        {
            writer.WriteString(ClientMetadataNames.RegistrationAccessToken, RegistrationAccessToken);
        }

        if (RegistrationClientUri is not null)
        {
            writer.WriteString(ClientMetadataNames.RegistrationClientUri, RegistrationClientUri.AbsoluteUri);
        }

        ClientMetadataJson.WriteMetadata(writer, Client.Metadata);
        writer.WriteEndObject();
    }
}
