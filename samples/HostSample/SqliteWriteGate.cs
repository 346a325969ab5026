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
/// (an exception between the write and the commit) cannot keep the gate. Readers never wait: in WAL mode they read
/// the last committed state while a write is under way. Another process writing the same file is still handled by
/// SQLite's lock; the gate only orders this process's writers.
/// </remarks>
internal sealed class SqliteWriteGate : DbTransactionInterceptor, IDbConnectionInterceptor, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    // The EF connections (one per context) whose transaction holds the gate; removing the entry is what entitles a caller to release it.
    private readonly ConcurrentDictionary<Guid, byte> _holders = new();

    public override InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        _gate.Wait();
        _holders[eventData.ConnectionId] = 0;
        return result;
    }

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        _holders[eventData.ConnectionId] = 0;
        return result;
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

    private void Release(Guid connectionId)
    {
        if (_holders.TryRemove(connectionId, out _))
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
