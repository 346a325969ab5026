using System.Data.Common;
using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using HostSample;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>Floods are answered 429, and a database outage 503, with RFC-style bodies; nothing is half-written.</summary>
public sealed class AbuseTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Fact]
    public async Task registration_is_rate_limited_per_client_ip_with_429_retry_after_and_an_rfc_body()
    {
        using var host = RateLimitedHost(permitsPerMinute: 3);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            (await Post(client, token, "198.51.100.1")).Status.Should().Be(HttpStatusCode.Created);
        }

        var limited = await Post(client, await client.InitialAccessTokenAsync(), "198.51.100.1");
        limited.ShouldBeError(HttpStatusCode.TooManyRequests, "temporarily_unavailable", null);
        int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1, 60);

        // Another address with a fresh token is not affected.
        (await Post(client, await client.InitialAccessTokenAsync(), "198.51.100.2")).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task registration_is_rate_limited_per_initial_access_token_across_addresses()
    {
        using var host = RateLimitedHost(permitsPerMinute: 3);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            (await Post(client, token, $"203.0.113.{attempt + 1}")).Status.Should().Be(HttpStatusCode.Created);
        }

        (await Post(client, token, "203.0.113.200")).ShouldBeError(HttpStatusCode.TooManyRequests, "temporarily_unavailable", null);
        (await Post(client, await client.InitialAccessTokenAsync(), "203.0.113.201")).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task the_per_token_limit_counts_one_token_whatever_the_letter_case_of_its_bearer_scheme()
    {
        using var host = RateLimitedHost(permitsPerMinute: 2);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        // Each from its own address, so only the per-token limit can refuse.
        (await PostWithAuthorization(client, "Bearer " + token, "192.0.2.1")).Status.Should().Be(HttpStatusCode.Created);
        (await PostWithAuthorization(client, "bearer " + token, "192.0.2.2")).Status.Should().Be(HttpStatusCode.Created);
        (await PostWithAuthorization(client, "BEARER  " + token + " ", "192.0.2.3"))
            .ShouldBeError(HttpStatusCode.TooManyRequests, "temporarily_unavailable", null);

        (await PostWithAuthorization(client, "Bearer " + await client.InitialAccessTokenAsync(), "192.0.2.4")).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task a_limit_of_zero_turns_rate_limiting_off()
    {
        using var host = RateLimitedHost(permitsPerMinute: 0);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        for (var attempt = 0; attempt < 20; attempt++)
        {
            (await Post(client, token, "198.51.100.9")).Status.Should().Be(HttpStatusCode.Created);
        }
    }

    [Fact]
    public async Task with_the_database_down_registration_and_management_answer_503_and_serve_again_when_it_returns()
    {
        var outage = new DatabaseOutage();
        using var host = new SampleHost(configureServices: services => services
            .ConfigureDbContext<SqliteSampleDbContext>(options => options.AddInterceptors(outage))
            .ConfigureDbContext<PostgreSqlSampleDbContext>(options => options.AddInterceptors(outage)));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var token = await client.InitialAccessTokenAsync();
        var before = await CountAsync(host);

        outage.Down = true;
        var started = DateTime.UtcNow;
        var registration = await client.PostRegistrationAsync(ServiceClient, token);
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        var update = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"]}""");
        var delete = await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        outage.Down = false;

        foreach (var answer in new[] { registration, read, update, delete })
        {
            answer.ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2701");
            answer.Headers.RetryAfter.Should().NotBeNull();
        }

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(30), "an outage is answered, not waited out");
        (await CountAsync(host)).Should().Be(before, "nothing was written during the outage");

        // Back without a restart, and the client's credentials were not rotated by the failed calls.
        (await client.PostRegistrationAsync(ServiceClient, token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        (await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    private static SampleHost RateLimitedHost(int permitsPerMinute) => new(
        new Dictionary<string, string?> { ["Sample:RateLimit:PermitsPerMinute"] = permitsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        services => services.AddTransient<IStartupFilter, TestClientAddress>());

    private static Task<WireResponse> Post(DcrTestClient client, string token, string address)
    {
        client.Http.DefaultRequestHeaders.Remove(TestClientAddress.Header);
        client.Http.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return client.PostRegistrationAsync(ServiceClient, token);
    }

    private static async Task<WireResponse> PostWithAuthorization(DcrTestClient client, string authorization, string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DcrTestClient.RegistrationPath)
        {
            Content = new StringContent(ServiceClient, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add(TestClientAddress.Header, address);
        return await WireResponse.ReadAsync(await client.Http.SendAsync(request));
    }

    private static async Task<long> CountAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CountAsync();
    }

    /// <summary>The in-memory server has no client address: a test header supplies one, first thing in the pipeline.</summary>
    private sealed class TestClientAddress : IStartupFilter
    {
        public const string Header = "X-Test-Client-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class DatabaseUnreachableException() : DbException("The database server cannot be reached.");

    /// <summary>Every command fails with a provider exception, as when the server is gone, while <see cref="Down"/>.</summary>
    private sealed class DatabaseOutage : DbCommandInterceptor
    {
        public volatile bool Down;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            ThrowIfDown();
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            ThrowIfDown();
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            ThrowIfDown();
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new DatabaseUnreachableException();
            }
        }
    }
}
