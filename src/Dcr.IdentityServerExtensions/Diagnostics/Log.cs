using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.Diagnostics;

/// <summary>
/// Source-generated log events with stable ids (1xxx registration, 2xxx management). Messages carry client ids and
/// outcomes, never a secret or token.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "ClientRegistered", Level = LogLevel.Information,
        Message = "Registered client {ClientId} for caller {CallerId}.")]
    public static partial void ClientRegistered(ILogger logger, string clientId, string? callerId);

    [LoggerMessage(EventId = 1001, EventName = "RegistrationRejected", Level = LogLevel.Information,
        Message = "Rejected a client registration with {ErrorCode} for caller {CallerId}.")]
    public static partial void RegistrationRejected(ILogger logger, string errorCode, string? callerId);

    [LoggerMessage(EventId = 1002, EventName = "InitialAccessTokenRejected", Level = LogLevel.Information,
        Message = "Rejected a registration request: initial access token {Status}.")]
    public static partial void InitialAccessTokenRejected(ILogger logger, Services.InitialAccessTokenStatus status);

    [LoggerMessage(EventId = 1003, EventName = "RegistrationStoreFailed", Level = LogLevel.Warning,
        Message = "The store did not take a client registration ({Status}) for caller {CallerId}.")]
    public static partial void RegistrationStoreFailed(ILogger logger, Stores.StoreStatus status, string? callerId);

    [LoggerMessage(EventId = 2000, EventName = "ClientRead", Level = LogLevel.Information,
        Message = "Client {ClientId} read its registration.")]
    public static partial void ClientRead(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2001, EventName = "ClientUpdated", Level = LogLevel.Information,
        Message = "Client {ClientId} updated its registration.")]
    public static partial void ClientUpdated(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2002, EventName = "UpdateRejected", Level = LogLevel.Information,
        Message = "Rejected an update of client {ClientId} with {ErrorCode}.")]
    public static partial void UpdateRejected(ILogger logger, string clientId, string errorCode);

    [LoggerMessage(EventId = 2003, EventName = "ClientDeleted", Level = LogLevel.Information,
        Message = "Client {ClientId} deleted its registration.")]
    public static partial void ClientDeleted(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2004, EventName = "ClientSecretRotated", Level = LogLevel.Information,
        Message = "Rotated the client secret of {ClientId}; previous secret retained: {Retained}.")]
    public static partial void ClientSecretRotated(ILogger logger, string clientId, bool retained);

    [LoggerMessage(EventId = 2005, EventName = "RegistrationAccessTokenRotated", Level = LogLevel.Information,
        Message = "Rotated the registration access token of {ClientId}.")]
    public static partial void RegistrationAccessTokenRotated(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2006, EventName = "ManagementTokenRejected", Level = LogLevel.Information,
        Message = "Rejected a client management request: registration access token missing, invalid or for another client.")]
    public static partial void ManagementTokenRejected(ILogger logger);
}
