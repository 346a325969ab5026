using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HostSample;

/// <summary>
/// Lets one transaction at a time write to the SQLite file from this process, the others waiting asynchronously in
/// arrival order. SQLite allows one writer per database: without the gate, concurrent requests collide on its lock,
/// and Microsoft.Data.Sqlite answers a locked database by blocking the thread in <c>Thread.Sleep(150)</c> and retrying,
/// which put requests at 150, 300, 600 ms and more under load (bench/README.md). With it, a write waits only for the
/// writes queued before it, each a few hundredths of a millisecond plus the commit's flush to disk.
/// </summary>
/// <remarks>
/// The sample's contexts run every SaveChanges in a transaction (<see cref="SampleDbContext"/>), and OpenIddict opens
/// its own to delete a client, so gating transactions gates every write. The gate is released when the transaction
/// commits, rolls back or fails, or at the latest when its connection closes: a transaction disposed without either
/// (an exception between the write and the commit) cannot keep the gate. A pooled context may keep its connection open
/// past such a disposal, so a waiter that has waited a while also looks at the holder's transaction itself: a
/// transaction that Microsoft.Data.Sqlite completed (its <c>Connection</c> is null once committed, rolled back or
/// disposed) no longer holds the gate. Readers never wait: in WAL mode they read
/// the last committed state while a write is under way. Another process writing the same file is still handled by
/// SQLite's lock; the gate only orders this process's writers.
/// </remarks>
internal sealed class SqliteWriteGate : DbTransactionInterceptor, IDbConnectionInterceptor, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    // How long a writer waits before it looks for a holder whose transaction ended without an event.
    private static readonly TimeSpan ReclaimAfter = TimeSpan.FromSeconds(1);

    // The EF connections (one per context) whose transaction holds the gate, with that transaction once it has started;
    // removing the entry is what entitles a caller to release it.
    private readonly ConcurrentDictionary<Guid, DbTransaction?> _holders = new();

    public override InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        while (!_gate.Wait(ReclaimAfter))
        {
            ReclaimEnded();
        }

        _holders[eventData.ConnectionId] = null;
        return result;
    }

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result,
        CancellationToken cancellationToken = default)
    {
        while (!await _gate.WaitAsync(ReclaimAfter, cancellationToken).ConfigureAwait(false))
        {
            ReclaimEnded();
        }

        _holders[eventData.ConnectionId] = null;
        return result;
    }

    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        _holders.TryUpdate(eventData.ConnectionId, result, null);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        _holders.TryUpdate(eventData.ConnectionId, result, null);
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData.ConnectionId);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Release(eventData.ConnectionId);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    void IDbConnectionInterceptor.ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release(eventData.ConnectionId);

    Task IDbConnectionInterceptor.ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release(eventData.ConnectionId);
        return Task.CompletedTask;
    }

    // A holder whose transaction Microsoft.Data.Sqlite has completed (disposed without a commit or rollback event,
    // its connection kept open by a pooled context) gives the gate back.
    private void ReclaimEnded()
    {
        foreach (var (connectionId, transaction) in _holders)
        {
            if (transaction is { Connection: null })
            {
                Release(connectionId);
            }
        }
    }

    private void Release(Guid connectionId)
    {
        if (_holders.TryRemove(connectionId, out _))
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
