using System.Collections.Concurrent;
using System.Text;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Dcr.IdentityServerExtensions.Network;

/// <summary>
/// Clients' key sets fetched from their <c>jwks_uri</c> through the product's safe fetcher, cached for a bounded time
/// and fetched again once when an assertion names a key the cached set does not hold (the client rotated its keys).
/// A failed fetch is remembered for <see cref="MinimumRefreshInterval"/>.
/// </summary>
/// <remarks>
/// Not <c>Microsoft.IdentityModel.Protocols.ConfigurationManager</c>: in 8.x its clock is an internal field (no
/// <see cref="TimeProvider"/>), it refreshes a set it already holds in the background (so the assertion that reveals
/// a rotated key would fail) unless a process-wide switch makes every manager of the host block, and it adds random
/// delay to each refresh. Concurrent fetches of one URL already share one request in <see cref="SafeHttpFetcher"/>.
/// </remarks>
public sealed class RemoteJsonWebKeySets
{
    /// <summary>The largest key set accepted, in bytes: room for several RSA keys with certificate chains.</summary>
    internal const int MaxKeySetBytes = 64 * 1024;

    /// <summary>How long a fetched key set is used before it is fetched again.</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between two fetches of one set for an unknown key id, and after a failed fetch: anyone can send
    /// an assertion naming a random key or a client whose keys cannot be had, and each must not make this server call
    /// the client's host again.
    /// </summary>
    internal static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromSeconds(30);

    // Past this many sets, expired ones are dropped when a new one is stored, so that the cache cannot grow without bound.
    private const int SweepThreshold = 10_000;

    private readonly SafeHttpFetcher _fetcher;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RemoteJsonWebKeySets> _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    internal RemoteJsonWebKeySets(SafeHttpFetcher fetcher, TimeProvider timeProvider, ILogger<RemoteJsonWebKeySets> logger)
    {
        _fetcher = fetcher;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// The key set at <paramref name="uri"/>, or <see langword="null"/> when it cannot be fetched or holds no usable
    /// public signing key. When <paramref name="keyId"/> is given and the cached set has no key by that id, the set is
    /// fetched once more, at most every 30 seconds per URL. After a failed fetch, the URL is not fetched again for 30
    /// seconds.
    /// </summary>
    public async ValueTask<JsonWebKeySet?> GetAsync(Uri uri, string? keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var now = _timeProvider.GetUtcNow();
        _entries.TryGetValue(uri.AbsoluteUri, out var entry);
        var cached = entry is { KeySet: not null } && now - entry.FetchedAt < Lifetime ? entry : null;
        if (entry is { KeySet: null } && now - entry.FetchedAt < MinimumRefreshInterval)
        {
            return null;
        }

        if (cached is not null)
        {
            if (keyId is null || cached.KeySet!.Keys.Any(key => string.Equals(key.Kid, keyId, StringComparison.Ordinal)))
            {
                return cached.KeySet;
            }

            if (now - cached.AttemptedAt < MinimumRefreshInterval)
            {
                return cached.KeySet;
            }

            cached.AttemptedAt = now;
        }

        var fetched = await FetchAsync(uri, cancellationToken).ConfigureAwait(false);
        if (fetched is null)
        {
            // A failed refresh leaves the set in use as it was until its lifetime ends; with none, the failure is kept.
            if (cached is null)
            {
                Store(uri.AbsoluteUri, new Entry(null, now));
            }

            return cached?.KeySet;
        }

        Store(uri.AbsoluteUri, new Entry(fetched, _timeProvider.GetUtcNow()));
        return fetched;
    }

    private async Task<JsonWebKeySet?> FetchAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (await _fetcher.FetchAsync(uri, MaxKeySetBytes, cancellationToken).ConfigureAwait(false) is not FetchResult.Succeeded succeeded)
        {
            return null;
        }

        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(succeeded.Body);
        }
        catch (DecoderFallbackException)
        {
            LogUnusable(uri);
            return null;
        }

        // The same rules as inline jwks: public RSA (2048 bits or more) or EC keys only, at least one.
        if (!PublicJsonWebKeys.TryRead(json, out _))
        {
            LogUnusable(uri);
            return null;
        }

        return new JsonWebKeySet(json);
    }

    // Host and path only: a query may carry something the client did not mean to be logged.
    private void LogUnusable(Uri uri) => Log.KeySetUnusable(_logger, uri.Host, uri.AbsolutePath);

    private void Store(string uri, Entry entry)
    {
        if (_entries.Count >= SweepThreshold)
        {
            var now = _timeProvider.GetUtcNow();
            foreach (var (key, value) in _entries)
            {
                if (now - value.FetchedAt >= Lifetime)
                {
                    _entries.TryRemove(KeyValuePair.Create(key, value));
                }
            }
        }

        _entries[uri] = entry;
    }

    // A set, or a failed fetch (no set) at FetchedAt.
    private sealed class Entry(JsonWebKeySet? keySet, DateTimeOffset fetchedAt)
    {
        // When this set was last fetched or a fetch for an unknown key id was last tried, in UTC ticks (a long, so that
        // reads are never torn). Written without a lock: a race only lets two callers refresh where one would do, and
        // the fetcher coalesces them into one request.
        private long _attemptedAtTicks = fetchedAt.UtcTicks;

        public JsonWebKeySet? KeySet { get; } = keySet;

        public DateTimeOffset FetchedAt { get; } = fetchedAt;

        public DateTimeOffset AttemptedAt
        {
            get => new(Volatile.Read(ref _attemptedAtTicks), TimeSpan.Zero);
            set => Volatile.Write(ref _attemptedAtTicks, value.UtcTicks);
        }
    }
}
