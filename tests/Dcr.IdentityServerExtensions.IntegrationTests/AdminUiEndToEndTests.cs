using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #17, point 6, end to end: a client registered over HTTP with an initial access token, found on the admin page
/// by that token's id in a real headless Chromium, deleted there, gone from the listing, and its tokens refused. The
/// pages run on the product's own <c>IClientAdministration</c> and the sample's real database: no test double.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class AdminUiEndToEndTests(Chromium chromium)
{
    [Fact(Timeout = 180_000)]
    public async Task an_operator_finds_the_client_registered_with_an_initial_access_token_by_its_id_deletes_it_and_its_tokens_are_refused()
    {
        await using var host = AdminUiHost.Start();
        using var dcr = new DcrTestClient(new HttpClient { BaseAddress = host.BaseAddress });

        // Two registrations over HTTP, each with an initial access token of its own.
        var initialAccessToken = await dcr.InitialAccessTokenAsync();
        var initialAccessTokenId = new JsonWebToken(initialAccessToken).Id;
        initialAccessTokenId.Should().NotBeNullOrEmpty("the sample's access tokens are JWTs with a jti");
        var registration = await dcr.PostRegistrationAsync(
            """{"client_name":"Leaked token's client","grant_types":["client_credentials"],"scope":"api"}""", initialAccessToken);
        registration.Status.Should().Be(HttpStatusCode.Created, registration.Body);
        var client = RegisteredClient.From(registration.Json);
        var bystander = await dcr.RegisterAsync("""{"client_name":"Bystander","grant_types":["client_credentials"],"scope":"api"}""");

        var accessToken = await dcr.ClientCredentialsAsync(client.ClientId, client.ClientSecret, "api");
        accessToken.ShouldSucceed();
        (await dcr.CallApiAsync(accessToken.AccessToken!)).Should().Be(HttpStatusCode.OK);

        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);
        await browser.RunAsync(Name(), async page =>
        {
            await AdminUiBrowserTests.SignInAsync(page);
            await page.GetByLabel("Initial access token ID").FillAsync(initialAccessTokenId);
            await page.GetByLabel("Initial access token ID").PressAsync("Enter");

            (await AdminUiBrowserTests.RowHeadersAsync(page)).Should().Equal(client.ClientId);
            var row = page.GetByRole(AriaRole.Row, new() { Name = client.ClientId });
            await Assertions.Expect(row).ToContainTextAsync("Leaked token's client");
            await Assertions.Expect(row).ToContainTextAsync(initialAccessTokenId);

            await row.GetByRole(AriaRole.Link, new() { Name = client.ClientId }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Client Leaked token's client");
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete client Leaked token's client" }).ClickAsync();

            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("1 client deleted.");
            await page.GetByLabel("Initial access token ID").FillAsync(initialAccessTokenId);
            await page.GetByLabel("Initial access token ID").PressAsync("Enter");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]initial_access_token_id="));
            await Assertions.Expect(page.GetByText("No client matches these filters.")).ToBeVisibleAsync();

            // The other registration is untouched.
            await page.GetByLabel("Initial access token ID").FillAsync(string.Empty);
            await page.GetByLabel("Name or client ID contains").FillAsync(bystander.ClientId);
            await page.GetByLabel("Name or client ID contains").PressAsync("Enter");
            (await AdminUiBrowserTests.RowHeadersAsync(page)).Should().Equal(bystander.ClientId);
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();

        // Its access token, its secret and its registration access token are all refused now.
        (await dcr.CallApiAsync(accessToken.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
        var again = await dcr.ClientCredentialsAsync(client.ClientId, client.ClientSecret, "api");
        again.ProtocolError().Should().Be("invalid_client");
        var read = await dcr.ManageAsync(HttpMethod.Get, client.RegistrationClientUri!, client.RegistrationAccessToken);
        read.Status.Should().Be(HttpStatusCode.Unauthorized);
        (await dcr.ClientCredentialsAsync(bystander.ClientId, bystander.ClientSecret, "api")).ShouldSucceed();
    }

    private static string Name([CallerMemberName] string name = "") => name;
}
