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
[Collection(BrowserTestGroup.Name)]
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

    [Fact(Timeout = TestTimeout)]
    public async Task the_sign_out_button_on_every_page_ends_the_session_and_the_pages_then_ask_for_the_sign_in_again()
    {
        var administration = new FakeClientAdministration();
        administration.Add("client-a", "Alpha", Day);
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "client-a" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Client Alpha", Level = 1 })).ToBeVisibleAsync();

            // The sample's logout checks the antiforgery token the page put in the form.
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administrator sign-in", Level = 1 })).ToBeVisibleAsync();
            new Uri(page.Url).AbsolutePath.Should().Be(AdminUiHost.LoginPath);
            (await page.Context.CookiesAsync()).Select(cookie => cookie.Name).Should().NotContain("dcr-sample-admin");
            await page.GotoAsync(AdminUiHost.UiPath + "/clients");
            new Uri(page.Url).AbsolutePath.Should().Be(AdminUiHost.LoginPath, "the session ended: the pages ask for the sign-in again");
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task an_operator_tabs_to_the_initial_access_token_filter_types_presses_enter_and_the_table_lists_only_its_clients()
    {
        var administration = new FakeClientAdministration();
        administration.Add("client-1", "One", Day.AddHours(1), initialAccessTokenId: "iat-one", createdBy: "partner");
        administration.Add("client-2", "Two", Day.AddHours(2), initialAccessTokenId: "iat-two", createdBy: "partner");
        administration.Add("client-3", "Three", Day.AddHours(3), initialAccessTokenId: "iat-one", createdBy: "partner");
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            (await RowHeadersAsync(page)).Should().Equal("client-3", "client-2", "client-1");

            // The skip link is the first stop; it moves focus to the main content, whose first field is the text filter.
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByLabel("Name or client ID contains")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByLabel("Source")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByLabel("Created by (caller)")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByLabel("Initial access token ID")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync("iat-one");
            await page.Keyboard.PressAsync("Enter");

            await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]initial_access_token_id=iat-one(&|$)"));
            (await RowHeadersAsync(page)).Should().Equal("client-3", "client-1");
            await Expect(page.GetByLabel("Initial access token ID")).ToHaveValueAsync("iat-one");
            var table = page.GetByRole(AriaRole.Table);
            await Expect(table.Locator("caption")).ToHaveTextAsync("Clients, newest first: 2 clients on this page");
            (await page.GetByRole(AriaRole.Columnheader).AllInnerTextsAsync()).Should().Equal(
                "Client ID", "Name", "Source", "Created (UTC)", "Last used (UTC)", "Created by", "Initial access token ID");
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Created (UTC)" })).ToHaveAttributeAsync("aria-sort", "descending");
            await Expect(page.GetByRole(AriaRole.Row, new() { Name = "client-3" })).ToContainTextAsync("2026-11-01 03:00:00");
            await Expect(page.GetByRole(AriaRole.Row, new() { Name = "client-3" })).ToContainTextAsync("Never");

            // Landmarks and names as a screen reader lists them.
            await Expect(page.Locator("body")).ToMatchAriaSnapshotAsync("""
                - link "Skip to main content"
                - banner:
                  - navigation "Admin":
                    - list:
                      - listitem:
                        - link "Clients"
                - main:
                  - heading "Registered clients" [level=1]
                  - region "Filters":
                    - heading "Filters" [level=2]
                    - search "Filters"
                  - region "Results":
                    - heading "Results" [level=2]
                    - 'table "Clients, newest first: 2 clients on this page"'
                  - region "Delete in bulk":
                    - heading "Delete in bulk" [level=2]
                    - button "Delete all clients matching these filters…"
                """);
            await ExpectAccessibleStructureAsync(page);
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task clients_sort_by_creation_and_by_last_use_and_page_through_with_next_and_first_page_links()
    {
        var administration = new FakeClientAdministration();
        for (var index = 1; index <= 12; index++)
        {
            // Every third client never used; the others used in the reverse order of their creation.
            DateTimeOffset? used = index % 3 == 0 ? null : Day.AddDays(10).AddHours(-index);
            administration.Add($"c{index:00}", $"Client {index}", Day.AddHours(index), used);
        }

        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            await page.GetByLabel("Order").SelectOptionAsync(new SelectOptionValue { Label = "Oldest first" });
            await page.GetByLabel("Clients per page").SelectOptionAsync("10");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Table)).ToHaveAccessibleNameAsync("Clients, oldest first: 10 clients on this page, more on the next");
            (await RowHeadersAsync(page)).Should().Equal("c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10");
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Created (UTC)" })).ToHaveAttributeAsync("aria-sort", "ascending");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "First page" })).ToHaveCountAsync(0);
            var pages = page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" });

            await pages.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Table)).ToHaveAccessibleNameAsync("Clients, oldest first: 2 clients on this page");
            (await RowHeadersAsync(page)).Should().Equal("c11", "c12");
            await Expect(pages.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
            await Expect(page.GetByLabel("Order")).ToHaveValueAsync("created_asc");

            await pages.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
            (await RowHeadersAsync(page)).Should().HaveCount(10).And.StartWith("c01");

            await page.GetByLabel("Order").SelectOptionAsync(new SelectOptionValue { Label = "Least recently used first (never used first)" });
            await page.GetByLabel("Clients per page").SelectOptionAsync("25");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            (await RowHeadersAsync(page)).Should().Equal("c03", "c06", "c09", "c12", "c11", "c10", "c08", "c07", "c05", "c04", "c02", "c01");
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Last used (UTC)" })).ToHaveAttributeAsync("aria-sort", "ascending");
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Created (UTC)" })).Not.ToHaveAttributeAsync("aria-sort", new Regex("."));

            await page.GetByLabel("Order").SelectOptionAsync(new SelectOptionValue { Label = "Most recently used first" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            (await RowHeadersAsync(page)).Should().Equal("c01", "c02", "c04", "c05", "c07", "c08", "c10", "c11", "c03", "c06", "c09", "c12");
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Last used (UTC)" })).ToHaveAttributeAsync("aria-sort", "descending");
            await ExpectAccessibleStructureAsync(page);
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task the_detail_page_shows_the_client_and_its_delete_button_removes_it_from_the_listing()
    {
        var administration = new FakeClientAdministration();
        administration.Add(new ClientSummary("victim", "Victim service", "dcr", "partner", "iat-7", Day.AddHours(5), Day.AddDays(2),
            ["authorization_code", "refresh_token"], ["https://victim.example/callback"], "none", "openid api"));
        administration.Add("bystander", "Bystander", Day);
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            await page.GetByRole(AriaRole.Rowheader, new() { Name = "victim" }).GetByRole(AriaRole.Link).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Client Victim service");
            var details = new Dictionary<string, string>
            {
                ["Client ID"] = "victim",
                ["Name"] = "Victim service",
                ["Source"] = "Registration (dcr)",
                ["Created"] = "2026-11-01 05:00:00",
                ["Last used"] = "2026-11-03 00:00:00",
                ["Created by (caller)"] = "partner",
                ["Initial access token ID"] = "iat-7",
                ["Grant types"] = "authorization_coderefresh_token",
                ["Redirect URIs"] = "https://victim.example/callback",
                ["Token endpoint authentication"] = "none",
                ["Scope"] = "openid api",
            };
            foreach (var (term, definition) in details)
            {
                await Expect(page.Locator("dt", new() { HasTextRegex = new Regex("^" + Regex.Escape(term) + "$") }).Locator("+ dd"))
                    .ToHaveTextAsync(definition);
            }

            await ExpectAccessibleStructureAsync(page);
            var detailUrl = page.Url;
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete client Victim service" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 client deleted.");
            (await RowHeadersAsync(page)).Should().Equal("bystander");
            administration.Clients.Select(client => client.ClientId).Should().Equal("bystander");

            var gone = await page.GotoAsync(detailUrl);
            gone!.Status.Should().Be(404);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Client not found");
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task bulk_delete_shows_the_count_of_a_dry_run_and_deletes_exactly_the_clients_the_filter_matches()
    {
        const string caller = "partner+eu & <co> 'ü'";
        var administration = new FakeClientAdministration();
        administration.Add("p1", "P1", Day.AddHours(1), createdBy: caller);
        administration.Add("p2", "P2", Day.AddHours(2), createdBy: caller);
        administration.Add("p3", "P3", Day.AddHours(3), createdBy: caller);
        administration.Add("o1", "O1", Day.AddHours(4), createdBy: "partner");
        administration.Add("o2", "O2", Day.AddHours(5));
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);

            // Without a filter there is no bulk delete, and its confirmation page refuses.
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete all clients matching these filters…" })).ToHaveCountAsync(0);
            await Expect(page.GetByText("Apply at least one filter to delete every client it matches, on all pages.")).ToBeVisibleAsync();
            var refused = await page.GotoAsync(AdminUiHost.UiPath + "/clients/delete");
            refused!.Status.Should().Be(400);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Choose a filter first");
            await page.GetByRole(AriaRole.Link, new() { Name = "Back to the clients" }).ClickAsync();

            await page.GetByLabel("Created by (caller)").FillAsync(caller);
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            (await RowHeadersAsync(page)).Should().Equal("p3", "p2", "p1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete all clients matching these filters…" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Delete matching clients");
            await Expect(page.Locator("dt", new() { HasText = "Created by (caller)" }).Locator("+ dd")).ToHaveTextAsync(caller);
            await Expect(page.Locator("#matched")).ToHaveTextAsync(new Regex("^3 clients match these filters\\."));
            administration.BulkDeletes.Should().ContainSingle().Which.Should().Be((new ClientFilter { CreatedBy = caller }, true));
            administration.Clients.Should().HaveCount(5, "a dry run deletes nothing");
            await ExpectAccessibleStructureAsync(page);

            await page.GetByRole(AriaRole.Button, new() { Name = "Delete 3 clients" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status).First).ToHaveTextAsync("3 clients deleted.");
            await Expect(page.GetByLabel("Created by (caller)")).ToHaveValueAsync(caller);
            await Expect(page.GetByText("No client matches these filters.")).ToBeVisibleAsync();
            administration.BulkDeletes.Should().HaveCount(2);
            administration.BulkDeletes[1].Should().Be((new ClientFilter { CreatedBy = caller }, false));
            administration.Clients.Select(client => client.ClientId).Should().BeEquivalentTo("o1", "o2");
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task a_delete_posted_without_the_page_s_antiforgery_token_is_refused_and_deletes_nothing()
    {
        var administration = new FakeClientAdministration();
        administration.Add("victim", "Victim", Day, createdBy: "partner");
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            await page.GotoAsync(AdminUiHost.UiPath + "/client?client_id=victim");
            var tokenField = page.Locator("form[action$='/client/delete'] input[type=hidden]").First;
            var tokenName = await tokenField.GetAttributeAsync("name");
            var token = await tokenField.GetAttributeAsync("value");
            tokenName.Should().Be("__RequestVerificationToken");

            // The browser's own cookies (the administrator's session and the antiforgery cookie) go with each request,
            // as with a cross-site form post that only lacks the page's token.
            async Task<IAPIResponse> PostAsync(string path, params (string Name, string Value)[] fields)
            {
                var form = browser.Http.CreateFormData();
                foreach (var (name, value) in fields)
                {
                    form.Set(name, value);
                }

                return await browser.Http.PostAsync(AdminUiHost.UiPath + path, new() { Form = form, MaxRedirects = 0 });
            }

            var missing = await PostAsync("/client/delete", ("client_id", "victim"));
            missing.Status.Should().Be(400);
            (await missing.TextAsync()).Should().Contain("Nothing was deleted.");
            var forged = await PostAsync("/client/delete", ("client_id", "victim"), (tokenName!, token![..^4] + "AAAA"));
            forged.Status.Should().Be(400);
            var bulk = await PostAsync("/clients/delete", ("created_by", "partner"));
            bulk.Status.Should().Be(400);
            administration.Clients.Should().ContainSingle();
            administration.BulkDeletes.Should().BeEmpty();

            // The same request with the page's token is accepted: the token was all that was missing.
            var accepted = await PostAsync("/client/delete", ("client_id", "victim"), (tokenName!, token!));
            accepted.Status.Should().Be(303);
            accepted.Headers["location"].Should().Be(AdminUiHost.UiPath + "/clients?deleted=1");
            administration.Clients.Should().BeEmpty();
        });
    }

    [Fact(Timeout = TestTimeout)]
    public async Task every_page_is_served_with_a_strict_content_security_policy_and_hostile_metadata_shows_as_text()
    {
        const string hostileName = "<script>alert('name')</script><img src=x onerror=alert(1)>";
        const string hostileId = "evil\"><b>id";
        var administration = new FakeClientAdministration();
        administration.Add(new ClientSummary(hostileId, hostileName, "cimd", "<i>caller</i>", "\" onfocus=\"alert(2)", Day, null,
            ["client_credentials"], ["javascript:alert(3)"], "none", "<u>api</u>"));
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            var responses = new List<IResponse>
            {
                (await page.GotoAsync(AdminUiHost.UiPath + "/clients?source=cimd"))!,
            };
            await Expect(page.GetByRole(AriaRole.Cell, new() { Name = hostileName })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "<i>caller</i>" })).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Link, new() { Name = hostileId }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Client " + hostileName);
            await Expect(page.GetByText("javascript:alert(3)")).ToBeVisibleAsync();
            responses.Add((await page.ReloadAsync())!);
            await Expect(page.Locator("script, img, b, i, u")).ToHaveCountAsync(0);

            responses.Add((await page.GotoAsync(AdminUiHost.UiPath + "/clients/delete?source=cimd"))!);
            await Expect(page.Locator("#matched")).ToContainTextAsync("1 client matches");
            responses.Add((await page.GotoAsync(AdminUiHost.UiPath + "/clients?limit=0"))!);
            responses.Add((await page.GotoAsync(AdminUiHost.UiPath + "/client?client_id=nobody"))!);

            responses.Select(response => response.Status).Should().Equal(200, 200, 200, 400, 404);
            foreach (var response in responses)
            {
                var headers = await response.AllHeadersAsync();
                headers["content-security-policy"].Should().Be(
                    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", response.Url);
                headers["x-content-type-options"].Should().Be("nosniff");
                headers["referrer-policy"].Should().Be("no-referrer");
                headers["cache-control"].Should().Be("no-store");
                headers["content-type"].Should().Be("text/html; charset=utf-8");
            }

            // The one style sheet loads under that policy and applies (the skip link is moved out of view until focused).
            var styleSheet = await browser.Http.GetAsync(AdminUiHost.UiPath + "/admin.css");
            styleSheet.Status.Should().Be(200);
            styleSheet.Headers["content-type"].Should().Be("text/css; charset=utf-8");
            (await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('a.skip')).position")).Should().Be("absolute");
        });
        browser.Console.Should().NotContain(line => line.StartsWith("dialog:", StringComparison.Ordinal), "no script of the data ran");
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task bad_filter_values_are_answered_400_with_each_field_named_and_marked_invalid()
    {
        var administration = new FakeClientAdministration();
        administration.Add("client-a", "Alpha", Day);
        await using var host = AdminUiHost.Start(administration);
        await using var browser = await BrowserSession.StartAsync(chromium, host.BaseAddress);

        await browser.RunAsync(Name(), async page =>
        {
            await SignInAsync(page);
            var response = await page.GotoAsync(AdminUiHost.UiPath + "/clients?created_after=yesterday&limit=501&source=other&q=Alpha");

            response!.Status.Should().Be(400);
            var alert = page.GetByRole(AriaRole.Alert);
            await Expect(alert.GetByRole(AriaRole.Heading)).ToHaveTextAsync("The filters are not valid");
            (await alert.GetByRole(AriaRole.Listitem).AllInnerTextsAsync()).Should().BeEquivalentTo(
                "Source: Either 'dcr' or 'cimd'.",
                "Created at or after (UTC): A date and time in UTC, as 2026-12-31T23:59:59 (seconds optional) or 2026-12-31.",
                "Clients per page: A whole number from 1 to 500.");
            await Expect(page.GetByLabel("Source")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByLabel("Created at or after (UTC)")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByLabel("Name or client ID contains")).Not.ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByLabel("Name or client ID contains")).ToHaveValueAsync("Alpha");
            await Expect(page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);

            // A date typed into the field is read as UTC.
            await page.GotoAsync(AdminUiHost.UiPath + "/clients");
            await page.GetByLabel("Created at or after (UTC)").FillAsync("2026-11-01T00:00:01");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            await Expect(page.GetByText("No client matches these filters.")).ToBeVisibleAsync();
            await page.GetByLabel("Created at or after (UTC)").FillAsync("2026-11-01T00:00");
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            (await RowHeadersAsync(page)).Should().Equal("client-a");

            var stale = await page.GotoAsync(AdminUiHost.UiPath + "/clients?cursor=bm90LWEtY3Vyc29y");
            stale!.Status.Should().Be(400);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page link not valid");
        });
        browser.ContentSecurityPolicyViolations.Should().BeEmpty();
    }

    /// <summary>Signs the browser in through the sample's form, from the admin page's address.</summary>
    internal static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(AdminUiHost.UiPath);
        await page.GetByLabel("User name").FillAsync(AdminUiHost.AdminUser);
        await page.GetByLabel("Password").FillAsync(AdminUiHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Registered clients", Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>The client IDs of the listing, in order: the table's row headers.</summary>
    internal static async Task<IReadOnlyList<string>> RowHeadersAsync(IPage page)
    {
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToBeVisibleAsync();
        return await page.GetByRole(AriaRole.Table).GetByRole(AriaRole.Rowheader).AllInnerTextsAsync();
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
