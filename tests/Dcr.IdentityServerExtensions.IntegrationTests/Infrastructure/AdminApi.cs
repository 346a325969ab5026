using System.Net.Http.Headers;
using System.Text;
using Dcr.IdentityServerExtensions.EntityFrameworkCore;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>The operators' admin API of the sample, over HTTP, and the catalog's rows read straight from the database.</summary>
public static class AdminApi
{
    public const string Path = "/admin/dcr";
    public const string Scope = "dcr:admin";

    /// <summary>An access token of the seeded administrative client with the admin scope.</summary>
    public static Task<string> AdminTokenAsync(this DcrTestClient client) => client.InitialAccessTokenAsync(Scope);

    public static async Task<WireResponse> AdminAsync(this DcrTestClient client, HttpMethod method, string relativeUri, string? bearer,
        string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, Path + relativeUri);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await WireResponse.ReadAsync(await client.Http.SendAsync(request));
    }

    /// <summary>The client ids of a listing, in order.</summary>
    public static List<string> ClientIds(this WireResponse listing) =>
        listing.Json.GetProperty("clients").EnumerateArray().Select(client => client.GetProperty("client_id").GetString()!).ToList();

    /// <summary>The catalog row of a client, read from the sample's database; null when there is none.</summary>
    public static async Task<DcrClient?> CatalogRowAsync(this SampleHost host, string clientId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
        return await context.Set<DcrClient>().AsNoTracking().SingleOrDefaultAsync(row => row.ClientId == clientId);
    }

    /// <summary>How many catalog rows there are.</summary>
    public static async Task<int> CatalogCountAsync(this SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<DcrClient>().CountAsync();
    }

    /// <summary>Whether the host still has the application (OpenIddict's row).</summary>
    public static async Task<bool> HasApplicationAsync(this SampleHost host, string clientId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync(clientId) is not null;
    }

    /// <summary>Seeds a confidential client that may obtain initial access tokens (scope dcr), and returns one of them.</summary>
    public static async Task<string> CallerTokenAsync(this SampleHost host, DcrTestClient client, string callerId)
    {
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            if (await manager.FindByClientIdAsync(callerId) is null)
            {
                await manager.CreateAsync(new OpenIddictApplicationDescriptor
                {
                    ClientId = callerId,
                    ClientSecret = "caller-secret",
                    Permissions = { "ept:token", "gt:client_credentials", "scp:dcr" },
                });
            }
        }

        return await client.InitialAccessTokenAsync(clientId: callerId, secret: "caller-secret");
    }
}
