using System.Data;
using HostSample;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The sample's SQLite write gate (issue: benchmarks): one transaction of this process writes at a time, the others
/// wait without blocking a thread, and a transaction gives the gate back however it ends, at the latest when its
/// connection closes. End to end, the gate runs under every integration test on SQLite (StoreFailureTests proves the
/// store usable again after a write failed between its statement and its commit).
/// </summary>
public sealed class SqliteWriteGateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public async Task a_second_transaction_waits_until_the_first_commits()
    {
        using var gate = new SqliteWriteGate();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        await gate.TransactionStartingAsync(null!, Starting(first), default);
        var waiting = gate.TransactionStartingAsync(null!, Starting(second), default).AsTask();

        waiting.IsCompleted.Should().BeFalse();
        await gate.TransactionCommittedAsync(null!, Ended(first));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("rolled back")]
    [InlineData("failed")]
    [InlineData("connection closed")]
    public async Task a_transaction_that_ends_otherwise_gives_the_gate_back_once(string ending)
    {
        using var gate = new SqliteWriteGate();
        var first = Guid.NewGuid();
        await gate.TransactionStartingAsync(null!, Starting(first), default);
        var second = gate.TransactionStartingAsync(null!, Starting(Guid.NewGuid()), default).AsTask();
        var third = gate.TransactionStartingAsync(null!, Starting(Guid.NewGuid()), default).AsTask();

        switch (ending)
        {
            case "rolled back":
                await gate.TransactionRolledBackAsync(null!, Ended(first));
                break;
            case "failed":
                await gate.TransactionFailedAsync(null!, Failed(first));
                break;
            default:
                await ((IDbConnectionInterceptor)gate).ConnectionClosedAsync(null!, Closed(first));
                break;
        }

        // The connection closing after the rollback must not release the gate a second time.
        await ((IDbConnectionInterceptor)gate).ConnectionClosedAsync(null!, Closed(first));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        third.IsCompleted.Should().BeFalse("the gate was given back once, so only one waiter may have entered");
    }

    [Fact]
    public async Task a_connection_that_closes_without_holding_the_gate_releases_nothing()
    {
        using var gate = new SqliteWriteGate();
        await gate.TransactionStartingAsync(null!, Starting(Guid.NewGuid()), default);
        var waiting = gate.TransactionStartingAsync(null!, Starting(Guid.NewGuid()), default).AsTask();

        await ((IDbConnectionInterceptor)gate).ConnectionClosedAsync(null!, Closed(Guid.NewGuid()));

        waiting.IsCompleted.Should().BeFalse();
    }

    private static TransactionStartingEventData Starting(Guid connectionId) =>
        new(null!, null!, null, IsolationLevel.Unspecified, Guid.NewGuid(), connectionId, async: true, Now);

    private static TransactionEndEventData Ended(Guid connectionId) =>
        new(null!, null!, null!, null, Guid.NewGuid(), connectionId, async: true, Now, TimeSpan.Zero);

    private static TransactionErrorEventData Failed(Guid connectionId) =>
        new(null!, null!, null!, null, Guid.NewGuid(), connectionId, async: true, "Commit", new InvalidOperationException(), Now, TimeSpan.Zero);

    private static ConnectionEndEventData Closed(Guid connectionId) =>
        new(null!, null!, null!, null, connectionId, async: true, Now, TimeSpan.Zero);
}
