using System.Net;
using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #17, point 6, over HTTP without a browser: when the sample maps the admin pages and its sign-in form, what an
/// unauthenticated caller gets, and what the sign-in form refuses. The pages read through
/// <see cref="FakeClientAdministration"/>, a test double.
/// </summary>
public sealed partial class AdminUiHostTests
{
    private static readonly Dictionary<string, string?> AdminSettings = new()
    {
        ["Sample:AdminUser"] = AdminUiHost.AdminUser,
        ["Sample:AdminPassword"] = AdminUiHost.AdminPassword,
    };

    [Fact]
    public async Task without_an_admin_password_neither_the_admin_pages_nor_the_sign_in_form_exist()
    {
        using var host = new SampleHost(configureServices: services => services.AddSingleton<IClientAdministration>(new FakeClientAdministration()));
        using var http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        (await http.GetAsync(AdminUiHost.UiPath + "/clients")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync(AdminUiHost.LoginPath)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public void an_admin_password_shorter_than_twelve_characters_stops_the_start_with_a_message_saying_so()
    {
        using var host = new SampleHost(
            new Dictionary<string, string?> { ["Sample:AdminPassword"] = "short-pass1" },
            services => services.AddSingleton<IClientAdministration>(new FakeClientAdministration()));

        var start = () => host.CreateClient();

        start.Should().Throw<Exception>().Where(exception =>
            exception.ToString().Contains("Sample:AdminPassword must have at least 12 characters", StringComparison.Ordinal));
    }

    [Fact]
    public async Task without_a_session_every_page_and_every_delete_is_sent_to_the_sign_in_form_and_nothing_is_deleted()
    {
        var administration = new FakeClientAdministration();
        administration.Add("victim", "Victim", createdBy: "partner");
        using var host = new SampleHost(AdminSettings, services => services.AddSingleton<IClientAdministration>(administration));
        using var http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var responses = new[]
        {
            await http.GetAsync(AdminUiHost.UiPath + "/clients"),
            await http.GetAsync(AdminUiHost.UiPath + "/client?client_id=victim"),
            await http.GetAsync(AdminUiHost.UiPath + "/clients/delete?created_by=partner"),
            await http.PostAsync(AdminUiHost.UiPath + "/client/delete", new FormUrlEncodedContent([new("client_id", "victim")])),
            await http.PostAsync(AdminUiHost.UiPath + "/clients/delete", new FormUrlEncodedContent([new("created_by", "partner")])),
            await http.GetAsync(AdminUiHost.UiPath + "/admin.css"),
        };

        foreach (var response in responses)
        {
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, response.RequestMessage!.RequestUri!.ToString());
            response.Headers.Location!.AbsolutePath.Should().Be(AdminUiHost.LoginPath);
            (await response.Content.ReadAsStringAsync()).Should().BeEmpty("nothing of the page is served");
        }

        administration.Clients.Should().ContainSingle();
        administration.BulkDeletes.Should().BeEmpty();
    }

    [Fact]
    public async Task the_sign_in_form_refuses_a_post_without_its_antiforgery_token_and_returns_only_to_admin_pages()
    {
        using var host = new SampleHost(AdminSettings, services => services.AddSingleton<IClientAdministration>(new FakeClientAdministration()));
        using var http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var credentials = new Dictionary<string, string>
        {
            ["username"] = AdminUiHost.AdminUser,
            ["password"] = AdminUiHost.AdminPassword,
        };

        var forged = await http.PostAsync(AdminUiHost.LoginPath, new FormUrlEncodedContent(credentials));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        forged.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).Should().NotContain(cookie => cookie.StartsWith("dcr-sample-admin=", StringComparison.Ordinal));

        // With the form's token, a return address outside the admin pages is replaced by the listing.
        foreach (var returnUrl in new[] { "//elsewhere.example/admin/dcr/ui", "https://elsewhere.example/", "/connect/authorize", "/admin/dcr/ui/..//x" })
        {
            var form = await http.GetStringAsync(AdminUiHost.LoginPath);
            var token = AntiforgeryToken().Match(form).Groups["token"].Value;
            token.Should().NotBeEmpty();
            var signIn = await http.PostAsync(AdminUiHost.LoginPath, new FormUrlEncodedContent(new Dictionary<string, string>(credentials)
            {
                ["__RequestVerificationToken"] = token,
                ["ReturnUrl"] = returnUrl,
            }));
            signIn.StatusCode.Should().Be(HttpStatusCode.Redirect, returnUrl);
            signIn.Headers.Location!.OriginalString.Should().Be(AdminUiHost.UiPath + "/clients", returnUrl);
            signIn.Headers.GetValues("Set-Cookie").Should().Contain(cookie => cookie.StartsWith("dcr-sample-admin=", StringComparison.Ordinal)
                && cookie.Contains("path=/admin/dcr", StringComparison.Ordinal) && cookie.Contains("httponly", StringComparison.Ordinal)
                && cookie.Contains("samesite=strict", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task a_configured_sign_out_path_is_where_every_pages_sign_out_button_posts_with_the_antiforgery_token()
    {
        var settings = new Dictionary<string, string?>(AdminSettings) { ["DynamicClientRegistration:Admin:SignOutPath"] = "/account/sign-out" };
        var administration = new FakeClientAdministration();
        administration.Add("client-a", "Alpha");
        using var host = new SampleHost(settings, services => services.AddSingleton<IClientAdministration>(administration));
        using var http = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await http.GetStringAsync(AdminUiHost.LoginPath);
        (await http.PostAsync(AdminUiHost.LoginPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = AdminUiHost.AdminUser,
            ["password"] = AdminUiHost.AdminPassword,
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups["token"].Value,
        }))).StatusCode.Should().Be(HttpStatusCode.Redirect);

        foreach (var page in new[] { "/clients", "/client?client_id=client-a", "/clients/delete?created_by=nobody" })
        {
            var html = await http.GetStringAsync(AdminUiHost.UiPath + page);
            SignOutForm().Match(html).Groups["action"].Value.Should().Be("/account/sign-out", page);
            AntiforgeryToken().IsMatch(SignOutForm().Match(html).Value).Should().BeTrue(page);
        }
    }

    [GeneratedRegex("<form method=\"post\" action=\"(?<action>[^\"]+)\" class=\"sign-out\">.*?</form>")]
    private static partial Regex SignOutForm();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
