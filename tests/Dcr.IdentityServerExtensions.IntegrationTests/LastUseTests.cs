using System.Data.Common;
using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// <c>last_used_at</c>: written when a client gets a token or is authorized, at most once per
/// <c>Lifecycle:LastUsedResolution</c> (the first use always), with no database write per token otherwise, on one
/// instance or several.
/// </summary>
public sealed class LastUseTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    private static async Task<long?> LastUsedAsync(SampleHost host, string clientId) => (await host.CatalogRowAsync(clientId))!.LastUsedAt;

    [Fact]
    public async Task the_first_token_is_recorded_and_later_ones_write_nothing_until_the_resolution_has_passed()
    {
        var updates = new LastUseUpdates();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(updates));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        (await LastUsedAsync(host, registered.ClientId)).Should().BeNull();
        var first = host.Time.GetUtcNow().ToUnixTimeSeconds();

        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        (await LastUsedAsync(host, registered.ClientId)).Should().Be(first);
        var admin = await client.AdminTokenAsync();
        (await client.AdminAsync(HttpMethod.Get, "/clients/" + registered.ClientId, admin)).Json.GetProperty("last_used_at").GetInt64().Should().Be(first);
        var written = updates.Count;

        host.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        for (var i = 0; i < 5; i++)
        {
            (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        }

        updates.Count.Should().Be(written, "no statement touches the last use within the resolution");
        (await LastUsedAsync(host, registered.ClientId)).Should().Be(first);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        (await LastUsedAsync(host, registered.ClientId)).Should().Be(first + 3600);
        updates.Count.Should().Be(written + 1);
    }

    [Fact]
    public async Task an_authorization_and_a_refresh_are_uses_too()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Lifecycle:LastUsedResolution"] = "00:05:00" });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(
            """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"scope":"openid offline_access api"}""");

        using (var authorize = await client.AuthorizeAsync(registered.ClientId, "http://127.0.0.1/callback", "openid offline_access api",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"))
        {
            authorize.StatusCode.Should().Be(HttpStatusCode.Redirect);
        }

        (await LastUsedAsync(host, registered.ClientId)).Should().Be(host.Time.GetUtcNow().ToUnixTimeSeconds(), "an authorization is a use");

        host.Time.Advance(TimeSpan.FromMinutes(10));
        var tokens = await client.AuthorizationCodeAsync(registered.ClientId, null, "http://127.0.0.1/callback", "openid offline_access api");
        tokens.ShouldSucceed();
        (await LastUsedAsync(host, registered.ClientId)).Should().Be(host.Time.GetUtcNow().ToUnixTimeSeconds());

        host.Time.Advance(TimeSpan.FromMinutes(10));
        (await client.RefreshAsync(registered.ClientId, null, tokens.RefreshToken!)).ShouldSucceed();
        (await LastUsedAsync(host, registered.ClientId)).Should().Be(host.Time.GetUtcNow().ToUnixTimeSeconds(), "a refresh is a use");
    }

    [Fact]
    public async Task a_second_instance_does_not_write_a_use_within_the_resolution_of_the_one_another_instance_wrote()
    {
        var database = TestDatabase.Create(Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N")));
        try
        {
            using var a = new SampleHost(database: database);
            var updates = new LastUseUpdates();
            using var b = new SampleHost(new Dictionary<string, string?> { ["Sample:KeysPath"] = a.KeysPath },
                services => services.AddSingleton<IInterceptor>(updates), database: database);
            a.Time.SetUtcNow(b.Time.GetUtcNow());
            using var onA = a.CreateDcrClient();
            using var onB = b.CreateDcrClient();
            var registered = await onA.RegisterAsync(ServiceClient);
            (await onA.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
            var first = a.Time.GetUtcNow().ToUnixTimeSeconds();

            b.Time.Advance(TimeSpan.FromMinutes(10));
            var before = updates.Count;
            (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
            (await onB.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

            (await LastUsedAsync(a, registered.ClientId)).Should().Be(first, "B's conditional update found A's stamp recent enough");
            updates.Count.Should().Be(before + 1, "B tried once, then remembered");
        }
        finally
        {
            database.Dispose();
        }
    }

    /// <summary>Counts the statements that update a client's last use.</summary>
    private sealed class LastUseUpdates : DbCommandInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("UPDATE", StringComparison.OrdinalIgnoreCase)
                && command.CommandText.Contains("DcrClients", StringComparison.Ordinal)
                && command.CommandText.Contains("LastUsedAt", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }

            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
