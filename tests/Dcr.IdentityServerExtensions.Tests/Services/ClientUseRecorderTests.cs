using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dcr.IdentityServerExtensions.Tests.Services;

public sealed class ClientUseRecorderTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly InMemoryClientCatalog _catalog = new();

    private ClientUseRecorder Recorder() => new(_time,
        new FixedOptionsMonitor<DynamicClientRegistrationOptions>(new DynamicClientRegistrationOptions { Lifecycle = { LastUsedResolution = TimeSpan.FromMinutes(10) } }),
        NullLogger<ClientUseRecorder>.Instance);

    [Fact]
    public async Task a_use_is_due_until_this_instance_has_written_one_and_again_once_the_resolution_has_passed()
    {
        using var recorder = Recorder();
        await _catalog.AddAsync(new ClientRecord { ClientId = "c1", Source = ClientSources.Registration, ClientIdIssuedAt = _time.GetUtcNow() }, default);

        recorder.IsDue("c1").Should().BeTrue("nothing was written yet");
        await recorder.RecordAsync("c1", _catalog, default);
        _catalog.Records["c1"].LastUsedAt.Should().Be(_time.GetUtcNow());

        _time.Advance(TimeSpan.FromMinutes(9));
        recorder.IsDue("c1").Should().BeFalse("within the resolution of the stamp this instance wrote");
        recorder.IsDue("c2").Should().BeTrue("another client has its own stamp");
        await recorder.RecordAsync("c1", _catalog, default);
        _catalog.Records["c1"].LastUsedAt.Should().Be(_time.GetUtcNow() - TimeSpan.FromMinutes(9), "a use within the resolution writes nothing");

        _time.Advance(TimeSpan.FromMinutes(1));
        recorder.IsDue("c1").Should().BeTrue("the resolution has passed");
    }

    [Fact]
    public async Task a_stamp_that_could_not_be_written_is_still_due()
    {
        using var recorder = Recorder();

        await recorder.RecordAsync("c1", System.Reflection.DispatchProxy.Create<IClientCatalog, UnreachableCatalog>(), default);

        recorder.IsDue("c1").Should().BeTrue("the failed write is tried again on the next use");
    }

    // Not sealed: DispatchProxy derives from it.
    public class UnreachableCatalog : System.Reflection.DispatchProxy
    {
        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            throw new InvalidOperationException("The database cannot be reached.");
    }
}
