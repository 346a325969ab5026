using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>
/// Counts the SELECTs that read the OpenIddict applications table: EF Core's commands, and on SQLite the version reads the
/// sample runs on a connection of its own (<see cref="HostSample.SqliteApplicationVersions"/>) once <see cref="Observe"/>d.
/// </summary>
internal sealed class ApplicationSelects : DbCommandInterceptor
{
    private readonly ConcurrentQueue<string> _commands = new();

    public int Count => _commands.Count;

    public IEnumerable<string> Commands => _commands;

    public void Reset() => _commands.Clear();

    /// <summary>Also counts the version reads <paramref name="host"/> runs outside EF Core (SQLite only).</summary>
    public ApplicationSelects Observe(SampleHost host)
    {
        if (host.Services.GetService<HostSample.SqliteApplicationVersions>() is { } versions)
        {
            versions.Observer = Record;
        }

        return this;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return base.ReaderExecuting(command, eventData, result);
    }

    private void Record(DbCommand command) => Record(command.CommandText);

    private void Record(string commandText)
    {
        var text = commandText.TrimStart();
        if (text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
            && text.Contains("FROM \"OpenIddictApplications\"", StringComparison.Ordinal))
        {
            _commands.Enqueue(text);
        }
    }
}
