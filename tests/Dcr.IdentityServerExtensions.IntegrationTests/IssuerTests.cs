using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>registration_client_uri, Location and discovery come from one source: the issuer, not the Host header.</summary>
public sealed class IssuerTests
{
    private const string Body = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Fact]
    public async Task with_a_pinned_issuer_every_uri_is_built_under_it_whatever_host_the_request_names()
    {
        // Host filtering off, so that only the pinned issuer stands between a forged Host header and the answer.
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["Sample:Issuer"] = "https://as.example.com/",
            ["AllowedHosts"] = "*",
        });
        using var client = host.CreateDcrClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, DcrTestClient.RegistrationPath)
        {
            Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await client.InitialAccessTokenAsync());
        request.Headers.Host = "evil.example.net";
        var response = await WireResponse.ReadAsync(await client.Http.SendAsync(request));

        response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        var registered = RegisteredClient.From(response.Json);
        registered.RegistrationClientUri.Should().Be("https://as.example.com/connect/register/" + registered.ClientId);
        response.Headers.Location!.AbsoluteUri.Should().Be(registered.RegistrationClientUri);

        var discovery = JsonDocument.Parse(await client.Http.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        discovery.GetProperty("issuer").GetString().Should().Be("https://as.example.com/");
        discovery.GetProperty("registration_endpoint").GetString().Should().Be("https://as.example.com/connect/register");
        var metadata = JsonDocument.Parse(await client.Http.GetStringAsync("/.well-known/oauth-protected-resource/api")).RootElement;
        metadata.GetProperty("authorization_servers")[0].GetString().Should().Be("https://as.example.com/");

        // The management URI works as given: the token endpoint and management see the same client.
        var read = await client.ManageAsync(HttpMethod.Get, "/connect/register/" + registered.ClientId, registered.RegistrationAccessToken);
        read.Status.Should().Be(HttpStatusCode.OK, read.Body);
        RegisteredClient.From(read.Json).RegistrationClientUri.Should().Be(registered.RegistrationClientUri);
    }

    [Fact]
    public async Task the_sample_refuses_a_host_header_outside_its_allowed_hosts()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Host = "evil.example.net";

        using var response = await client.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
