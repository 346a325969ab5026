using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>How a database command of the sample host is made to fail.</summary>
public enum DatabaseFault
{
    /// <summary>The command runs, then the database call fails before EF Core gets to commit: the row was written.</summary>
    FailAfterTheCommandRan,

    /// <summary>
    /// The command runs, then something that is not a database error (a bug, an <see cref="InvalidOperationException"/>)
    /// is thrown before EF Core gets to commit.
    /// </summary>
    ThrowABugAfterTheCommandRan,

    /// <summary>
    /// The connection goes away just before the command: on PostgreSQL its server process is terminated
    /// (<c>pg_terminate_backend</c>), as when the network or the server drops it; SQLite has no connection to drop, so
    /// there the database turns read-only under the connection (<c>PRAGMA query_only</c>) and refuses the write.
    /// </summary>
    DropTheConnection,
}

/// <summary>A database failure made by a test; a <see cref="DbException"/> as a real one is.</summary>
public sealed class SimulatedDatabaseFailure(string message) : DbException(message);

/// <summary>
/// Fails the next command of the sample host whose SQL contains a given text, once armed. Registered as an EF Core
/// interceptor through the sample's container (the sample adds every <see cref="IInterceptor"/> it finds there).
/// </summary>
public sealed class FailingCommand(string sqlContains, DatabaseFault fault) : DbCommandInterceptor
{
    private int _armed;

    /// <summary>How many commands were failed.</summary>
    public int Failures { get; private set; }

    /// <summary>Fails the next matching command (and only that one).</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    private bool Take(DbCommand command) =>
        command.CommandText.Contains(sqlContains, StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1;

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (fault == DatabaseFault.DropTheConnection && Take(command))
        {
            Failures++;
            await DropAsync(command.Connection!, command.Transaction, cancellationToken);
        }

        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        if (fault is DatabaseFault.FailAfterTheCommandRan or DatabaseFault.ThrowABugAfterTheCommandRan && Take(command))
        {
            Failures++;
            var message = $"Simulated failure after the command ran: {command.CommandText[..Math.Min(60, command.CommandText.Length)]}…";
            throw fault == DatabaseFault.FailAfterTheCommandRan ? new SimulatedDatabaseFailure(message) : new InvalidOperationException(message);
        }

        return ValueTask.FromResult(result);
    }

    private static async Task DropAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        switch (connection)
        {
            case NpgsqlConnection npgsql:
            {
                var pid = npgsql.ProcessID;
                await using var admin = new NpgsqlConnection(TestDatabase.PostgresAdminConnectionString);
                await admin.OpenAsync(cancellationToken);
                await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin))
                {
                    terminate.Parameters.AddWithValue("pid", pid);
                    (await terminate.ExecuteScalarAsync(cancellationToken)).Should().Be(true);
                }

                // Termination is asynchronous: wait until the server process is gone.
                for (var attempt = 0; attempt < 100; attempt++)
                {
                    await using var gone = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = @pid", admin);
                    gone.Parameters.AddWithValue("pid", pid);
                    if ((long)(await gone.ExecuteScalarAsync(cancellationToken))! == 0)
                    {
                        return;
                    }

                    await Task.Delay(20, cancellationToken);
                }

                throw new InvalidOperationException($"PostgreSQL process {pid} was not terminated.");
            }

            case SqliteConnection sqlite:
            {
                await using var readOnly = sqlite.CreateCommand();
                readOnly.Transaction = (SqliteTransaction?)transaction;
                readOnly.CommandText = "PRAGMA query_only = ON";
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
                return;
            }

            default:
                throw new NotSupportedException(connection.GetType().Name);
        }
    }
}

/// <summary>
/// Holds the first SaveChanges that modifies an OpenIddict application, once armed, until released: the request has
/// read the client and is about to write it back, so another request can change the client in between.
/// </summary>
public sealed class SaveChangesGate : SaveChangesInterceptor
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes when a SaveChanges is held.</summary>
    public Task Held => _held.Task;

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Release() => _released.TrySetResult();

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        var writesAnApplication = eventData.Context!.ChangeTracker.Entries()
            .Any(entry => entry.State == EntityState.Modified && entry.Metadata.GetTableName() == "OpenIddictApplications");
        if (writesAnApplication && Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _held.TrySetResult();
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        return result;
    }
}
