using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.Diagnostics;

/// <summary>
/// Source-generated log events with stable ids: 1000–1099 audited actions, 1100 refusals, 1200–1299 operational (expiry sweep, catalog, last use)
/// problems, 1300–1399 configuration warnings at start-up. Messages carry client ids, caller ids and outcomes, never a secret or a token.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, EventName = "ClientRegistered", Level = LogLevel.Information,
        Message = "Client {ClientId} registered by caller {CallerId}.")]
    public static partial void Registered(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1001, EventName = "ClientRead", Level = LogLevel.Information,
        Message = "Client {ClientId} read its registration (caller {CallerId}).")]
    public static partial void Read(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1002, EventName = "ClientUpdated", Level = LogLevel.Information,
        Message = "Client {ClientId} updated its registration (caller {CallerId}).")]
    public static partial void Updated(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1003, EventName = "ClientDeleted", Level = LogLevel.Information,
        Message = "Client {ClientId} deleted its registration (caller {CallerId}).")]
    public static partial void Deleted(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1004, EventName = "ClientSecretRotated", Level = LogLevel.Information,
        Message = "Client {ClientId} was issued a new client secret (caller {CallerId}).")]
    public static partial void ClientSecretRotated(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1005, EventName = "RegistrationAccessTokenRotated", Level = LogLevel.Information,
        Message = "Client {ClientId} was issued a new registration access token (caller {CallerId}).")]
    public static partial void RegistrationAccessTokenRotated(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1006, EventName = "RetainedClientSecretUsed", Level = LogLevel.Information,
        Message = "Client {ClientId} authenticated with its retained previous secret (caller {CallerId}).")]
    public static partial void RetainedClientSecretUsed(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1007, EventName = "ClientDeletedByAdministrator", Level = LogLevel.Information,
        Message = "Client {ClientId} was deleted by administrator {CallerId}.")]
    public static partial void DeletedByAdministrator(ILogger logger, string? clientId, string? callerId);

    [LoggerMessage(EventId = 1008, EventName = "ClientExpired", Level = LogLevel.Information,
        Message = "Client {ClientId} was deleted as unused (DynamicClientRegistration:Lifecycle).")]
    public static partial void Expired(ILogger logger, string? clientId);

    [LoggerMessage(EventId = 1100, EventName = "RequestRefused", Level = LogLevel.Information,
        Message = "Refused {Action} of client {ClientId} by caller {CallerId}: {ErrorCode}.")]
    public static partial void Refused(ILogger logger, ClientRegistrationAction action, string? clientId, string? callerId, string errorCode);

    [LoggerMessage(EventId = 1200, EventName = "StorageUnavailable", Level = LogLevel.Error,
        Message = "The client store could not be reached; answered 503.")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1202, EventName = "UnexpectedFailure", Level = LogLevel.Error,
        Message = "A registration or management request failed unexpectedly; answered 500.")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1201, EventName = "EventSinkFailed", Level = LogLevel.Warning,
        Message = "The client registration event sink {Sink} failed.")]
    public static partial void EventSinkFailed(ILogger logger, string? sink, Exception exception);

    [LoggerMessage(EventId = 1203, EventName = "OutboundRequestFailed", Level = LogLevel.Information,
        Message = "The outbound request to https://{Host}{Path} failed: {Reason}.")]
    public static partial void OutboundRequestFailed(ILogger logger, string host, string path, Network.FetchFailure reason);

    [LoggerMessage(EventId = 1204, EventName = "SpecialUseAddressRefused", Level = LogLevel.Warning,
        Message = "An outbound request to {Host} was refused: it resolves only to special-use addresses ({Addresses}).")]
    public static partial void SpecialUseAddressRefused(ILogger logger, string host, string addresses);

    [LoggerMessage(EventId = 1205, EventName = "KeySetUnusable", Level = LogLevel.Information,
        Message = "The JSON Web Key Set at https://{Host}{Path} holds no usable public signing key.")]
    public static partial void KeySetUnusable(ILogger logger, string host, string path);

    [LoggerMessage(EventId = 1206, EventName = "MetadataDocumentFetched", Level = LogLevel.Information,
        Message = "The Client ID Metadata Document at https://{Host}{Path} was fetched and is valid; it is used for {Lifetime} (new client: {Created}).")]
    public static partial void MetadataDocumentFetched(ILogger logger, string host, string path, TimeSpan lifetime, bool created);

    [LoggerMessage(EventId = 1207, EventName = "MetadataDocumentCacheHit", Level = LogLevel.Debug,
        Message = "The client of the Client ID Metadata Document at https://{Host}{Path} is stored and fresh until {FreshUntil}.")]
    public static partial void MetadataDocumentCacheHit(ILogger logger, string host, string path, DateTimeOffset freshUntil);

    [LoggerMessage(EventId = 1208, EventName = "MetadataDocumentRefused", Level = LogLevel.Information,
        Message = "The Client ID Metadata Document at https://{Host}{Path} was refused: {Reason}.")]
    public static partial void MetadataDocumentRefused(ILogger logger, string host, string path, string reason);

    [LoggerMessage(EventId = 1209, EventName = "ExpirySweepFailed", Level = LogLevel.Warning,
        Message = "The expiry sweep of unused clients failed; it runs again after DynamicClientRegistration:Lifecycle:SweepInterval.")]
    public static partial void ExpirySweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1210, EventName = "ExpirySweepCompleted", Level = LogLevel.Information,
        Message = "The expiry sweep deleted {Deleted} unused clients and kept {Kept} that hold a live refresh token.")]
    public static partial void ExpirySweepCompleted(ILogger logger, int deleted, int kept);

    [LoggerMessage(EventId = 1211, EventName = "CatalogBackfilled", Level = LogLevel.Information,
        Message = "The client catalog was completed: {Added} clients registered before it existed got their records.")]
    public static partial void CatalogBackfilled(ILogger logger, int added);

    [LoggerMessage(EventId = 1212, EventName = "CatalogBackfillFailed", Level = LogLevel.Error,
        Message = "Completing the client catalog with the clients registered before it existed failed; it is tried again at the next start.")]
    public static partial void CatalogBackfillFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1213, EventName = "LastUseNotRecorded", Level = LogLevel.Warning,
        Message = "The last use of client {ClientId} could not be recorded; the token was issued all the same.")]
    public static partial void LastUseNotRecorded(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 1214, EventName = "CatalogUpdateFailed", Level = LogLevel.Warning,
        Message = "Client {ClientId} was updated, but its catalog row could not be; the admin API shows its previous name and metadata until its next update.")]
    public static partial void CatalogUpdateFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(EventId = 1300, EventName = "AnonymousRegistrationWidened", Level = LogLevel.Warning,
        Message = "Registration without an initial access token is open to more than public authorization-code clients: " +
            "grant types {GrantTypes}, token endpoint authentication methods {AuthMethods} (DynamicClientRegistration:Anonymous). " +
            "Anyone who can reach the registration endpoint can create such clients.")]
    public static partial void AnonymousRegistrationWidened(ILogger logger, string grantTypes, string authMethods);
}
