using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HostSample;

/// <summary>
/// The host's <see cref="IMemoryCache"/>, bounded to <c>Sample:MemoryCacheEntries</c> entries (default 10,000).
/// OpenIddict's stores cache every parsed JSON column they read (a client's permissions, properties, redirect URIs...)
/// under the JSON text itself for a sliding minute, in the host's unbounded memory cache. Each registration and each
/// rotation writes new JSON, so under a stream of registrations the cache held every client written in the last minute:
/// about 2 KB a client, hundreds of megabytes at a few hundred registrations a second (bench/README.md, "Scale and
/// memory"). Bounded, it keeps the clients in use and evicts the least recently used beyond the limit; a miss only
/// parses the column again.
/// </summary>
internal sealed class BoundedMemoryCache : IMemoryCache
{
    private readonly MemoryCache _cache;

    public BoundedMemoryCache(IOptions<SampleOptions> options)
    {
        // Sample:MemoryCacheEntries is validated at start-up (Program.cs): at least 1.
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MemoryCacheEntries, CompactionPercentage = 0.25 });
    }

    // Entries count one each unless their owner says otherwise (OpenIddict's don't): the limit is a number of entries.
    public ICacheEntry CreateEntry(object key)
    {
        var entry = _cache.CreateEntry(key);
        entry.Size = 1;
        return entry;
    }

    public bool TryGetValue(object key, out object? value) => _cache.TryGetValue(key, out value);

    public void Remove(object key) => _cache.Remove(key);

    public void Dispose() => _cache.Dispose();
}
