using Dcr.IdentityServerExtensions.EntityFrameworkCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds the client catalog's tables to a host's EF Core model.</summary>
public static class DynamicClientRegistrationModelBuilderExtensions
{
    /// <summary>
    /// The largest client id: a Client ID Metadata Document's URL
    /// (<see cref="Dcr.IdentityServerExtensions.Services.ClientIdMetadataDocuments.MaxUrlLength"/>); ids this product
    /// generates have 22 characters.
    /// </summary>
    public const int MaxClientIdLength = Dcr.IdentityServerExtensions.Services.ClientIdMetadataDocuments.MaxUrlLength;

    /// <summary>The largest caller id kept in <c>CreatedBy</c> (an indexable length on every provider).</summary>
    public const int MaxCreatedByLength = Dcr.IdentityServerExtensions.Services.RegistrationCaller.MaxCallerIdLength;

    /// <summary>
    /// Adds <c>DcrClients</c> (<see cref="DcrClient"/>, indexed on the columns the admin API filters and sorts on and the
    /// quotas count) and <c>DcrCounters</c> (<see cref="DcrCounter"/>) to the model. Call it in the <c>OnModelCreating</c>
    /// of the same <c>DbContext</c> that OpenIddict stores its applications in, then add a migration.
    /// </summary>
    public static ModelBuilder UseDynamicClientRegistration(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<DcrClient>(client =>
        {
            client.ToTable("DcrClients");
            client.HasKey(entity => entity.ClientId);
            client.Property(entity => entity.ClientId).HasMaxLength(MaxClientIdLength);
            client.Property(entity => entity.Source).HasMaxLength(16).IsRequired();
            client.Property(entity => entity.CreatedBy).HasMaxLength(MaxCreatedByLength);
            client.Property(entity => entity.InitialAccessTokenId).HasMaxLength(Dcr.IdentityServerExtensions.Services.InitialAccessTokenResult.MaxTokenIdLength);
            client.Property(entity => entity.TokenEndpointAuthMethod).HasMaxLength(64);
            client.Property(entity => entity.SearchText).IsRequired();
            client.Property(entity => entity.GrantTypes).IsRequired();
            client.Property(entity => entity.RedirectUris).IsRequired();
            client.HasIndex(entity => entity.ClientIdIssuedAt);
            client.HasIndex(entity => entity.LastUsedAt);
            client.HasIndex(entity => new { entity.CreatedBy, entity.Source });
            client.HasIndex(entity => entity.InitialAccessTokenId);
            client.HasIndex(entity => new { entity.Source, entity.Anonymous });
        });

        modelBuilder.Entity<DcrCounter>(counter =>
        {
            counter.ToTable("DcrCounters");
            counter.HasKey(entity => entity.Key);
            counter.Property(entity => entity.Key).HasMaxLength(100);
        });

        return modelBuilder;
    }
}
