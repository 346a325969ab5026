using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>Options given as the sample's command line gives them (<c>--DynamicClientRegistration:…</c>).</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task the_registration_path_is_configurable_and_advertised_in_discovery()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:RegistrationPath"] = "/as/clients.oauth2",
        });
        using var client = host.CreateDcrClient();

        var discovery = await client.Http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = client.Http.BaseAddress!.ToString(),
            Policy = { RequireHttps = false },
        });
        discovery.RegistrationEndpoint.Should().Be("http://localhost/as/clients.oauth2");

        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"]}""", "/as/clients.oauth2");
        registered.RegistrationClientUri.Should().Be($"http://localhost/as/clients.oauth2/{registered.ClientId}");

        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Status.Should().Be(HttpStatusCode.OK, read.Body);

        var old = await client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", await client.InitialAccessTokenAsync());
        old.Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task with_management_off_no_registration_access_token_is_issued_and_management_answers_404()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Management:Enabled"] = "false",
        });
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        registered.Json.TryGetProperty("registration_access_token", out _).Should().BeFalse();
        registered.Json.TryGetProperty("registration_client_uri", out _).Should().BeFalse();
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete })
        {
            var response = await client.ManageAsync(method, $"/connect/register/{registered.ClientId}", "anything",
                method == HttpMethod.Put ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"]}""" : null);
            response.ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR2600");
        }
    }

    [Fact]
    public async Task with_registration_disabled_the_endpoint_answers_404_and_discovery_does_not_advertise_it()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Enabled"] = "false",
        });
        using var client = host.CreateDcrClient();

        var response = await client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", await client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR2600");
        var discovery = await client.Http.GetStringAsync("/.well-known/openid-configuration");
        discovery.Should().NotContain("registration_endpoint");
    }

    [Fact]
    public async Task a_configured_initial_access_token_scope_is_required_instead_of_dcr()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:InitialAccessTokenScope"] = "api",
        });
        using var client = host.CreateDcrClient();

        var withDcr = await client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", await client.InitialAccessTokenAsync("dcr"));

        withDcr.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope", "DCR2602");
        withDcr.Headers.WwwAuthenticate.ToString().Should().Contain("scope=\"api\"");
    }

    [Fact]
    public async Task allowed_scopes_given_in_configuration_replace_the_host_scopes()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:AllowedScopes:0"] = "api",
        });
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"scope":"api"}""", token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"scope":"profile"}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2224");
    }

    [Fact]
    public async Task the_size_limits_are_options()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Limits:MaxRedirectUris"] = "2",
            ["DynamicClientRegistration:Limits:MaxContacts"] = "1",
            ["DynamicClientRegistration:Limits:MaxStringLength"] = "300",
            ["DynamicClientRegistration:MaxRequestBodySize"] = "2048",
        });
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();

        (await client.PostRegistrationAsync("""{"redirect_uris":["https://a.example/1","https://a.example/2"]}""", token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.PostRegistrationAsync("""{"redirect_uris":["https://a.example/1","https://a.example/2","https://a.example/3"]}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2211");
        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"contacts":["a@example.com","b@example.com"]}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2211");
        (await client.PostRegistrationAsync($$"""{"grant_types":["client_credentials"],"client_name":"{{new string('n', 301)}}"}""", token))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2212");
        (await client.PostRegistrationAsync($$"""{"grant_types":["client_credentials"],"software_id":"{{new string('s', 2100)}}"}""", token))
            .ShouldBeError(HttpStatusCode.RequestEntityTooLarge, "invalid_request", "DCR2001");
    }

    [Fact]
    public void invalid_options_fail_at_start_up_with_a_message_that_says_how_to_fix_them()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:RegistrationPath"] = "connect/register/",
            ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
        });

        var start = () => host.CreateClient();

        start.Should().Throw<OptionsValidationException>()
            .Which.Message.Should().Contain("DynamicClientRegistration:RegistrationPath")
            .And.Contain("starts with '/'")
            .And.Contain("DynamicClientRegistration:Management:ClientSecretRetentionPeriod");
    }

    [Fact]
    public async Task the_seeded_administrative_client_is_configurable()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["Sample:AdminClientId"] = "registrar",
            ["Sample:AdminClientSecret"] = "another-secret",
        });
        using var client = host.CreateDcrClient();

        var token = await client.InitialAccessTokenAsync(clientId: "registrar", secret: "another-secret");

        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"]}""", token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.ClientCredentialsAsync("dcr-admin", "dcr-admin-secret", "dcr")).ShouldBeProtocolError("invalid_client", null);
    }
}
