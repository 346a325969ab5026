using Dcr.IdentityServerExtensions.Protocol;

namespace Dcr.IdentityServerExtensions.Stores;

/// <summary>
/// A dynamically registered client as the store holds it. Secrets appear only as hashes
/// (<see cref="Secrets.RegistrationSecrets.Hash"/>).
/// </summary>
public sealed record StoredClient
{
    /// <summary>The client identifier.</summary>
    public required string ClientId { get; init; }

    /// <summary>The validated, normalized metadata.</summary>
    public required ClientMetadata Metadata { get; init; }

    /// <summary>When the client identifier was issued (<c>client_id_issued_at</c>).</summary>
    public required DateTimeOffset ClientIdIssuedAt { get; init; }

    /// <summary>The hash of the current client secret; <see langword="null"/> for public clients.</summary>
    public string? ClientSecretHash { get; init; }

    /// <summary>When the current client secret expires; <see langword="null"/> when it does not.</summary>
    public DateTimeOffset? ClientSecretExpiresAt { get; init; }

    /// <summary>
    /// The previous client secret, kept working until its expiry after a rotation when retention is on;
    /// at most one is kept.
    /// </summary>
    public RetainedClientSecret? RetainedClientSecret { get; init; }

    /// <summary>The hash of the registration access token; <see langword="null"/> when management is off.</summary>
    public string? RegistrationAccessTokenHash { get; init; }

    /// <summary>Whether the host must require PKCE of this client at the authorization endpoint.</summary>
    public bool RequirePkce { get; init; }

    /// <summary>Who registered the client: the initial access token's client or subject, if any.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>
    /// The initial access token's claims that identify the caller that registered the client, as
    /// <see cref="Services.RegistrationCaller.RetainedClaimTypes"/> selects them; policies get them back on update.
    /// Empty for anonymous registrations.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> CallerClaims { get; init; } = [];

    /// <summary>
    /// Whether the client was registered without an initial access token; the anonymous-registration limits then
    /// apply to its updates too.
    /// </summary>
    public bool RegisteredAnonymously { get; init; }

    /// <summary>
    /// Where the client's metadata comes from: <see cref="ClientSources.Registration"/> (the default) for a client that
    /// registered, <see cref="ClientSources.MetadataDocument"/> for one described by a Client ID Metadata Document.
    /// </summary>
    public string Source { get; init; } = ClientSources.Registration;

    /// <summary>
    /// For a client of <see cref="ClientSources.MetadataDocument"/>: until when its stored metadata may be used without
    /// fetching its document again. Stored, so that every instance sharing the store agrees on it.
    /// </summary>
    public DateTimeOffset? MetadataDocumentFreshUntil { get; init; }

    /// <summary>
    /// An opaque version the store assigns; an update of a client whose version changed since it was read fails with
    /// <see cref="StoreStatus.Conflict"/>.
    /// </summary>
    public string? Version { get; init; }
}

/// <summary>A previous client secret kept after a rotation.</summary>
/// <param name="Hash">The hash of the previous secret.</param>
/// <param name="ExpiresAt">The instant from which it no longer works.</param>
public sealed record RetainedClientSecret(string Hash, DateTimeOffset ExpiresAt);

/// <summary>The values of <see cref="StoredClient.Source"/>.</summary>
public static class ClientSources
{
    /// <summary>Registered through the registration endpoint (RFC 7591).</summary>
    public const string Registration = "dcr";

    /// <summary>Described by the Client ID Metadata Document at its <c>client_id</c> URL.</summary>
    public const string MetadataDocument = "cimd";
}
