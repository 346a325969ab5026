using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>RFC 7591 §2.3 software statements from a trusted issuer whose keys are configured inline.</summary>
public sealed class SoftwareStatementTests : IClassFixture<SoftwareStatementTests.Host>
{
    public const string Issuer = "https://software-publisher.example.com";

    public sealed class Host : IDisposable
    {
        public Host()
        {
            Server = new SampleHost(new Dictionary<string, string?>
            {
                ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Issuer"] = Issuer,
                ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Jwks"] = PublicJwks(PublisherKey),
            });
        }

        public ECDsaSecurityKey PublisherKey { get; } = NewKey("publisher");

        public SampleHost Server { get; }

        public void Dispose() => Server.Dispose();
    }

    private readonly Host _host;
    private readonly DcrTestClient _client;

    // Statements are signed on the host's clock, which the fixture's tests share and may move.
    private DateTimeOffset Now => _host.Server.Time.GetUtcNow();

    public SoftwareStatementTests(Host host)
    {
        _host = host;
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task the_statement_claims_take_precedence_over_plain_members_and_the_statement_is_echoed()
    {
        var statement = Sign(_host.PublisherKey, Issuer, new Dictionary<string, object>
        {
            ["software_id"] = "signed-software",
            ["client_name"] = "Name from the statement",
            ["grant_types"] = new[] { "client_credentials" },
        }, Now);

        var response = await _client.PostRegistrationAsync(
            $$"""{"software_statement":"{{statement}}","client_name":"Plain name","software_id":"plain","scope":"api"}""",
            await _client.InitialAccessTokenAsync());

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        response.Json.GetProperty("client_name").GetString().Should().Be("Name from the statement");
        response.Json.GetProperty("software_id").GetString().Should().Be("signed-software");
        response.Json.GetProperty("scope").GetString().Should().Be("api");
        response.Json.GetProperty("software_statement").GetString().Should().Be(statement);
        response.Json.TryGetProperty("iss", out _).Should().BeFalse();
    }

    [Fact]
    public async Task a_statement_signed_by_another_key_is_rejected_with_invalid_software_statement()
    {
        var statement = Sign(NewKey("impostor"), Issuer, new Dictionary<string, object> { ["software_id"] = "x" }, Now);

        var response = await _client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","grant_types":["client_credentials"]}""",
            await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2407");
    }

    [Fact]
    public async Task an_expired_statement_is_rejected_with_invalid_software_statement()
    {
        var statement = Sign(_host.PublisherKey, Issuer, new Dictionary<string, object> { ["software_id"] = "x" }, Now,
            expires: Now.AddMinutes(-10));

        var response = await _client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","grant_types":["client_credentials"]}""",
            await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2407");
    }

    [Fact]
    public async Task a_statement_from_an_untrusted_issuer_is_rejected_with_unapproved_software_statement()
    {
        var statement = Sign(_host.PublisherKey, "https://unknown.example.net", new Dictionary<string, object> { ["software_id"] = "x" }, Now);

        var response = await _client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","grant_types":["client_credentials"]}""",
            await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "unapproved_software_statement", "DCR2405");
    }

    [Theory]
    [InlineData("not-a-jwt", "DCR2402")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.WyJub3QiLCJjbGFpbXMiXQ.c2ln", "DCR2402")] // claims that are a JSON array
    [InlineData("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL3NvZnR3YXJlLXB1Ymxpc2hlci5leGFtcGxlLmNvbSJ9.", "DCR2404")] // unsigned, no exp
    [InlineData("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL3NvZnR3YXJlLXB1Ymxpc2hlci5leGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMH0.", "DCR2407")] // unsigned
    public async Task a_malformed_or_unsigned_statement_is_rejected_with_invalid_software_statement(string statement, string id)
    {
        var response = await _client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}","grant_types":["client_credentials"]}""",
            await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", id);
    }

    [Fact]
    public async Task when_statements_are_required_a_registration_without_one_is_rejected()
    {
        var key = NewKey("required");
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:SoftwareStatements:Required"] = "true",
            ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Issuer"] = Issuer,
            ["DynamicClientRegistration:SoftwareStatements:TrustedIssuers:0:Jwks"] = PublicJwks(key),
        });
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2400");

        var statement = Sign(key, Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } }, host.Time.GetUtcNow());
        (await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}"}""", token)).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task an_issuers_keys_are_fetched_from_its_jwks_uri_once_and_cached()
    {
        var key = NewKey("remote");
        var keySet = new KeySetEndpoint(PublicJwks(key));
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

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var statement = Sign(key, Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } }, host.Time.GetUtcNow());
            (await client.PostRegistrationAsync($$"""{"software_statement":"{{statement}}"}""", token)).Status.Should().Be(HttpStatusCode.Created);
        }

        keySet.Requests.Should().Equal("https://software-publisher.example.com/jwks.json");
        var forged = Sign(NewKey("remote"), Issuer, new Dictionary<string, object> { ["grant_types"] = new[] { "client_credentials" } }, host.Time.GetUtcNow());
        (await client.PostRegistrationAsync($$"""{"software_statement":"{{forged}}"}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_software_statement", "DCR2407");
    }

    /// <summary>
    /// Stands in for the issuer's https JWKS endpoint, which this machine cannot reach, as the outbound client's primary
    /// handler (so without the address check, which JwksUriTests cover over a real connection).
    /// </summary>
    private sealed class KeySetEndpoint(string jwks) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!.ToString());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(jwks, System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }

    internal static ECDsaSecurityKey NewKey(string keyId) => new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = keyId };

    internal static string PublicJwks(ECDsaSecurityKey key)
    {
        var parameters = key.ECDsa.ExportParameters(includePrivateParameters: false);
        return JsonSerializer.Serialize(new
        {
            keys = new[]
            {
                new
                {
                    kty = "EC",
                    crv = "P-256",
                    kid = key.KeyId,
                    use = "sig",
                    alg = "ES256",
                    x = Base64UrlEncoder.Encode(parameters.Q.X),
                    y = Base64UrlEncoder.Encode(parameters.Q.Y),
                },
            },
        });
    }

    /// <summary>Signs a JWT whose times are relative to <paramref name="now"/>: the host's clock, never the machine's.</summary>
    internal static string Sign(ECDsaSecurityKey key, string issuer, Dictionary<string, object> claims, DateTimeOffset now,
        DateTimeOffset? expires = null, string? audience = null, string? type = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = (expires ?? now.AddMinutes(5)).AddMinutes(-15).UtcDateTime,
            NotBefore = (expires ?? now.AddMinutes(5)).AddMinutes(-15).UtcDateTime,
            Expires = (expires ?? now.AddMinutes(5)).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            TokenType = type,
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
