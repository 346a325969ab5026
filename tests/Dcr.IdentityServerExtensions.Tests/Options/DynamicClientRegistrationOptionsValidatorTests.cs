using Dcr.IdentityServerExtensions.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Tests.Options;

public class DynamicClientRegistrationOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(Action<DynamicClientRegistrationOptions>? configure = null)
    {
        var options = new DynamicClientRegistrationOptions();
        configure?.Invoke(options);
        return new DynamicClientRegistrationOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
    }

    private static readonly Dictionary<string, Action<DynamicClientRegistrationOptions>> InvalidSettings = new(StringComparer.Ordinal)
    {
        ["registration path without a leading slash"] = o => o.RegistrationPath = "no-slash",
        ["admin sign-out path on another site"] = o => o.Admin.SignOutPath = "https://elsewhere.example/logout",
        ["admin sign-out path relative to the scheme"] = o => o.Admin.SignOutPath = "//elsewhere.example/logout",
        ["admin sign-out path with a backslash"] = o => o.Admin.SignOutPath = "/\\elsewhere.example/logout",
        ["admin sign-out path without a leading slash"] = o => o.Admin.SignOutPath = "logout",
        ["metadata document allowed host with a scheme"] = o => o.ClientIdMetadataDocuments.AllowedHosts.Add("https://client.example.com"),
        ["metadata document allowed host with a path"] = o => o.ClientIdMetadataDocuments.AllowedHosts.Add("client.example.com/x"),
        ["metadata document size below 512"] = o => o.ClientIdMetadataDocuments.MaxDocumentBytes = 100,
        ["negative minimum metadata document cache duration"] = o => o.ClientIdMetadataDocuments.MinCacheDuration = TimeSpan.FromMinutes(-1),
        ["maximum metadata document cache duration below the minimum"] = o => o.ClientIdMetadataDocuments.MaxCacheDuration = TimeSpan.FromMinutes(1),
        ["zero metadata document fetch timeout"] = o => o.ClientIdMetadataDocuments.FetchTimeout = TimeSpan.Zero,
        ["empty registration path"] = o => o.RegistrationPath = "",
        ["blank registration path"] = o => o.RegistrationPath = "   ",
        ["registration path with a trailing slash"] = o => o.RegistrationPath = "/connect/register/",
        ["registration path with a query"] = o => o.RegistrationPath = "/connect/register?x=1",
        ["registration path with a fragment"] = o => o.RegistrationPath = "/connect/register#x",
        ["registration path with a route parameter"] = o => o.RegistrationPath = "/connect/{tenant}/register",
        ["registration path with a space"] = o => o.RegistrationPath = "/connect/reg ister",
        ["empty initial access token scope while required"] = o => o.InitialAccessTokenScope = "",
        ["initial access token scope with a space"] = o => o.InitialAccessTokenScope = "dcr admin",
        ["unsupported auth method"] = o => o.AllowedTokenEndpointAuthMethods.Add("client_secret_jwt"),
        ["blank grant type"] = o => o.AllowedGrantTypes.Add(" "),
        ["grant type with a space"] = o => o.AllowedGrantTypes.Add("authorization_code refresh_token"),
        ["scope that is not a scope token"] = o => o.AllowedScopes.Add("bad\"scope"),
        ["empty scope"] = o => o.AllowedScopes.Add(""),
        ["negative client secret lifetime"] = o => o.ClientSecretLifetime = TimeSpan.FromDays(-1),
        ["request body limit below 1024"] = o => o.MaxRequestBodySize = 1023,
        ["secret retention without a period"] = o => o.Management.RetainClientSecret = true,
        ["secret retention with a negative period"] = o =>
        {
            o.Management.RetainClientSecret = true;
            o.Management.ClientSecretRetentionPeriod = TimeSpan.FromMinutes(-5);
        },
        ["zero client assertion lifetime"] = o => o.ClientAssertions.MaxLifetime = TimeSpan.Zero,
        ["negative client assertion lifetime"] = o => o.ClientAssertions.MaxLifetime = TimeSpan.FromMinutes(-1),
        ["client assertion lifetime over a day"] = o => o.ClientAssertions.MaxLifetime = TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1),
        ["zero network timeout"] = o => o.Network.Timeout = TimeSpan.Zero,
        ["network timeout over two minutes"] = o => o.Network.Timeout = TimeSpan.FromMinutes(3),
    };

    [Theory]
    [InlineData("registration path without a leading slash", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("admin sign-out path on another site", "DynamicClientRegistration:Admin:SignOutPath")]
    [InlineData("admin sign-out path relative to the scheme", "DynamicClientRegistration:Admin:SignOutPath")]
    [InlineData("admin sign-out path with a backslash", "DynamicClientRegistration:Admin:SignOutPath")]
    [InlineData("admin sign-out path without a leading slash", "DynamicClientRegistration:Admin:SignOutPath")]
    [InlineData("empty registration path", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("blank registration path", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("registration path with a trailing slash", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("registration path with a query", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("registration path with a fragment", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("registration path with a route parameter", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("registration path with a space", "DynamicClientRegistration:RegistrationPath")]
    [InlineData("empty initial access token scope while required", "DynamicClientRegistration:InitialAccessTokenScope")]
    [InlineData("initial access token scope with a space", "DynamicClientRegistration:InitialAccessTokenScope")]
    [InlineData("unsupported auth method", "DynamicClientRegistration:AllowedTokenEndpointAuthMethods")]
    [InlineData("blank grant type", "DynamicClientRegistration:AllowedGrantTypes")]
    [InlineData("grant type with a space", "DynamicClientRegistration:AllowedGrantTypes")]
    [InlineData("scope that is not a scope token", "DynamicClientRegistration:AllowedScopes")]
    [InlineData("empty scope", "DynamicClientRegistration:AllowedScopes")]
    [InlineData("negative client secret lifetime", "DynamicClientRegistration:ClientSecretLifetime")]
    [InlineData("request body limit below 1024", "DynamicClientRegistration:MaxRequestBodySize")]
    [InlineData("secret retention without a period", "DynamicClientRegistration:Management:ClientSecretRetentionPeriod")]
    [InlineData("secret retention with a negative period", "DynamicClientRegistration:Management:ClientSecretRetentionPeriod")]
    [InlineData("zero client assertion lifetime", "DynamicClientRegistration:ClientAssertions:MaxLifetime")]
    [InlineData("negative client assertion lifetime", "DynamicClientRegistration:ClientAssertions:MaxLifetime")]
    [InlineData("client assertion lifetime over a day", "DynamicClientRegistration:ClientAssertions:MaxLifetime")]
    [InlineData("zero network timeout", "DynamicClientRegistration:Network:Timeout")]
    [InlineData("network timeout over two minutes", "DynamicClientRegistration:Network:Timeout")]
    [InlineData("metadata document allowed host with a scheme", "DynamicClientRegistration:ClientIdMetadataDocuments:AllowedHosts")]
    [InlineData("metadata document allowed host with a path", "DynamicClientRegistration:ClientIdMetadataDocuments:AllowedHosts")]
    [InlineData("metadata document size below 512", "DynamicClientRegistration:ClientIdMetadataDocuments:MaxDocumentBytes")]
    [InlineData("negative minimum metadata document cache duration", "DynamicClientRegistration:ClientIdMetadataDocuments:MinCacheDuration")]
    [InlineData("maximum metadata document cache duration below the minimum", "DynamicClientRegistration:ClientIdMetadataDocuments:MaxCacheDuration")]
    [InlineData("zero metadata document fetch timeout", "DynamicClientRegistration:ClientIdMetadataDocuments:FetchTimeout")]
    public void each_invalid_setting_fails_with_one_message_naming_its_configuration_key(string setting, string key)
    {
        var result = Validate(InvalidSettings[setting]);

        result.Failed.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should().Contain(key);
        result.FailureMessage.Should().Contain(key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("/admin/dcr/logout")]
    [InlineData("/account/sign-out")]
    public void an_unset_or_local_admin_sign_out_path_is_valid(string? path) =>
        Validate(o => o.Admin.SignOutPath = path).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData("dcr\n")]
    [InlineData("dcr\t")]
    [InlineData("\"dcr\"")]
    public void an_initial_access_token_scope_that_is_not_a_scope_token_fails_naming_its_key(string scope)
    {
        // AllowedScopes entries are held to RFC 6749 §3.3; the one scope every initial access token must carry cannot
        // be looser: a stray newline from an environment variable or secret file would make every registration fail.
        var result = Validate(o => o.InitialAccessTokenScope = scope);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("DynamicClientRegistration:InitialAccessTokenScope");
    }

    [Fact]
    public void metadata_documents_are_off_by_default_with_the_drafts_size_and_the_issues_durations()
    {
        var documents = new DynamicClientRegistrationOptions().ClientIdMetadataDocuments;

        documents.Enabled.Should().BeFalse();
        documents.AllowedHosts.Should().BeEmpty();
        documents.MaxDocumentBytes.Should().Be(5120);
        documents.MinCacheDuration.Should().Be(TimeSpan.FromMinutes(5));
        documents.MaxCacheDuration.Should().Be(TimeSpan.FromHours(24));
        documents.FetchTimeout.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void the_default_options_are_valid()
    {
        var result = Validate();

        result.Succeeded.Should().BeTrue(result.FailureMessage);
        result.Failed.Should().BeFalse();
    }

    [Fact]
    public void a_fully_specified_valid_configuration_is_valid()
    {
        var result = Validate(o =>
        {
            o.RegistrationPath = "/as/clients.oauth2";
            o.InitialAccessTokenScope = "urn:example:dcr";
            o.AllowedTokenEndpointAuthMethods.Add("client_secret_basic");
            o.AllowedTokenEndpointAuthMethods.Add("client_secret_post");
            o.AllowedTokenEndpointAuthMethods.Add("none");
            o.AllowedGrantTypes.Add("authorization_code");
            o.AllowedGrantTypes.Add("urn:ietf:params:oauth:grant-type:device_code");
            o.AllowedScopes.Add("openid");
            o.AllowedScopes.Add("api:read");
            o.ClientSecretLifetime = TimeSpan.FromDays(90);
            o.MaxRequestBodySize = 1024;
            o.Management.Enabled = true;
            o.Management.RetainClientSecret = true;
            o.Management.ClientSecretRetentionPeriod = TimeSpan.FromMinutes(10);
            o.ClientAssertions.MaxLifetime = TimeSpan.FromDays(1);
            o.Network.AllowSpecialUseAddresses = true;
            o.Network.Timeout = TimeSpan.FromMinutes(2);
        });

        result.Succeeded.Should().BeTrue(result.FailureMessage);
    }

    [Fact]
    public void an_empty_initial_access_token_scope_is_valid_when_no_initial_access_token_is_required()
    {
        var result = Validate(o =>
        {
            o.RequireInitialAccessToken = false;
            o.InitialAccessTokenScope = "";
        });

        result.Succeeded.Should().BeTrue(result.FailureMessage);
    }

    [Theory]
    [InlineData("mcp.example.com")]
    [InlineData("/mcp")]
    [InlineData("https://mcp.example.com/mcp#fragment")]
    [InlineData("urn:example:resource")]
    public void a_resource_that_is_not_an_absolute_http_uri_without_fragment_fails_naming_the_key(string resource)
    {
        var result = Validate(o => o.Resources.Allowed.Add(resource));

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("DynamicClientRegistration:Resources:Allowed").And.Contain(resource);
    }

    [Fact]
    public void absolute_resources_are_valid()
    {
        Validate(o =>
        {
            o.Resources.Allowed.Add("https://mcp.example.com/mcp");
            o.Resources.Allowed.Add("http://127.0.0.1:5000/api");
        }).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void unknown_anonymous_methods_grant_types_and_scopes_fail_naming_their_keys()
    {
        var result = Validate(o =>
        {
            o.Anonymous.AllowedTokenEndpointAuthMethods.Add("tls_client_auth");
            o.Anonymous.AllowedGrantTypes.Add("two words");
            o.Anonymous.AllowedScopes.Add("bad\"scope");
        });

        result.FailureMessage.Should().Contain("DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods")
            .And.Contain("DynamicClientRegistration:Anonymous:AllowedGrantTypes")
            .And.Contain("DynamicClientRegistration:Anonymous:AllowedScopes");
    }

    [Fact]
    public void a_zero_client_secret_lifetime_is_valid_and_means_no_expiry()
    {
        Validate(o => o.ClientSecretLifetime = TimeSpan.Zero).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void a_retention_period_without_retention_is_valid()
    {
        Validate(o => o.Management.ClientSecretRetentionPeriod = TimeSpan.Zero).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void every_failure_is_reported_at_once()
    {
        var result = Validate(o =>
        {
            o.RegistrationPath = "no-slash";
            o.MaxRequestBodySize = 0;
            o.Management.RetainClientSecret = true;
        });

        result.Failures.Should().HaveCount(3);
        result.FailureMessage.Should().Contain("DynamicClientRegistration:RegistrationPath")
            .And.Contain("DynamicClientRegistration:MaxRequestBodySize")
            .And.Contain("DynamicClientRegistration:Management:ClientSecretRetentionPeriod");
    }

    // ---- start-up validation in a host --------------------------------------------------------------------------

    private static IHost BuildHost(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddDynamicClientRegistration();
        builder.Services.AddScoped<Dcr.IdentityServerExtensions.Stores.IClientCatalog, TestSupport.InMemoryClientCatalog>();
        return builder.Build();
    }

    [Fact]
    public async Task a_host_with_an_invalid_registration_path_in_configuration_fails_to_start_naming_the_key()
    {
        using var host = BuildHost(new() { ["DynamicClientRegistration:RegistrationPath"] = "no-slash" });

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("RegistrationPath");
    }

    [Fact]
    public async Task a_host_with_valid_configuration_starts_with_the_bound_values()
    {
        using var host = BuildHost(new() { ["DynamicClientRegistration:RegistrationPath"] = "/as/clients.oauth2" });

        await host.StartAsync();
        try
        {
            host.Services.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value.RegistrationPath
                .Should().Be("/as/clients.oauth2");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task the_client_assertion_and_network_keys_bind_and_are_checked_at_start_up()
    {
        using (var host = BuildHost(new()
        {
            ["DynamicClientRegistration:ClientAssertions:MaxLifetime"] = "00:02:00",
            ["DynamicClientRegistration:Network:AllowSpecialUseAddresses"] = "true",
        }))
        {
            await host.StartAsync();
            var options = host.Services.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;
            options.ClientAssertions.MaxLifetime.Should().Be(TimeSpan.FromMinutes(2));
            options.Network.AllowSpecialUseAddresses.Should().BeTrue();
            await host.StopAsync();
        }

        using var invalid = BuildHost(new() { ["DynamicClientRegistration:ClientAssertions:MaxLifetime"] = "-00:01:00" });
        (await invalid.Invoking(host => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("DynamicClientRegistration:ClientAssertions:MaxLifetime");
    }

    [Fact]
    public void the_defaults_are_a_five_minute_assertion_lifetime_and_no_special_use_addresses()
    {
        var options = new DynamicClientRegistrationOptions();

        options.ClientAssertions.MaxLifetime.Should().Be(TimeSpan.FromMinutes(5));
        options.Network.AllowSpecialUseAddresses.Should().BeFalse();
        options.Network.Timeout.Should().Be(TimeSpan.FromSeconds(10));
    }
}
