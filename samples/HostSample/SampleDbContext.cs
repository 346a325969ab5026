using Microsoft.EntityFrameworkCore;
using Dcr.IdentityServerExtensions.Services;
using Microsoft.EntityFrameworkCore.Design;
using OpenIddict.EntityFrameworkCore.Models;

namespace HostSample;

/// <summary>
/// The sample's database: OpenIddict's applications, authorizations, scopes and tokens, and dynamic client registration's
/// catalog of the clients it created. The application resolves this
/// type; each provider has a derived type of its own (<see cref="SqliteSampleDbContext"/>,
/// <see cref="PostgreSqlSampleDbContext"/>, <see cref="SqlServerSampleDbContext"/>) that carries that provider's
/// migrations, under <c>Migrations/{Provider}</c>.
/// </summary>
public abstract class SampleDbContext : DbContext
{
    /// <summary>Creates the context.</summary>
    protected SampleDbContext(DbContextOptions options)
        : base(options)
    {
        // Every SaveChanges runs in a transaction of its own, even when it is a single statement: a failure anywhere
        // inside it (after the INSERT or UPDATE has run, before the commit) rolls the write back, so a client is
        // never stored, or its secret rotated, by a request that then answers with an error. Each write of the
        // registration store is one SaveChanges, and OpenIddict's delete opens its own transaction.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();

        // A Client ID Metadata Document's URL is the client's id: OpenIddict's column holds 100 characters, the URLs
        // the product accepts up to ClientIdMetadataDocuments.MaxUrlLength. SQLite does not enforce a length; the other
        // engines refuse a longer value.
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>()
            .Property(application => application.ClientId)
            .HasMaxLength(ClientIdMetadataDocuments.MaxUrlLength);

        // The catalog of the clients dynamic client registration creates (DcrClients, DcrCounters), written in the same
        // transaction as OpenIddict's application row: the quotas, last use, expiry and the admin API read it.
        modelBuilder.UseDynamicClientRegistration();
    }
}

/// <summary>The sample's database on SQLite (the default).</summary>
public sealed class SqliteSampleDbContext(DbContextOptions<SqliteSampleDbContext> options) : SampleDbContext(options);

/// <summary>The sample's database on PostgreSQL.</summary>
public sealed class PostgreSqlSampleDbContext(DbContextOptions<PostgreSqlSampleDbContext> options) : SampleDbContext(options);

/// <summary>The sample's database on SQL Server.</summary>
public sealed class SqlServerSampleDbContext(DbContextOptions<SqlServerSampleDbContext> options) : SampleDbContext(options);

/// <summary>
/// Lets <c>dotnet ef</c> create each provider's context without starting the host. Configuration comes from the
/// arguments after <c>--</c> (<c>--ConnectionStrings:Dcr=…</c>) and the environment; without a connection string
/// a placeholder is used, which is enough for <c>migrations add</c> and <c>migrations script</c> (they do not connect).
/// </summary>
internal abstract class SampleDbContextDesignTimeFactory<TContext>(DatabaseProvider provider) : IDesignTimeDbContextFactory<TContext>
    where TContext : SampleDbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var connectionString = configuration.GetConnectionString(SampleDatabase.ConnectionStringName)
            ?? SampleDatabase.PlaceholderConnectionString(provider);
        var options = new DbContextOptionsBuilder<TContext>();
        SampleDatabase.UseProvider(options, provider, connectionString);
        options.UseOpenIddict();
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
    }
}

internal sealed class SqliteSampleDbContextFactory() : SampleDbContextDesignTimeFactory<SqliteSampleDbContext>(DatabaseProvider.Sqlite);

internal sealed class PostgreSqlSampleDbContextFactory() : SampleDbContextDesignTimeFactory<PostgreSqlSampleDbContext>(DatabaseProvider.PostgreSql);

internal sealed class SqlServerSampleDbContextFactory() : SampleDbContextDesignTimeFactory<SqlServerSampleDbContext>(DatabaseProvider.SqlServer);
