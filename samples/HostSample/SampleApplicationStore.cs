using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace HostSample;

/// <summary>
/// OpenIddict's Entity Framework Core application store, with the lookup by <c>client_id</c> made cheap without
/// caching anything that could outlive a change: every lookup still asks the database, but only for the row's
/// concurrency token; the whole row is read only when this process has not seen that version of it yet.
/// </summary>
/// <remarks>
/// <para>
/// Every token request, registration and management call finds its client here. Reading the whole row (the stored
/// registration document, the permissions, the redirect URIs: strings of a few kilobytes, decoded and materialized on
/// every request) was most of the lookup, itself about a quarter of a token request's CPU (bench/README.md).
/// </para>
/// <para>
/// Why a version check keeps every promise: OpenIddict's store gives the row a new <c>ConcurrencyToken</c> on every
/// update (and checks the old one, optimistic concurrency), and nothing in this product writes the applications table
/// any other way. So a row's values at a given token never change, and the copy kept under (id, token) is exactly what
/// the database holds while the token read in this request matches. A secret rotated on any instance changes the
/// token, so the next request anywhere reads the new row; a deleted client has no row, so the lookup finds nothing.
/// An operator who edits the table by hand must change <c>ConcurrencyToken</c> too, as OpenIddict does.
/// </para>
/// <para>
/// The copy is a new entity attached to this request's context as unchanged, as the tracked query would have left it:
/// OpenIddict's manager may update or delete it, with the token it was read with as the concurrency check. Copies live
/// in the host's bounded memory cache (<see cref="BoundedMemoryCache"/>) beside OpenIddict's own entries.
/// </para>
/// <para>
/// On SQLite the version is read on a connection of its own when the context has none open
/// (<see cref="SqliteApplicationVersions"/>), which costs a fraction of EF Core's query.
/// </para>
/// </remarks>
internal sealed class SampleApplicationStore(
    IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    SqliteApplicationVersions? sqliteVersions = null)
    : OpenIddictEntityFrameworkCoreApplicationStore(cache, context, options)
{
    // A compiled query serves one model only, and each provider's context type has its own (the warm-up's scratch
    // instance runs on SQLite in the same process as a host on PostgreSQL): one pair of queries per context type.
    private static readonly ConcurrentDictionary<Type, CompiledQueries> QueriesByContext = new();

    /// <inheritdoc />
    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = await Context.GetDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (Tracked(db, entity => string.Equals(entity.ClientId, identifier, StringComparison.Ordinal)) is { } tracked)
        {
            return tracked;
        }

        var queries = QueriesByContext.GetOrAdd(db.GetType(), static _ => new CompiledQueries());
        if (sqliteVersions is null || !sqliteVersions.TryRead(db, identifier, out var version))
        {
            version = await queries.VersionByClientId(db, identifier, cancellationToken).ConfigureAwait(false);
        }

        if (version is null)
        {
            return null;
        }

        // The same row already tracked under another client_id (changed in this context, not yet saved) must be returned
        // by EF Core's identity resolution, as the tracked query does: a second instance of it could not be attached.
        if (version.ConcurrencyToken is not null
            && Tracked(db, entity => string.Equals(entity.Id, version.Id, StringComparison.Ordinal)) is null
            && Cache.TryGetValue(new SnapshotKey(identifier), out var cached)
            && cached is ApplicationSnapshot snapshot
            && snapshot.Matches(version))
        {
            var copy = snapshot.CreateEntity();
            db.Attach(copy);
            return copy;
        }

        var application = await queries.ByClientId(db, identifier, cancellationToken).ConfigureAwait(false);

        // Only a row as read: an entity this context had already tracked (and may have changed) is not the database's.
        if (application is { ConcurrencyToken: not null } && db.Entry(application).State == EntityState.Unchanged)
        {
            Cache.Set(new SnapshotKey(identifier), ApplicationSnapshot.Of(application));
        }

        return application;
    }

    private static OpenIddictEntityFrameworkCoreApplication? Tracked(DbContext db, Func<OpenIddictEntityFrameworkCoreApplication, bool> predicate)
    {
        foreach (var entry in db.ChangeTracker.Entries<OpenIddictEntityFrameworkCoreApplication>())
        {
            if (predicate(entry.Entity))
            {
                return entry.Entity;
            }
        }

        return null;
    }

    /// <summary>The lookup's two queries, compiled for the model of one context type.</summary>
    private sealed class CompiledQueries
    {
        public Func<DbContext, string, CancellationToken, Task<OpenIddictEntityFrameworkCoreApplication?>> ByClientId { get; } =
            EF.CompileAsyncQuery((DbContext db, string clientId, CancellationToken cancellationToken) =>
                db.Set<OpenIddictEntityFrameworkCoreApplication>().AsTracking().FirstOrDefault(application => application.ClientId == clientId));

        public Func<DbContext, string, CancellationToken, Task<RowVersion?>> VersionByClientId { get; } =
            EF.CompileAsyncQuery((DbContext db, string clientId, CancellationToken cancellationToken) =>
                db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
                    .Where(application => application.ClientId == clientId)
                    .Select(application => new RowVersion(application.Id!, application.ConcurrencyToken))
                    .FirstOrDefault());
    }

    /// <summary>The row's key and concurrency token: what the version check reads.</summary>
    internal sealed record RowVersion(string Id, string? ConcurrencyToken);

    private sealed record SnapshotKey(string ClientId);

    /// <summary>The values of one version of a row. Strings are immutable, so copies share them.</summary>
    internal sealed class ApplicationSnapshot
    {
        private readonly OpenIddictEntityFrameworkCoreApplication _values;

        private ApplicationSnapshot(OpenIddictEntityFrameworkCoreApplication values) => _values = values;

        /// <summary>Keeps the values of <paramref name="application"/> as read, in an instance no context tracks.</summary>
        public static ApplicationSnapshot Of(OpenIddictEntityFrameworkCoreApplication application) => new(Copy(application));

        public bool Matches(RowVersion version) =>
            string.Equals(_values.Id, version.Id, StringComparison.Ordinal)
            && string.Equals(_values.ConcurrencyToken, version.ConcurrencyToken, StringComparison.Ordinal);

        /// <summary>A new entity with the kept values, for one context to attach.</summary>
        public OpenIddictEntityFrameworkCoreApplication CreateEntity() => Copy(_values);

        // Every mapped property of the entity (a test in TokenPathTests checks the list against EF Core's model, so a
        // property a later OpenIddict adds cannot be silently left out); its navigations stay empty, as a query leaves them.
        private static OpenIddictEntityFrameworkCoreApplication Copy(OpenIddictEntityFrameworkCoreApplication source) => new()
        {
            Id = source.Id,
            ApplicationType = source.ApplicationType,
            ClientId = source.ClientId,
            ClientSecret = source.ClientSecret,
            ClientType = source.ClientType,
            ConcurrencyToken = source.ConcurrencyToken,
            ConsentType = source.ConsentType,
            DisplayName = source.DisplayName,
            DisplayNames = source.DisplayNames,
            JsonWebKeySet = source.JsonWebKeySet,
            Permissions = source.Permissions,
            PostLogoutRedirectUris = source.PostLogoutRedirectUris,
            Properties = source.Properties,
            RedirectUris = source.RedirectUris,
            Requirements = source.Requirements,
            Settings = source.Settings,
        };
    }
}
