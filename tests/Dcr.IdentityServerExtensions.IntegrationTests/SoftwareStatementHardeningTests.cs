using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Dcr.IdentityServerExtensions.IntegrationTests.SoftwareStatementTests;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>What a software statement must carry, what it must not be, and how often an issuer's keys are fetched.</summary>
public sealed class SoftwareStatementHardeningTests
{
    [Fact]
    public async Task a_statement_without_exp_is_rejected_with_invalid_software_statement()
    {
        var key = NewKey("publisher");
        using var host = InlineKeyHost(key);
        using var client = host.CreateDcrClient();
        var statement = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Claims = new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });

        var response = await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}"}""", await client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2404");
        response.Json.GetProperty("error_description").GetString().Should().Contain("exp");
    }

    [Theory]
    [InlineData("at+jwt", false)]
    [InlineData("client-authentication+jwt", false)]
    [InlineData("JWT", true)]
    [InlineData("jwt", true)]
    public async Task a_statement_typed_as_another_kind_of_token_is_rejected(string type, bool accepted)
    {
        var key = NewKey("publisher");
        using var host = InlineKeyHost(key);
        using var client = host.CreateDcrClient();
        var statement = Sign(key, Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } },
            host.Time.GetUtcNow(), type: type);

        var response = await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}"}""", await client.InitialAccessTokenAsync());

        if (accepted)
        {
            response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        }
        else
        {
            response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2403");
            response.Json.GetProperty("error_description").GetString().Should().Contain("typ");
        }
    }

    [Fact]
    public async Task with_statements_required_a_plain_member_the_statement_does_not_carry_is_refused()
    {
        var key = NewKey("publisher");
        using var host = InlineKeyHost(key, required: true);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var statement = Sign(key, Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } },
            host.Time.GetUtcNow());

        var unattested = await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","scope":"api","client_name":"x"}""", token);
        unattested.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2401");
        unattested.Json.GetProperty("error_description").GetString().Should().Contain("scope").And.Contain("client_name");

        // The same member inside the statement (or repeated outside it) is attested.
        (await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","grant_types":["client_credentials"]}""", token))
            .Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task a_failed_fetch_of_an_issuers_keys_is_not_repeated_for_thirty_seconds()
    {
        var key = NewKey("remote");
        var keySet = new FailingKeySetEndpoint();
        using var host = new SampleHost(
            new Dictionary<string, string?>
            {
                ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Issuer"] = Issuer,
                ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:JwksUri"] = "https://software-publisher.example.com/jwks.json",
            },
            services => services.AddHttpClient(Dcr.IdentityServerExtensions.Options.NetworkOptions.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => keySet));
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var statement = Sign(key, Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } },
            host.Time.GetUtcNow());
        var body = $$"""{"software_statement":"{{statement}}"}""";

        (await client.PostRegistrationAsync(body, token)).ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2406");
        (await client.PostRegistrationAsync(body, token)).ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2406");
        keySet.Requests.Should().Be(1, "the failure is remembered for thirty seconds");

        host.Time.Advance(TimeSpan.FromSeconds(29));
        (await client.PostRegistrationAsync(body, token)).ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2406");
        keySet.Requests.Should().Be(1);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        (await client.PostRegistrationAsync(body, token)).ShouldBeError(HttpStatusCode.ServiceUnavailable, "temporarily_unavailable", "DCR2406");
        keySet.Requests.Should().Be(2);
    }

    private static SampleHost InlineKeyHost(ECDsaSecurityKey key, bool required = false) => new(new Dictionary<string, string?>
    {
        ["DynamicClientRegistration:SoftwareStatements:Required"] = required ? "true" : "false",
        ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Issuer"] = Issuer,
        ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Jwks"] = PublicJwks(key),
    });

    private sealed class FailingKeySetEndpoint : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));
        }
    }
}
