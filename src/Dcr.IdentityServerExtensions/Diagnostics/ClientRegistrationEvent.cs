namespace Dcr.IdentityServerExtensions.Diagnostics;

/// <summary>One audited action on a dynamically registered client.</summary>
/// <param name="Action">What was done or attempted.</param>
/// <param name="ClientId">The client, when known (not for a refused registration).</param>
/// <param name="CallerId">
/// Who acted: for a registration the initial access token's client or subject (<see langword="null"/> when anonymous);
/// for management calls and retained-secret use the client itself; for an administrator's deletion the administrator;
/// <see langword="null"/> for an expiry.
/// </param>
/// <param name="Outcome"><see cref="ClientRegistrationEvent.Success"/>, or the RFC error code the request was refused with.</param>
/// <param name="Timestamp">When it happened, by the product's clock.</param>
public sealed record ClientRegistrationEvent(
    ClientRegistrationAction Action, string? ClientId, string? CallerId, string Outcome, DateTimeOffset Timestamp)
{
    /// <summary>The outcome of an action that succeeded.</summary>
    public const string Success = "success";

    /// <summary>Whether the action succeeded.</summary>
    public bool Succeeded => Outcome == Success;
}

/// <summary>The audited actions.</summary>
public enum ClientRegistrationAction
{
    /// <summary>A registration (RFC 7591).</summary>
    Register,

    /// <summary>A read of a registration (RFC 7592 GET).</summary>
    Read,

    /// <summary>An update of a registration (RFC 7592 PUT).</summary>
    Update,

    /// <summary>A deletion of a registration (RFC 7592 DELETE).</summary>
    Delete,

    /// <summary>A new client secret was issued in place of the previous one.</summary>
    RotateClientSecret,

    /// <summary>A new registration access token was issued; the previous one stopped working.</summary>
    RotateRegistrationAccessToken,

    /// <summary>A client authenticated at the token endpoint with its retained previous secret.</summary>
    UseRetainedClientSecret,

    /// <summary>An administrator deleted a client (admin API or page); the caller is the administrator.</summary>
    DeleteByAdministrator,

    /// <summary>The expiry sweep deleted an unused client (<c>Lifecycle:DeleteNeverUsedAfter</c>, <c>Lifecycle:DeleteUnusedAfter</c>); no caller.</summary>
    Expire,
}

/// <summary>
/// Receives every audited action, so a host can forward them to its audit store. Sinks are resolved per request and
/// called in order; a sink that throws is logged and does not fail the request.
/// </summary>
public interface IClientRegistrationEventSink
{
    /// <summary>Records one event.</summary>
    ValueTask WriteAsync(ClientRegistrationEvent clientRegistrationEvent, CancellationToken cancellationToken);
}
