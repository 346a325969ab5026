using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dcr.IdentityServerExtensions.Diagnostics;

/// <summary>
/// The product's metrics, on the meter <see cref="MeterName"/>, and its traces, on the activity source
/// <see cref="ActivitySourceName"/>. Tags take values from small fixed sets only (actions, RFC error codes,
/// status codes), never client ids.
/// </summary>
public sealed class DynamicClientRegistrationMetrics : IDisposable
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string MeterName = "Dcr.IdentityServerExtensions";

    /// <summary>The name of the activity source.</summary>
    public const string ActivitySourceName = MeterName;

    /// <summary>The activity source of the registration and management endpoints.</summary>
    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName);

    private readonly Meter _meter;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _reads;
    private readonly Counter<long> _updates;
    private readonly Counter<long> _deletes;
    private readonly Counter<long> _rotations;
    private readonly Counter<long> _retainedSecretUses;
    private readonly Counter<long> _administratorDeletes;
    private readonly Counter<long> _expirations;
    private readonly Counter<long> _rejections;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _metadataDocumentFetches;
    private readonly Counter<long> _metadataDocumentCacheHits;
    private readonly Counter<long> _metadataDocumentRefusals;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public DynamicClientRegistrationMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _registrations = _meter.CreateCounter<long>("dcr.registrations", "{client}", "Clients registered.");
        _reads = _meter.CreateCounter<long>("dcr.reads", "{request}", "Successful registration reads (RFC 7592 GET).");
        _updates = _meter.CreateCounter<long>("dcr.updates", "{request}", "Successful registration updates (RFC 7592 PUT).");
        _deletes = _meter.CreateCounter<long>("dcr.deletes", "{client}", "Clients deleted (RFC 7592 DELETE).");
        _rotations = _meter.CreateCounter<long>("dcr.rotations", "{credential}", "Credentials rotated, by credential (client_secret, registration_access_token).");
        _retainedSecretUses = _meter.CreateCounter<long>("dcr.retained_secret_uses", "{authentication}", "Token endpoint authentications with a retained previous secret.");
        _administratorDeletes = _meter.CreateCounter<long>("dcr.admin.deletes", "{client}", "Clients deleted by an administrator (admin API or page).");
        _expirations = _meter.CreateCounter<long>("dcr.expirations", "{client}", "Unused clients deleted by the expiry sweep.");
        _rejections = _meter.CreateCounter<long>("dcr.rejections", "{request}", "Requests refused, by action and RFC error code.");
        _metadataDocumentFetches = _meter.CreateCounter<long>("dcr.cimd.fetches", "{document}", "Client ID Metadata Documents fetched, by outcome (valid, or the refusal reason).");
        _metadataDocumentCacheHits = _meter.CreateCounter<long>("dcr.cimd.cache_hits", "{request}", "Uses of a stored Client ID Metadata Document client within its freshness lifetime.");
        _metadataDocumentRefusals = _meter.CreateCounter<long>("dcr.cimd.refusals", "{request}", "Client ID Metadata Document clients refused, by reason.");
        _duration = _meter.CreateHistogram<double>("dcr.request.duration", "s", "Duration of registration and management requests.");
    }

    internal void Record(ClientRegistrationEvent clientRegistrationEvent)
    {
        if (!clientRegistrationEvent.Succeeded)
        {
            _rejections.Add(1,
                new KeyValuePair<string, object?>("action", ActionName(clientRegistrationEvent.Action)),
                new KeyValuePair<string, object?>("error", clientRegistrationEvent.Outcome));
            return;
        }

        switch (clientRegistrationEvent.Action)
        {
            case ClientRegistrationAction.Register:
                _registrations.Add(1);
                break;
            case ClientRegistrationAction.Read:
                _reads.Add(1);
                break;
            case ClientRegistrationAction.Update:
                _updates.Add(1);
                break;
            case ClientRegistrationAction.Delete:
                _deletes.Add(1);
                break;
            case ClientRegistrationAction.RotateClientSecret:
                _rotations.Add(1, new KeyValuePair<string, object?>("credential", "client_secret"));
                break;
            case ClientRegistrationAction.RotateRegistrationAccessToken:
                _rotations.Add(1, new KeyValuePair<string, object?>("credential", "registration_access_token"));
                break;
            case ClientRegistrationAction.UseRetainedClientSecret:
                _retainedSecretUses.Add(1);
                break;
            case ClientRegistrationAction.DeleteByAdministrator:
                _administratorDeletes.Add(1);
                break;
            case ClientRegistrationAction.Expire:
                _expirations.Add(1);
                break;
        }
    }

    internal void RecordMetadataDocumentFetch(string outcome) =>
        _metadataDocumentFetches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    internal void RecordMetadataDocumentCacheHit() => _metadataDocumentCacheHits.Add(1);

    internal void RecordMetadataDocumentRefusal(string reason) =>
        _metadataDocumentRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void RecordDuration(ClientRegistrationAction action, int statusCode, TimeSpan duration) =>
        _duration.Record(duration.TotalSeconds,
            new KeyValuePair<string, object?>("action", ActionName(action)),
            new KeyValuePair<string, object?>("http.response.status_code", statusCode));

    internal static string ActionName(ClientRegistrationAction action) => action switch
    {
        ClientRegistrationAction.Register => "register",
        ClientRegistrationAction.Read => "read",
        ClientRegistrationAction.Update => "update",
        ClientRegistrationAction.Delete => "delete",
        ClientRegistrationAction.RotateClientSecret => "rotate_client_secret",
        ClientRegistrationAction.RotateRegistrationAccessToken => "rotate_registration_access_token",
        ClientRegistrationAction.DeleteByAdministrator => "delete_by_administrator",
        ClientRegistrationAction.Expire => "expire",
        _ => "use_retained_client_secret",
    };

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
