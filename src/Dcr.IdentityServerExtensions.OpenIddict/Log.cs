using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>Source-generated log events of the OpenIddict adapter (3xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, EventName = "StoreUnavailable", Level = LogLevel.Error,
        Message = "The OpenIddict application store could not be reached.")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3002, EventName = "ClientRejectedByHost", Level = LogLevel.Warning,
        Message = "OpenIddict rejected a dynamically registered client: {Reasons}")]
    public static partial void ClientRejectedByHost(ILogger logger, string reasons);

    [LoggerMessage(EventId = 3003, EventName = "TokenOfDeletedClientRejected", Level = LogLevel.Information,
        Message = "An access token of the client {ClientId}, which no longer exists, was rejected.")]
    public static partial void TokenOfDeletedClientRejected(ILogger logger, string clientId);

    [LoggerMessage(EventId = 3004, EventName = "ClientAssertionReplayed", Level = LogLevel.Warning,
        Message = "A client assertion of the client {ClientId} was presented again and refused.")]
    public static partial void ClientAssertionReplayed(ILogger logger, string clientId);
}
