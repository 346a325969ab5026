using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using OpenIddict.EntityFrameworkCore.Models;

namespace HostSample;

/// <summary>
/// The client lookup's version check (<see cref="SampleApplicationStore"/>) on SQLite: one small prepared query on a
/// connection of its own instead of the request's EF Core context.
/// </summary>
/// <remarks>
/// <para>
/// Why: on a token request the version check is the only statement, so EF Core opened and closed the context's
/// connection for it alone, and each open of an EF Core SQLite connection registers the provider's dozen SQL functions
/// (removed again on close) and runs the connection interceptors, and each execution of the compiled query builds its
/// shaper's delegates anew; SQLite then parsed and planned the statement again. A plain Microsoft.Data.Sqlite
/// connection kept open with the statement prepared on it does none of that: a token request costs about a quarter
/// less host CPU (bench/README.md).
/// </para>
/// <para>
/// Why it keeps the lookup's promise: it reads the same file, and each read is a transaction of its own, which sees
/// every transaction committed before it began (WAL; the reader is consumed and closed before the command is put back,
/// so an idle connection holds no snapshot), so a rotation or a deletion on any instance is seen by the next request, as
/// before. It is used only while the context has no connection open and no transaction: inside a unit of work (a
/// registration's uniqueness check, a deletion) the lookup must see the unit's own writes, which another connection
/// would not, so EF Core's query runs there as before. It is registered only for a database in a file: a memory
/// database is not shared with another connection.
/// </para>
/// </remarks>
internal sealed class SqliteApplicationVersions(string connectionString) : IDisposable
{
    // Idle commands kept beyond this are closed: more than the requests that read at once on two cores.
    private static readonly int MaxIdleCommands = Environment.ProcessorCount * 4;

    // One statement per context type: its model names the table and columns.
    private readonly ConcurrentDictionary<Type, string> _statements = new();

    // Prepared commands, each on an open connection of its own to the host's database, by statement: SQLite parses and
    // plans a statement once per connection instead of once per request.
    private readonly ConcurrentDictionary<string, ConcurrentBag<SqliteCommand>> _idle = new();
    private volatile bool _disposed;

    /// <summary>Called with each statement run (integration tests count the lookup's reads with it).</summary>
    internal Action<string>? Observer { get; set; }

    /// <summary>Whether <paramref name="connectionString"/> names a database file, which another connection shares.</summary>
    public static bool Applies(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return builder.Mode != SqliteOpenMode.Memory
            && !string.IsNullOrEmpty(builder.DataSource)
            && !string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads the version of the application <paramref name="clientId"/> into <paramref name="version"/> (null when there
    /// is none), unless <paramref name="db"/> has a connection open or a transaction: then <see langword="false"/>, and
    /// the caller asks its context.
    /// </summary>
    public bool TryRead(DbContext db, string clientId, out SampleApplicationStore.RowVersion? version)
    {
        version = null;
        if (db.Database.CurrentTransaction is not null || db.Database.GetDbConnection().State != ConnectionState.Closed)
        {
            return false;
        }

        var statement = _statements.GetOrAdd(db.GetType(), static (_, db) => Statement(db), db);
        Observer?.Invoke(statement);
        var idle = _idle.GetOrAdd(statement, static _ => []);
        var command = idle.TryTake(out var taken) ? taken : Prepare(connectionString, statement);
        var reusable = false;
        try
        {
            command.Parameters[0].Value = clientId;
            using (var reader = command.ExecuteReader(CommandBehavior.SingleRow))
            {
                if (reader.Read())
                {
                    version = new SampleApplicationStore.RowVersion(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
                }
            }

            reusable = true;
        }
        finally
        {
            // A command whose read failed is not trusted again; nor kept past the limit or after disposal.
            if (reusable && !_disposed && idle.Count < MaxIdleCommands)
            {
                idle.Add(command);
            }
            else
            {
                Close(command);
            }
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        foreach (var idle in _idle.Values)
        {
            while (idle.TryTake(out var command))
            {
                Close(command);
            }
        }
    }

    private static SqliteCommand Prepare(string connectionString, string statement)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var command = connection.CreateCommand();
            command.CommandText = statement;
            command.Parameters.Add("$clientId", SqliteType.Text);
            command.Prepare();
            return command;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Close(SqliteCommand command)
    {
        var connection = command.Connection;
        command.Dispose();
        connection?.Dispose();
    }

    // The query EF Core runs for the same lookup, with the model's table and column names.
    private static string Statement(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreApplication))
            ?? throw new InvalidOperationException("The context's model has no OpenIddict applications.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
        return $"SELECT {Column(nameof(OpenIddictEntityFrameworkCoreApplication.Id))}, " +
            $"{Column(nameof(OpenIddictEntityFrameworkCoreApplication.ConcurrencyToken))} " +
            $"FROM {sql.DelimitIdentifier(table.Name, table.Schema)} " +
            $"WHERE {Column(nameof(OpenIddictEntityFrameworkCoreApplication.ClientId))} = $clientId LIMIT 1";
    }
}
