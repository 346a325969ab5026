using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace HostSample;

/// <summary>
/// OpenIddict's Entity Framework Core application store, with the lookup by <c>client_id</c> as a compiled query. Every
/// token request, registration and management call finds its client this way, once, in the database (nothing is cached
/// across requests: a rotated secret or a deleted client takes effect at once on every instance). OpenIddict's own
/// lookup builds the LINQ expression and has EF Core translate it (funcletizer, query cache key) on every call: about a
/// fifth of the lookup's CPU in a profile of the token endpoint (bench/README.md, "Where the CPU goes"). The query is
/// the same (tracked, <c>WHERE ClientId = @id</c>, first row), and an entity this context already tracks is returned
/// without a query, as OpenIddict's store does.
/// </summary>
internal sealed class SampleApplicationStore(
    IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options)
    : OpenIddictEntityFrameworkCoreApplicationStore(cache, context, options)
{
    // EF Core compiles it once per model, so the same delegate serves SQLite, PostgreSQL and SQL Server contexts.
    private static readonly Func<DbContext, string, CancellationToken, Task<OpenIddictEntityFrameworkCoreApplication?>> ByClientId =
        EF.CompileAsyncQuery((DbContext db, string clientId, CancellationToken cancellationToken) =>
            db.Set<OpenIddictEntityFrameworkCoreApplication>().AsTracking().FirstOrDefault(application => application.ClientId == clientId));

    /// <inheritdoc />
    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = await Context.GetDbContextAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in db.ChangeTracker.Entries<OpenIddictEntityFrameworkCoreApplication>())
        {
            if (string.Equals(entry.Entity.ClientId, identifier, StringComparison.Ordinal))
            {
                return entry.Entity;
            }
        }

        return await ByClientId(db, identifier, cancellationToken).ConfigureAwait(false);
    }
}
