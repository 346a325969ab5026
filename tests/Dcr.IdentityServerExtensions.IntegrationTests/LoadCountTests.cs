using System.Data.Common;
using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// A management request reads its client once: authentication loads it, and rotation writes that same entity back
/// (its concurrency token still guarding against a concurrent change) without loading or parsing it again.
/// </summary>
public sealed class LoadCountTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task a_management_request_with_rotation_selects_its_client_from_the_database_once(string method)
    {
        var selects = new ApplicationSelects();
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IInterceptor>(selects));
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var body = method == "PUT" ? $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api"}""" : null;

        selects.Reset();
        var response = await client.ManageAsync(new HttpMethod(method), registered.RegistrationClientUri!, registered.RegistrationAccessToken, body);

        response.Status.Should().Be(method == "DELETE" ? HttpStatusCode.NoContent : HttpStatusCode.OK, response.Body);
        selects.Count.Should().Be(1, "the client is loaded once per request; the commands were:\n{0}", string.Join("\n", selects.Commands));
    }
}
