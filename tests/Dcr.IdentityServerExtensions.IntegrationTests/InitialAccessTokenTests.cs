using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

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

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token");
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task registration_with_an_invalid_token_is_rejected_with_401_invalid_token(string token)
    {
        var response = await _client.PostRegistrationAsync(Body, token);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token");
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"");
    }

    [Fact]
    public async Task a_tampered_token_is_rejected_with_401()
    {
        var token = await _client.InitialAccessTokenAsync();
        var tampered = token[..^4] + (token[^4] == 'A' ? "B" : "A") + token[^3..];

        var response = await _client.PostRegistrationAsync(Body, tampered);

        response.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task a_valid_token_without_the_required_scope_is_rejected_with_403_insufficient_scope()
    {
        var token = await _client.InitialAccessTokenAsync(scope: null);

        var response = await _client.PostRegistrationAsync(Body, token);

        response.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope");
        response.Headers.WwwAuthenticate.ToString().Should().Contain("error=\"insufficient_scope\"").And.Contain("scope=\"dcr\"");
    }

    [Fact]
    public async Task an_access_token_of_a_registered_client_is_not_an_initial_access_token()
    {
        var registered = await _client.RegisterAsync(Body);
        var token = await _client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        token.ShouldSucceed();

        var response = await _client.PostRegistrationAsync(Body, token.AccessToken);

        response.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope");
    }
}

/// <summary>With the requirement off, anyone may register, within the policies the server must then configure.</summary>
public sealed class AnonymousRegistrationTests
{
    [Fact]
    public async Task registration_needs_no_token_when_the_requirement_is_off_and_a_policy_constrains_it()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:RequireInitialAccessToken"] = "false",
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:0"] = "app.example.com",
        });
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"scope":"api"}""", bearer: null);

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        var registered = RegisteredClient.From(response.Json);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        (await client.PostRegistrationAsync("""{"redirect_uris":["https://evil.example.net/cb"]}""", bearer: null))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri");
    }

    [Fact]
    public void anonymous_registration_without_any_policy_fails_at_start_up_and_says_why()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:RequireInitialAccessToken"] = "false",
        });

        var start = () => host.CreateClient();

        start.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>()
            .Which.Message.Should().Contain("RequireInitialAccessToken is false").And.Contain("Policies:TrustedRedirectHosts");
    }
}
