using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.Tests.AdminUi;

/// <summary>What <c>MapDynamicClientRegistrationAdminUi</c> refuses at start-up, and what it maps.</summary>
public sealed class AdminUiMappingTests
{
    private const string Policy = "operators";

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task mapping_without_an_authorization_policy_is_refused(string policy)
    {
        await using var app = App();

        var map = () => app.MapDynamicClientRegistrationAdminUi(policy);

        map.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task mapping_without_an_IClientAdministration_fails_and_says_what_to_register()
    {
        await using var app = App(administration: false);

        var map = () => app.MapDynamicClientRegistrationAdminUi(Policy);

        map.Should().Throw<InvalidOperationException>().WithMessage("*needs an IClientAdministration*UseOpenIddict()*");
    }

    [Fact]
    public async Task mapping_without_antiforgery_fails_and_names_AddAntiforgery()
    {
        await using var app = App(antiforgery: false);

        var map = () => app.MapDynamicClientRegistrationAdminUi(Policy);

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddAntiforgery()*");
    }

    [Fact]
    public async Task mapping_with_a_policy_the_host_never_defined_fails_and_names_the_policy()
    {
        await using var app = App();

        var map = () => app.MapDynamicClientRegistrationAdminUi("typo");

        map.Should().Throw<InvalidOperationException>().WithMessage("*\"typo\"*does not define*");
    }

    [Theory]
    [InlineData(null, "/admin/dcr/ui")]
    [InlineData("/operations/clients/", "/operations/clients/ui")]
    public async Task every_page_is_mapped_under_the_admin_path_and_requires_the_host_s_policy(string? adminPath, string expectedRoot)
    {
        await using var app = App(adminPath: adminPath);

        app.MapDynamicClientRegistrationAdminUi(Policy);

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        endpoints.Select(endpoint => (endpoint.RoutePattern.RawText, string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)))
            .Should().BeEquivalentTo(new[]
            {
                (expectedRoot + "/", "GET"),
                (expectedRoot + "/clients", "GET"),
                (expectedRoot + "/client", "GET"),
                (expectedRoot + "/client/delete", "POST"),
                (expectedRoot + "/clients/delete", "GET"),
                (expectedRoot + "/clients/delete", "POST"),
                (expectedRoot + "/admin.css", "GET"),
            });
        endpoints.Should().AllSatisfy(endpoint =>
            endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).Should().Contain(Policy));
    }

    private static WebApplication App(bool administration = true, bool antiforgery = true, string? adminPath = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddOptions<DynamicClientRegistrationOptions>().Configure(options =>
        {
            if (adminPath is not null)
            {
                options.Admin.Path = adminPath;
            }
        });
        builder.Services.AddAuthorization(options => options.AddPolicy(Policy, policy => policy.RequireAuthenticatedUser()));
        if (administration)
        {
            builder.Services.AddSingleton<IClientAdministration>(_ => throw new InvalidOperationException("Not used by mapping."));
        }

        if (antiforgery)
        {
            builder.Services.AddAntiforgery();
        }

        return builder.Build();
    }
}
