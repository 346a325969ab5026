using Microsoft.EntityFrameworkCore;

namespace HostSample;

/// <summary>The sample's database: OpenIddict's applications, authorizations, scopes and tokens.</summary>
public sealed class SampleDbContext(DbContextOptions<SampleDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
    }
}
