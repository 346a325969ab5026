using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #17, point 6: the admin pages in a real headless Chromium, on the sample host over a real socket, signed in
/// through the sample's administrator form. The pages read and delete through <see cref="FakeClientAdministration"/>, a
/// test double of <see cref="IClientAdministration"/>, so that any listing can be set up exactly; the end-to-end test
/// over the product's own service is <see cref="AdminUiEndToEndTests"/>. Every element is found by its role and
/// accessible name or its label, as a screen reader finds it: a page without them fails these tests.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminUiBrowserTests(Chromium chromium)
{
    private const int TestTimeout = 180_000;

    private static readonly DateTimeOffset Day = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact(Timeout = TestTimeout)]
    public async Task an_anonymous_visitor_is_sent_to_the_sign_in_form_a_wrong_password_is_refused_and_the_right_one_returns_to_the_page_asked_for()
    {
        var administration = new FakeClientAdministration();
        administration.Add("client-a", "Alpha", Day, createdBy: "partner");
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            var asked = AdminUiHost.UiPath + "/clients?created_by=partner";
            var response = await page.GotoAsync(asked);

            // The cookie scheme sent the browser to the sign-in form, remembering where it was going.
            response!.Status.Should().Be(200);
            new Uri(page.Url).AbsolutePath.Should().Be(AdminUiHost.LoginPath);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administrator sign-in", Level = 1 })).ToBeVisibleAsync();

            await page.GetByLabel("User name").FillAsync(AdminUiHost.AdminUser);
            await page.GetByLabel("Password").FillAsync(AdminUiHost.AdminPassword + "x");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The user name or the password is wrong.");
            new Uri(page.Url).AbsolutePath.Should().Be(AdminUiHost.LoginPath);

            // A wrong user name with the right password is refused too.
            await page.GetByLabel("User name").FillAsync("admin");
            await page.GetByLabel("Password").FillAsync(AdminUiHost.AdminPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The user name or the password is wrong.");

            await page.GetByLabel("User name").FillAsync(AdminUiHost.AdminUser);
            await page.GetByLabel("Password").FillAsync(AdminUiHost.AdminPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Registered clients", Level = 1 })).ToBeVisibleAsync();
            page.Url.Should().Be(new Uri(host.BaseAddress, asked).AbsoluteUri);
            await Expect(page.GetByLabel("Created by (caller)")).ToHaveValueAsync("partner");
            await Expect(page.GetByText("Signed in as " + AdminUiHost.AdminUser)).ToBeVisibleAsync();
            await ExpectAccessibleStructureAsync(page);
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static string Name([CallerMemberName] string name = "") => name;

    /// <summary>
    /// What every page must have for keyboard and screen-reader users: a language, one level-1 heading, a skip link to
    /// the main landmark, a label for every field, and tables with a caption and scoped headers.
    /// </summary>
    internal static async Task ExpectAccessibleStructureAsync(IPage page)
    {
        (await page.Locator("html").GetAttributeAsync("lang")).Should().Be("en");
        (await page.Locator("h1").CountAsync()).Should().Be(1, "a page has one level-1 heading");
        await Assertions.Expect(page.GetByRole(AriaRole.Main)).ToHaveCountAsync(1);
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(field => field.labels.length === 0).map(field => field.name)
            """);
        unlabelled.Should().BeEmpty("every field has a <label for>");
        var tables = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('table')].flatMap(table => [
                ...(table.caption && table.caption.textContent.trim() ? [] : ['a table without caption']),
                ...[...table.querySelectorAll('th')].filter(th => !['col', 'row'].includes(th.getAttribute('scope')))
                    .map(th => 'a header without scope: ' + th.textContent)])
            """);
        tables.Should().BeEmpty();
        if (await page.Locator("a.skip").CountAsync() > 0)
        {
            (await page.Locator("a.skip").GetAttributeAsync("href")).Should().Be("#main");
        }
    }
}
