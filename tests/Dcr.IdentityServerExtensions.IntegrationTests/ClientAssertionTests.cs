using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using static Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure.ClientAssertions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// private_key_jwt as client libraries send it (RFC 7523: typ JWT or none, audience the issuer or the token endpoint)
/// beside the rfc7523bis form; one use per assertion, on every instance; a capped lifetime.
/// </summary>
public sealed class ClientAssertionTests : IClassFixture<ClientAssertionTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public ClientAssertionTests(Host host)
    {
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    private DateTimeOffset Now => _host.Time.GetUtcNow();

    [Theory]
    [InlineData("JWT", TokenEndpoint)]
    [InlineData("JWT", Issuer)]
    [InlineData(null, TokenEndpoint)]
    [InlineData(null, Issuer)]
    [InlineData(Rfc7523bisType, Issuer)]
    public async Task a_private_key_jwt_client_gets_a_token_with_an_assertion_in_either_form(string? type, string audience)
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);

        var response = await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type));

        response.ShouldSucceed();
        response.Json!.Value.GetProperty("token_type").GetString().Should().Be("Bearer");
        response.Json!.Value.GetProperty("access_token").GetString().Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("JWT", "http://localhost/connect/authorize")]
    [InlineData("JWT", "https://other-server.example/connect/token")]
    [InlineData(null, "https://other-server.example/")]
    [InlineData(Rfc7523bisType, TokenEndpoint)] // rfc7523bis: the issuer and nothing else
    public async Task an_assertion_for_another_audience_is_refused_with_invalid_client(string? type, string audience)
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);

        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type))).ShouldBeInvalidClient("DCR2904");
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData(Rfc7523bisType)]
    public async Task an_assertion_used_a_second_time_is_refused(string type)
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);
        var assertion = Create(key, clientId, Now, type == Rfc7523bisType ? Issuer : TokenEndpoint, type);

        (await _client.TokenAsync(clientId, assertion)).ShouldSucceed();
        (await _client.TokenAsync(clientId, assertion)).ShouldBeInvalidClient("DCR2905");

        // A new assertion with a jti of its own still works.
        (await _client.TokenAsync(clientId, Create(key, clientId, Now))).ShouldSucceed();
    }

    [Fact]
    public async Task of_concurrent_uses_of_one_assertion_exactly_one_succeeds()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);
        var assertion = Create(key, clientId, Now);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.TokenAsync(clientId, assertion)));

        responses.Count(response => !response.IsError).Should().Be(1, string.Join("\n", responses.Select(response => response.Raw)));
        responses.Where(response => response.IsError).Should().AllSatisfy(response => response.ShouldBeInvalidClient("DCR2905"));
    }

    [Fact]
    public async Task two_clients_may_use_the_same_jti()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var first = await _client.RegisterInlineAsync(key);
        var second = await _client.RegisterInlineAsync(key);

        (await _client.TokenAsync(first, Create(key, first, Now, jwtId: "shared-jti"))).ShouldSucceed();
        (await _client.TokenAsync(second, Create(key, second, Now, jwtId: "shared-jti"))).ShouldSucceed();
    }

    [Fact]
    public async Task an_assertion_expiring_ten_years_ahead_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);

        (await _client.TokenAsync(clientId, Create(key, clientId, Now, lifetime: TimeSpan.FromDays(3653)))).ShouldBeInvalidClient("DCR2901");
        (await _client.TokenAsync(clientId, Create(key, clientId, Now, type: Rfc7523bisType, audience: Issuer, lifetime: TimeSpan.FromDays(3653))))
            .ShouldBeInvalidClient("DCR2901");
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData(null)]
    [InlineData(Rfc7523bisType)]
    public async Task an_assertion_without_exp_or_without_jti_is_refused(string? type)
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);
        var audience = type == Rfc7523bisType ? Issuer : TokenEndpoint;

        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type, withExpiry: false))).ShouldBeInvalidClient("DCR2900");
        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type, jwtId: null))).ShouldBeInvalidClient("DCR2903");
        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type))).ShouldSucceed();
    }

    [Fact]
    public async Task an_expired_assertion_is_refused()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);

        // OpenIddict's own lifetime check refuses it.
        (await _client.TokenAsync(clientId, Create(key, clientId, Now.AddMinutes(-10), lifetime: TimeSpan.FromMinutes(2)))).ShouldBeInvalidClient(null);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData(null)]
    [InlineData(Rfc7523bisType)]
    public async Task an_assertion_not_valid_before_a_time_more_than_the_clock_skew_ahead_is_refused(string? type)
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);
        var audience = type == Rfc7523bisType ? Issuer : TokenEndpoint;

        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type, notBefore: Now.AddMinutes(2))))
            .ShouldBeInvalidClient("DCR2902");
        (await _client.TokenAsync(clientId, Create(key, clientId, Now, audience, type, notBefore: Now.AddSeconds(50)))).ShouldSucceed();
    }

    [Fact]
    public async Task a_used_assertion_is_recorded_until_its_exp_and_pruning_before_then_keeps_it()
    {
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await _client.RegisterInlineAsync(key);
        var assertion = Create(key, clientId, Now, lifetime: TimeSpan.FromMinutes(2));
        (await _client.TokenAsync(clientId, assertion)).ShouldSucceed();

        await using var scope = _host.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var expiries = await UsesAsync(tokens, clientId);
        expiries.Should().Equal(DateTimeOffset.FromUnixTimeSeconds(Now.AddMinutes(2).ToUnixTimeSeconds()));

        // OpenIddict prunes valid entries only once expired, whatever the threshold: the record outlives no assertion.
        await tokens.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        (await UsesAsync(tokens, clientId)).Should().HaveCount(1);
        (await _client.TokenAsync(clientId, assertion)).ShouldBeInvalidClient("DCR2905");
    }

    private static async Task<List<DateTimeOffset?>> UsesAsync(IOpenIddictTokenManager tokens, string clientId)
    {
        var expiries = new List<DateTimeOffset?>();
        await foreach (var token in tokens.FindBySubjectAsync(clientId))
        {
            if (await tokens.GetTypeAsync(token) == "urn:dcr:params:oauth:token-type:client_assertion_use")
            {
                expiries.Add(await tokens.GetExpirationDateAsync(token));
            }
        }

        return expiries;
    }

    [Fact]
    public async Task max_lifetime_is_configurable()
    {
        using var strict = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:ClientAssertions:MaxLifetime"] = "00:01:00",
        });
        using var client = strict.CreateDcrClient();
        var key = SoftwareStatementTests.NewKey("k1");
        var clientId = await client.RegisterInlineAsync(key);
        var now = strict.Time.GetUtcNow();

        (await client.TokenAsync(clientId, Create(key, clientId, now, lifetime: TimeSpan.FromMinutes(4)))).ShouldBeInvalidClient("DCR2901");
        (await client.TokenAsync(clientId, Create(key, clientId, now, lifetime: TimeSpan.FromSeconds(50)))).ShouldSucceed();

        // The default of five minutes takes the four-minute assertion.
        var defaultClientId = await _client.RegisterInlineAsync(key);
        (await _client.TokenAsync(defaultClientId, Create(key, defaultClientId, Now, lifetime: TimeSpan.FromMinutes(4)))).ShouldSucceed();
    }
}
