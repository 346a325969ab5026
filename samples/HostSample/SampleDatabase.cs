using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostSample;

/// <summary>Chooses the database provider and prepares the database and the seeded administrative client.</summary>
internal static class SampleDatabase
{
    public static void Configure(DbContextOptionsBuilder options, IConfiguration configuration, string contentRoot)
    {
        var provider = configuration["Database:Provider"] ?? "Sqlite";
        var connectionString = configuration.GetConnectionString("Dcr");
        switch (provider.ToUpperInvariant())
        {
            case "SQLITE":
                options.UseSqlite(connectionString ?? $"Data Source={Path.Combine(contentRoot, "App_Data", "dcr-sample.db")}");
                break;
            default:
                throw new InvalidOperationException(
                    $"Database:Provider '{provider}' is not supported. Use 'Sqlite'.");
        }
    }

    public static async Task InitializeAsync(IServiceProvider services, SampleOptions sample)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        if (context.Database.GetDbConnection().DataSource is { Length: > 0 } dataSource && context.Database.IsSqlite())
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dataSource))!);
        }

        await context.Database.EnsureCreatedAsync();

        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = sample.AdminClientId,
            ClientSecret = sample.AdminClientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Dynamic client registration administrator (sample)",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + "dcr",
            },
        };

        var existing = await manager.FindByClientIdAsync(sample.AdminClientId);
        if (existing is null)
        {
            await manager.CreateAsync(descriptor);
        }
        else if (!await manager.ValidateClientSecretAsync(existing, sample.AdminClientSecret))
        {
            await manager.UpdateAsync(existing, descriptor);
        }
    }
}
