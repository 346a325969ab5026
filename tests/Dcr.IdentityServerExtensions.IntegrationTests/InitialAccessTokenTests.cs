using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>The initial access token: required by default, checked by the host's validation, scope-bound (RFC 6750 answers).</summary>
public sealed class InitialAccessTokenTests : IClassFixture<InitialAccessTokenTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private const string Body = """{"grant_types":["client_credentials"],"scope":"api"}""";
    private readonly DcrTestClient _client;

    public InitialAccessTokenTests(Host host)
    {
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task registration_without_a_token_is_rejected_with_401_invalid_token()
    {
        var response = await _client.PostRegistrationAsync(Body, bearer: null);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"")
            .And.EndWith("bearer token. (DCR2601)\"", "the challenge carries the same description, with its id");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task registration_with_an_invalid_token_is_rejected_with_401_invalid_token(string token)
    {
        var response = await _client.PostRegistrationAsync(Body, token);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"");
    }

    [Fact]
    public async Task a_tampered_token_is_rejected_with_401()
    {
        var token = await _client.InitialAccessTokenAsync();
        var tampered = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];

        var response = await _client.PostRegistrationAsync(Body, tampered);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
    }

    [Fact]
    public async Task a_valid_token_without_the_required_scope_is_rejected_with_403_insufficient_scope()
    {
        var token = await _client.InitialAccessTokenAsync(scope: null);

        var response = await _client.PostRegistrationAsync(Body, token);

        response.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope", "DCR2602");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("error=\"insufficient_scope\"").And.Contain("scope=\"dcr\"");
    }

    [Fact]
    public async Task an_access_token_of_a_registered_client_is_not_an_initial_access_token()
    {
        var registered = await _client.RegisterAsync(Body);
        var token = await _client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        token.ShouldSucceed();

        var response = await _client.PostRegistrationAsync(Body, token.AccessToken);

        response.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope", "DCR2602");
    }
}

/// <summary>
/// With the requirement off, anyone may register, but by default only public clients of the code flow
/// (DynamicClientRegistration:Anonymous), on registration and on every update.
/// </summary>
public sealed class AnonymousRegistrationTests
{
    private static SampleHost Anonymous(IDictionary<string, string?>? more = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?> { ["DynamicClientRegistration:RequireInitialAccessToken"] = "false" };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new SampleHost(settings, services);
    }

    [Theory]
    [InlineData("""{"grant_types":["client_credentials"],"scope":"api"}""", "grant_type 'client_credentials'", "DCR2500")]
    [InlineData("""{"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"client_secret_post"}""", "grant_type 'client_credentials'", "DCR2500")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"grant_types":["authorization_code","client_credentials"]}""", "grant_type 'client_credentials'", "DCR2500")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}}""", "token_endpoint_auth_method 'private_key_jwt'", "DCR2501")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"none","scope":"api"}""", "scope 'api'", "DCR2502")]
    // The initial access token's scope is not registrable at all here: the validator refuses it before the anonymous limits.
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"none","scope":"dcr"}""", "scope 'dcr'", "DCR2224")]
    public async Task an_anonymous_caller_cannot_register_a_confidential_or_privileged_client_even_with_a_constraining_policy(string body, string named, string id)
    {
        using var host = Anonymous(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:0"] = "app.example.com",
            ["DynamicClientRegistration:Anonymous:AllowedScopes:0"] = "openid",
        });
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync(body, bearer: null);

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", id);
        response.Json.GetProperty("error_description").GetString().Should().Contain(named);
    }

    [Theory]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"scope":"api"}""")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"],"scope":"api","token_endpoint_auth_method":"client_secret_basic"}""")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1/cb"],"scope":"api","token_endpoint_auth_method":"client_secret_post","grant_types":["authorization_code","refresh_token"]}""")]
    public async Task an_anonymous_code_client_that_asks_for_a_secret_is_registered_public_and_told_so(string body)
    {
        using var host = Anonymous();
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync(body, bearer: null);

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        response.Json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        response.Json.TryGetProperty("client_secret", out _).Should().BeFalse();
        var registered = RegisteredClient.From(response.Json);
        var redirectUri = response.Json.GetProperty("redirect_uris")[0].GetString()!;
        (await client.AuthorizationCodeAsync(registered.ClientId, null, redirectUri, "openid api")).ShouldSucceed();
    }

    [Fact]
    public async Task anonymous_registration_starts_without_any_policy_and_gives_a_working_public_client()
    {
        using var host = Anonymous();
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync(
            """{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"none","scope":"api"}""", bearer: null);

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        var registered = RegisteredClient.From(response.Json);
        (await client.AuthorizationCodeAsync(registered.ClientId, null, "https://app.example.com/cb", "openid api")).ShouldSucceed();
    }

    [Fact]
    public async Task a_caller_that_presents_an_initial_access_token_is_not_held_to_the_anonymous_limits_and_a_bad_token_is_refused()
    {
        using var host = Anonymous();
        using var client = host.CreateDcrClient();
        const string Confidential = """{"grant_types":["client_credentials"],"scope":"api"}""";

        var response = await client.PostRegistrationAsync(Confidential, await client.InitialAccessTokenAsync());
        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        var registered = RegisteredClient.From(response.Json);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        (await client.PostRegistrationAsync(Confidential, "not-a-token")).ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
    }

    [Fact]
    public async Task a_client_registered_anonymously_stays_within_the_anonymous_limits_on_update()
    {
        using var host = Anonymous();
        using var client = host.CreateDcrClient();
        var response = await client.PostRegistrationAsync(
            """{"redirect_uris":["http://localhost/cb"],"token_endpoint_auth_method":"none"}""", bearer: null);
        var registered = RegisteredClient.From(response.Json);

        var confidential = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"client_secret_basic"}""");
        confidential.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2500");

        var stillPublic = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}""");
        stillPublic.Status.Should().Be(HttpStatusCode.OK, stillPublic.Body);
    }

    [Fact]
    public async Task a_host_that_widens_the_anonymous_limits_gets_them_and_a_start_up_warning()
    {
        var logs = new FakeLogCollector();
        using var host = Anonymous(
            new Dictionary<string, string?>
            {
                ["DynamicClientRegistration:Anonymous:AllowedGrantTypes:0"] = "client_credentials",
                ["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:0"] = "client_secret_basic",
            },
            services => services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs))));
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"scope":"api"}""", bearer: null);

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        logs.GetSnapshot().Should().Contain(entry => entry.Id.Id == 1300 && entry.Level == LogLevel.Warning
            && entry.Message.Contains("client_credentials", StringComparison.Ordinal));
    }
}
