using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.Bench.InProcess;

/// <summary>
/// Counts the host's database commands while switched on (the sample adds every registered <see cref="IInterceptor"/>
/// to its contexts, and <see cref="Observe"/> adds the version reads it runs outside EF Core on SQLite): how many read
/// the applications table, and how many write. Off during the measurement, where it costs one flag check per command.
/// </summary>
internal sealed class CommandCounter : DbCommandInterceptor
{
    private volatile bool _counting;
    private int _applicationReads;
    private int _otherReads;
    private int _writes;

    /// <summary>Also counts the version reads <paramref name="host"/> runs outside EF Core (SQLite only).</summary>
    public void Observe(BenchHost host)
    {
        if (host.Services.GetService<HostSample.SqliteApplicationVersions>() is { } versions)
        {
            versions.Observer = Count;
        }
    }

    public void Start()
    {
        _applicationReads = _otherReads = _writes = 0;
        _counting = true;
    }

    public (int ApplicationReads, int OtherReads, int Writes) Stop()
    {
        _counting = false;
        return (_applicationReads, _otherReads, _writes);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count(command);
        return base.ReaderExecuting(command, eventData, result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count(command);
        return base.NonQueryExecuting(command, eventData, result);
    }

    private void Count(DbCommand command) => Count(command.CommandText);

    private void Count(string commandText)
    {
        if (!_counting)
        {
            return;
        }

        var text = commandText.TrimStart();
        if (text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
        {
            if (text.Contains("FROM \"OpenIddictApplications\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _applicationReads);
            }
            else
            {
                Interlocked.Increment(ref _otherReads);
            }
        }
        else
        {
            Interlocked.Increment(ref _writes);
        }
    }
}

/// <summary>The database commands of one operation, counted over a few operations after the measurement.</summary>
internal sealed record CommandCounts(double ApplicationReads, double OtherReads, double Writes)
{
    private const int Operations = 20;

    public static async Task<CommandCounts> OfAsync(CommandCounter counter, Variant variant)
    {
        counter.Start();
        for (var i = 0; i < Operations; i++)
        {
            await variant.Operation();
        }

        var (applicationReads, otherReads, writes) = counter.Stop();
        return new CommandCounts((double)applicationReads / Operations, (double)otherReads / Operations, (double)writes / Operations);
    }

    public static string Table(string unit, CommandCounts a, CommandCounts b) =>
        $"""
        Database commands per {unit} (counted over {Operations} {unit}s after the measurement):

        | Variant | SELECT from OpenIddictApplications | other SELECT | INSERT, UPDATE, DELETE |
        |---|---:|---:|---:|
        | A | {a.ApplicationReads:0.##} | {a.OtherReads:0.##} | {a.Writes:0.##} |
        | B | {b.ApplicationReads:0.##} | {b.OtherReads:0.##} | {b.Writes:0.##} |
        """;
}
