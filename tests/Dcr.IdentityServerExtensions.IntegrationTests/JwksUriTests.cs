using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using static Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure.ClientAssertions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// private_key_jwt clients whose keys are at a jwks_uri, served over https by a test server on 127.0.0.1 (special-use
/// addresses allowed for the test): fetched safely, cached, fetched again once for a new kid.
/// </summary>
public sealed class JwksUriTests : IClassFixture<JwksUriTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        public KeySetServer KeySets { get; private set; } = null!;

        public SampleHost Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            KeySets = await KeySetServer.StartAsync();
            Server = new SampleHost(
                new Dictionary<string, string?> { ["DynamicClientRegistration:Network:AllowSpecialUseAddresses"] = "true" },
                KeySets.TrustIn);
        }

        public async Task DisposeAsync()
        {
            Server.Dispose();
            await KeySets.DisposeAsync();
        }
    }

    private readonly KeySetServer _keySets;
    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public JwksUriTests(Host host)
    {
        _keySets = host.KeySets;
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    private DateTimeOffset Now => _host.Time.GetUtcNow();

    private static string NewPath() => $"clients/{Guid.NewGuid():N}/jwks";

    private Task<string> RegisterAsync(Uri jwksUri) => RegisterAsync(_client, jwksUri);

    internal static async Task<string> RegisterAsync(DcrTestClient client, Uri jwksUri)
    {
        var registered = await client.RegisterAsync($$"""
            {"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"private_key_jwt",
             "token_endpoint_auth_signing_alg":"ES256","jwks_uri":"{{jwksUri}}"}
            """);
        registered.Json.GetProperty("jwks_uri").GetString().Should().Be(jwksUri.ToString());
        registered.Json.TryGetProperty("jwks", out _).Should().BeFalse();
        registered.ClientSecret.Should().BeNull();
        return registered.ClientId;
    }

    [Fact]
    public async Task a_client_with_a_jwks_uri_gets_a_token_and_its_key_set_is_fetched_once_and_cached()
    {
        var key = SoftwareStatementTests.NewKey("first");
        var path = NewPath();
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(key));
        var clientId = await RegisterAsync(_keySets.Url(path));
        _keySets.RequestsOf(path).Should().Be(0, "the key set is fetched when the client authenticates, not at registration");

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();
        (await _client.TokenAsync(clientId, Create(key, clientId, Now, type: Rfc7523bisType, audience: Issuer))).ShouldSucceed();
        _keySets.RequestsOf(path).Should().Be(1);

        // A key the client does not publish is refused.
        (await _client.TokenAsync(clientId, Create(SoftwareStatementTests.NewKey("first"), clientId, Now))).ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task concurrent_first_authentications_of_a_client_share_one_fetch_of_its_key_set()
    {
        // Stampede protection: while the first fetch is held open, the other token requests of the same client must join
        // it rather than fetch again. The fetch is released only once it has been held for a while, so that the other
        // requests are in flight; however they interleave, a second fetch would be counted.
        var key = SoftwareStatementTests.NewKey("first");
        var path = NewPath();
        var jwks = SoftwareStatementTests.PublicJwks(key);
        _keySets.Answer(path, async context =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(jwks);
        });
        var clientId = await RegisterAsync(_keySets.Url(path));

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.TokenAsync(clientId, Create(key, clientId, Now))));

        foreach (var response in responses)
        {
            response.ShouldSucceed();
        }

        _keySets.RequestsOf(path).Should().Be(1);
    }

    [Fact]
    public async Task after_the_client_rotates_its_keys_an_assertion_with_the_new_kid_works()
    {
        var oldKey = SoftwareStatementTests.NewKey("old");
        var path = NewPath();
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(oldKey));
        var clientId = await RegisterAsync(_keySets.Url(path));
        (await _client.TokenAsync(clientId, Create(oldKey, clientId, Now))).ShouldSucceed();

        var newKey = SoftwareStatementTests.NewKey("new");
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(newKey));

        // Within 30 seconds of the last fetch an unknown kid does not make the server fetch again.
        (await _client.TokenAsync(clientId, Create(newKey, clientId, Now))).ShouldBeInvalidClient(null);
        _keySets.RequestsOf(path).Should().Be(1);

        _host.Time.Advance(TimeSpan.FromSeconds(30));
        (await _client.TokenAsync(clientId, Create(newKey, clientId, Now))).ShouldSucceed();
        _keySets.RequestsOf(path).Should().Be(2);

        // The refreshed set is cached: the new key again, and the old one (no longer published) refused without a fetch.
        (await _client.TokenAsync(clientId, Create(newKey, clientId, Now))).ShouldSucceed();
        (await _client.TokenAsync(clientId, Create(oldKey, clientId, Now))).ShouldBeInvalidClient(null);
        _keySets.RequestsOf(path).Should().Be(2);
    }

    [Fact]
    public async Task the_cached_key_set_is_fetched_again_when_its_lifetime_ends()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var path = NewPath();
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(key));
        var clientId = await RegisterAsync(_keySets.Url(path));
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();

        _host.Time.Advance(TimeSpan.FromMinutes(10));
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();
        _keySets.RequestsOf(path).Should().Be(2);
    }

    [Fact]
    public async Task a_failed_fetch_is_not_repeated_for_30_seconds()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var path = NewPath();
        _keySets.Answer(path, context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        var clientId = await RegisterAsync(_keySets.Url(path));

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(key));
        _host.Time.Advance(TimeSpan.FromSeconds(29));
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);
        _keySets.RequestsOf(path).Should().Be(1, "the failure is remembered: assertions for the client do not make the server call its host again");

        _host.Time.Advance(TimeSpan.FromSeconds(1));
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();
        _keySets.RequestsOf(path).Should().Be(2);
    }

    [Fact]
    public async Task a_redirect_is_not_followed()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var target = NewPath();
        _keySets.Serve(target, SoftwareStatementTests.PublicJwks(key));
        var path = NewPath();
        _keySets.Answer(path, context =>
        {
            context.Response.Redirect(_keySets.Url(target).ToString());
            return Task.CompletedTask;
        });
        var clientId = await RegisterAsync(_keySets.Url(path));

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);
        _keySets.RequestsOf(path).Should().Be(1);
        _keySets.RequestsOf(target).Should().Be(0);
    }

    [Fact]
    public async Task an_oversized_key_set_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var jwks = SoftwareStatementTests.PublicJwks(key);
        var padded = jwks[..^1] + new string(' ', 70 * 1024) + "}";
        var path = NewPath();
        _keySets.Serve(path, padded);
        var clientId = await RegisterAsync(_keySets.Url(path));

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);

        // The same keys within the cap: the only difference was the size.
        _host.Time.Advance(TimeSpan.FromSeconds(30));
        _keySets.Serve(path, jwks);
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();
    }

    [Fact]
    public async Task an_oversized_key_set_sent_in_chunks_without_a_length_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var jwks = SoftwareStatementTests.PublicJwks(key);
        var path = NewPath();
        _keySets.Answer(path, async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(jwks[..^1]);
            for (var chunk = 0; chunk < 70; chunk++)
            {
                await context.Response.WriteAsync(new string(' ', 1024));
                await context.Response.Body.FlushAsync();
            }

            await context.Response.WriteAsync("}");
        });
        var clientId = await RegisterAsync(_keySets.Url(path));

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task a_key_set_that_does_not_answer_in_time_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var path = NewPath();
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _keySets.Answer(path, async context =>
        {
            requested.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var clientId = await RegisterAsync(_keySets.Url(path));

        var token = _client.TokenAsync(clientId, Create(key, clientId, Now));
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
        token.IsCompleted.Should().BeFalse("the server has not answered and the timeout has not passed");

        // The timeout runs on the product's clock (default ten seconds).
        _host.Time.Advance(TimeSpan.FromSeconds(10));
        (await token.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task a_jwks_uri_over_http_is_refused_at_registration()
    {
        var response = await _client.PostRegistrationAsync($$"""
            {"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt",
             "jwks_uri":"http://127.0.0.1:{{_keySets.BaseUri.Port}}/jwks"}
            """, await _client.InitialAccessTokenAsync());

        // The https rule of every jwks_uri, not the key rule of private_key_jwt, which a jwks_uri satisfies.
        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2300");
        response.Json.GetProperty("error_description").GetString().Should().Contain("jwks_uri");
    }

    [Fact]
    public async Task jwks_together_with_jwks_uri_is_refused_at_registration()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var response = await _client.PostRegistrationAsync($$"""
            {"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt",
             "jwks_uri":"{{_keySets.Url(NewPath())}}","jwks":{{SoftwareStatementTests.PublicJwks(key)}}}
            """, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2301");
        response.Json.GetProperty("error_description").GetString().Should().Contain("jwks_uri");
    }

    [Fact]
    public async Task a_key_set_with_a_private_key_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var parameters = key.ECDsa.ExportParameters(includePrivateParameters: true);
        var path = NewPath();
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(key)[..^3] + $",\"d\":\"{Base64UrlEncoder.Encode(parameters.D)}\"}}]}}");
        var clientId = await RegisterAsync(_keySets.Url(path));

        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task with_special_use_addresses_refused_a_loopback_jwks_uri_fails_on_the_connected_address()
    {
        using var strict = new SampleHost(configureServices: _keySets.TrustIn);
        using var client = strict.CreateDcrClient();
        var key = SoftwareStatementTests.NewKey("k1");
        var path = NewPath();
        _keySets.Serve(path, SoftwareStatementTests.PublicJwks(key));

        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            var jwksUri = new UriBuilder(_keySets.Url(path)) { Host = host }.Uri;
            var clientId = await RegisterAsync(client, jwksUri);
            (await client.TokenAsync(clientId, Create(key, clientId, strict.Time.GetUtcNow()))).ShouldBeInvalidClient(null);
        }

        _keySets.RequestsOf(path).Should().Be(0, "the connection is refused before any request is sent");
    }
}
