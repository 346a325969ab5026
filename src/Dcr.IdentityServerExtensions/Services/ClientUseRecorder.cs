using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Records that a client got a token or was authorized (<c>last_used_at</c>), at most once per
/// <c>Lifecycle:LastUsedResolution</c>: this instance remembers, for a bounded number of clients, when it last wrote
/// each one, and writes nothing within the resolution; when it does write, the statement is conditional (no write
/// when the stored time is recent enough, as another instance may have made it), so a busy client costs one small
/// update per resolution, not one per token. A client's first use is always written. A host adapter calls it when
/// the host issues a client a token or authorizes it (OpenIddict: <c>UseOpenIddict()</c> does).
/// </summary>
public sealed class ClientUseRecorder : IDisposable
{
    /// <summary>How many clients' last writes are remembered; past that, the oldest are forgotten (and cost one more conditional update).</summary>
    public const int RememberedClients = 10_000;

    private readonly MemoryCache _written = new(new MemoryCacheOptions { SizeLimit = RememberedClients });
    private readonly TimeProvider _timeProvider;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly ILogger<ClientUseRecorder> _logger;

    /// <summary>Creates the recorder.</summary>
    public ClientUseRecorder(TimeProvider timeProvider, IOptionsMonitor<DynamicClientRegistrationOptions> options, ILogger<ClientUseRecorder> logger)
    {
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    /// <summary>Records a use of <paramref name="clientId"/> through <paramref name="catalog"/> (the request's own).</summary>
    public async ValueTask RecordAsync(string clientId, IClientCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var now = _timeProvider.GetUtcNow();
        var resolution = _options.CurrentValue.Lifecycle.LastUsedResolution;
        if (!IsDue(clientId, now, resolution))
        {
            return;
        }

        try
        {
            // Clients of the host that this product did not create have no record: the update matches nothing, and
            // being remembered below they cost nothing more for a resolution.
            await catalog.RecordUseAsync(clientId, now, now - resolution, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The token has been issued: a lost last-use stamp must not turn it into an error.
            Diagnostics.Log.LastUseNotRecorded(_logger, clientId, exception);
            return;
        }

        _written.Set(clientId, now, new MemoryCacheEntryOptions { Size = 1 });
    }

    /// <summary>
    /// Whether <see cref="RecordAsync"/> would write a stamp for <paramref name="clientId"/> now: <see langword="false"/>
    /// within a resolution of the last one this instance wrote. Lets a host adapter skip what it would set up for the
    /// write (a service scope, a data context) on the many requests that write nothing.
    /// </summary>
    public bool IsDue(string clientId) =>
        IsDue(clientId, _timeProvider.GetUtcNow(), _options.CurrentValue.Lifecycle.LastUsedResolution);

    private bool IsDue(string clientId, DateTimeOffset now, TimeSpan resolution)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return !(_written.TryGetValue(clientId, out DateTimeOffset writtenAt) && now - writtenAt < resolution && now >= writtenAt);
    }

    /// <inheritdoc />
    public void Dispose() => _written.Dispose();
}
