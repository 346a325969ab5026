using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Dcr.IdentityServerExtensions.Tests.OpenIddict;

/// <summary>UseOpenIddict fills allowed scopes and grant types left empty from what the OpenIddict server supports.</summary>
public class OpenIddictOptionDefaultsTests
{
    private static DynamicClientRegistrationOptions Resolve(
        IEnumerable<string> serverScopes,
        IEnumerable<string> serverGrantTypes,
        Action<DynamicClientRegistrationOptions>? configure = null,
        int registrations = 1)
    {
        var server = new OpenIddictServerOptions();
        server.Scopes.Clear();
        server.Scopes.UnionWith(serverScopes);
        server.GrantTypes.Clear();
        server.GrantTypes.UnionWith(serverGrantTypes);

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton<IOptionsMonitor<OpenIddictServerOptions>>(new FixedOptionsMonitor<OpenIddictServerOptions>(server));
        for (var i = 0; i < registrations; i++)
        {
            services.AddDynamicClientRegistration(configure).UseOpenIddict();
        }

        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;
    }

    [Fact]
    public void empty_allowed_scopes_default_to_the_server_scopes_without_the_initial_access_token_scope()
    {
        var options = Resolve(["profile", "openid", "dcr", "api"], ["authorization_code"]);

        options.AllowedScopes.Should().Equal("api", "openid", "profile");
    }

    [Fact]
    public void the_initial_access_token_scope_excluded_is_the_configured_one()
    {
        var options = Resolve(["openid", "dcr", "registrar"], ["authorization_code"], o => o.InitialAccessTokenScope = "registrar");

        options.AllowedScopes.Should().Equal("dcr", "openid");
    }

    [Fact]
    public void configured_allowed_scopes_are_not_replaced_by_the_server_scopes()
    {
        var options = Resolve(["openid", "api", "dcr"], ["authorization_code"], o => o.AllowedScopes.Add("api"));

        options.AllowedScopes.Should().Equal("api");
    }

    [Fact]
    public void empty_allowed_grant_types_default_to_the_default_grant_types_the_server_enables()
    {
        var options = Resolve(["openid"], ["client_credentials", "password", "authorization_code", "implicit"]);

        options.AllowedGrantTypes.Should().Equal("authorization_code", "client_credentials");
        options.EffectiveGrantTypes.Should().BeEquivalentTo("authorization_code", "client_credentials");
    }

    [Fact]
    public void configured_allowed_grant_types_are_not_replaced_by_the_server_grant_types()
    {
        var options = Resolve(["openid"], ["authorization_code", "client_credentials"], o => o.AllowedGrantTypes.Add("client_credentials"));

        options.AllowedGrantTypes.Should().Equal("client_credentials");
    }

    [Fact]
    public void using_openiddict_twice_does_not_fill_the_defaults_twice()
    {
        var options = Resolve(["openid", "api"], ["authorization_code", "refresh_token"], registrations: 2);

        options.AllowedScopes.Should().Equal("api", "openid");
        options.AllowedGrantTypes.Should().Equal("authorization_code", "refresh_token");
    }

    [Fact]
    public void a_server_that_enables_none_of_the_default_grant_types_fails_at_start_up_instead_of_allowing_them()
    {
        // UseOpenIddict: "Allowed scopes and grant types left empty default to those the OpenIddict server is configured
        // with." A server with only the device flow does not support authorization_code, refresh_token or
        // client_credentials: none of them may be registered, and an empty list would mean "the defaults", so the
        // configuration is refused with a message that says what to do.
        var resolve = () => Resolve(["openid"], ["urn:ietf:params:oauth:grant-type:device_code"]);

        resolve.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("AllowedGrantTypes");
    }
}
