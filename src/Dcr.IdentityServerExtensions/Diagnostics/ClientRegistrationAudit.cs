using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.Diagnostics;

/// <summary>
/// The audit trail: every action becomes a structured log event with a stable id, a metric, and a call to each
/// <see cref="IClientRegistrationEventSink"/>. Nothing recorded here ever carries a secret or a token.
/// </summary>
public sealed class ClientRegistrationAudit
{
    private readonly ILogger<ClientRegistrationAudit> _logger;
    private readonly IEnumerable<IClientRegistrationEventSink> _sinks;
    private readonly DynamicClientRegistrationMetrics _metrics;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the audit trail.</summary>
    public ClientRegistrationAudit(ILogger<ClientRegistrationAudit> logger, IEnumerable<IClientRegistrationEventSink> sinks,
        DynamicClientRegistrationMetrics metrics, TimeProvider timeProvider)
    {
        _logger = logger;
        _sinks = sinks;
        _metrics = metrics;
        _timeProvider = timeProvider;
    }

    /// <summary>Records an action that succeeded.</summary>
    public ValueTask SucceededAsync(ClientRegistrationAction action, string? clientId, string? callerId, CancellationToken cancellationToken) =>
        RecordAsync(action, clientId, callerId, ClientRegistrationEvent.Success, cancellationToken);

    /// <summary>Records an action refused with <paramref name="errorCode"/>.</summary>
    public ValueTask RefusedAsync(ClientRegistrationAction action, string? clientId, string? callerId, string errorCode, CancellationToken cancellationToken) =>
        RecordAsync(action, clientId, callerId, errorCode, cancellationToken);

    private async ValueTask RecordAsync(ClientRegistrationAction action, string? clientId, string? callerId, string outcome, CancellationToken cancellationToken)
    {
        var clientRegistrationEvent = new ClientRegistrationEvent(action, clientId, callerId, outcome, _timeProvider.GetUtcNow());
        Write(clientRegistrationEvent);
        _metrics.Record(clientRegistrationEvent);

        foreach (var sink in _sinks)
        {
            try
            {
                await sink.WriteAsync(clientRegistrationEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.EventSinkFailed(_logger, sink.GetType().FullName, exception);
            }
        }
    }

    private void Write(ClientRegistrationEvent e)
    {
        if (!e.Succeeded)
        {
            Log.Refused(_logger, e.Action, e.ClientId, e.CallerId, e.Outcome);
            return;
        }

        switch (e.Action)
        {
            case ClientRegistrationAction.Register:
                Log.Registered(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.Read:
                Log.Read(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.Update:
                Log.Updated(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.Delete:
                Log.Deleted(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.RotateClientSecret:
                Log.ClientSecretRotated(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.RotateRegistrationAccessToken:
                Log.RegistrationAccessTokenRotated(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.UseRetainedClientSecret:
                Log.RetainedClientSecretUsed(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.DeleteByAdministrator:
                Log.DeletedByAdministrator(_logger, e.ClientId, e.CallerId);
                break;
            case ClientRegistrationAction.Expire:
                Log.Expired(_logger, e.ClientId);
                break;
        }
    }
}
