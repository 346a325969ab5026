using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// OpenIddict caches the parsed columns of every client it reads or writes in the host's memory cache for a sliding
/// minute; under a stream of registrations that grew the host by hundreds of megabytes (issue: benchmarks, scale and
/// memory). The sample bounds the cache by a number of entries.
/// </summary>
public sealed class BoundedMemoryCacheTests
{
    [Fact]
    public void the_cache_never_holds_more_entries_than_its_limit()
    {
        using var cache = new BoundedMemoryCache(Microsoft.Extensions.Options.Options.Create(new SampleOptions { MemoryCacheEntries = 10 }));

        for (var i = 0; i < 100; i++)
        {
            // As OpenIddict's stores add their entries: no size of their own.
            cache.GetOrCreate($"{{\"client\":{i}}}", entry => new object());
        }

        var held = Enumerable.Range(0, 100).Count(i => cache.TryGetValue($"{{\"client\":{i}}}", out _));
        held.Should().BeInRange(1, 10);
    }

    [Fact]
    public void a_limit_below_one_entry_stops_the_host_at_start_up_with_the_setting_named()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Sample:MemoryCacheEntries"] = "0" });

        var start = () => host.CreateClient();

        start.Should().Throw<OptionsValidationException>().WithMessage("*Sample:MemoryCacheEntries*");
    }

    [Fact]
    public void the_sample_host_gives_openiddict_the_bounded_cache()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Sample:MemoryCacheEntries"] = "500" });

        host.Services.GetRequiredService<IMemoryCache>().Should().BeOfType<BoundedMemoryCache>();
    }
}
