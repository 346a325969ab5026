namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// A registration (POST) or update (PUT) request body as read from the wire: the client metadata plus the
/// members that only RFC 7592 update requests may (or may not) carry.
/// </summary>
public sealed record ClientRegistrationRequest
{
    /// <summary>The client metadata, not yet validated.</summary>
    public required ClientMetadata Metadata { get; init; }

    /// <summary><c>client_id</c>, required in a PUT and ignored in a POST.</summary>
    public string? ClientId { get; init; }

    /// <summary><c>client_secret</c>: in a PUT, it must equal the current secret.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>
    /// Server-issued members the body carried (<c>registration_access_token</c>, <c>registration_client_uri</c>,
    /// <c>client_secret_expires_at</c>, <c>client_id_issued_at</c>), which RFC 7592 §2.2 forbids in a PUT.
    /// </summary>
    public IReadOnlyList<string> ServerIssuedMembers { get; init; } = [];

    /// <summary>
    /// Members this server recognizes but cannot honour (<see cref="ClientMetadataValues.UnsupportedMemberNames"/>);
    /// the request is refused when any is present.
    /// </summary>
    public IReadOnlyList<string> UnsupportedMembers { get; init; } = [];
}
