using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Dcr.IdentityServerExtensions.Tests.DependencyInjection;

public class ServiceRegistrationTests
{
    private static readonly System.Reflection.Assembly CoreAssembly = typeof(ClientRegistrationService).Assembly;
    private static readonly System.Reflection.Assembly AdapterAssembly = typeof(OpenIddictClientRegistrationStore).Assembly;

    private static ServiceCollection Register(int times, bool useOpenIddict, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        if (configuration is not null)
        {
            services.AddSingleton(configuration);
        }

        for (var i = 0; i < times; i++)
        {
            var builder = services.AddDynamicClientRegistration();
            if (useOpenIddict)
            {
                builder.UseOpenIddict();
            }
        }

        return services;
    }

    private static int Count(IServiceCollection services, Type serviceType) =>
        services.Count(descriptor => descriptor.ServiceType == serviceType);

    private static int CountFromProduct(IServiceCollection services, Type serviceType) =>
        services.Count(descriptor => descriptor.ServiceType == serviceType
            && descriptor.ImplementationType?.Assembly is { } assembly
            && (assembly == CoreAssembly || assembly == AdapterAssembly));

    private static Type? ImplementationTypeOf(ServiceDescriptor descriptor) =>
        descriptor.IsKeyedService
            ? descriptor.KeyedImplementationType ?? descriptor.KeyedImplementationInstance?.GetType()
            : descriptor.ImplementationType ?? descriptor.ImplementationInstance?.GetType();

    public static readonly TheoryData<Type> CoreServiceTypes =
    [
        typeof(ClientRegistrationService),
        typeof(ClientMetadataValidator),
        typeof(IValidateOptions<DynamicClientRegistrationOptions>),
        typeof(IConfigureOptions<DynamicClientRegistrationOptions>),
        typeof(IOptionsChangeTokenSource<DynamicClientRegistrationOptions>),
        typeof(TimeProvider),
    ];

    public static readonly TheoryData<Type> AdapterServiceTypes =
    [
        typeof(IClientRegistrationStore),
        typeof(IInitialAccessTokenValidator),
        typeof(AttachRegistrationEndpoint),
    ];

    [Theory]
    [MemberData(nameof(CoreServiceTypes))]
    public void adding_dynamic_client_registration_twice_registers_each_core_service_no_more_often_than_once(Type serviceType)
    {
        var once = Register(times: 1, useOpenIddict: false);
        var twice = Register(times: 2, useOpenIddict: false);

        Count(once, serviceType).Should().BeGreaterThan(0);
        Count(twice, serviceType).Should().Be(Count(once, serviceType));
    }

    [Theory]
    [MemberData(nameof(CoreServiceTypes))]
    [MemberData(nameof(AdapterServiceTypes))]
    public void adding_dynamic_client_registration_with_openiddict_twice_registers_each_product_service_no_more_often_than_once(Type serviceType)
    {
        var once = Register(times: 1, useOpenIddict: true);
        var twice = Register(times: 2, useOpenIddict: true);

        Count(once, serviceType).Should().BeGreaterThan(0);
        Count(twice, serviceType).Should().Be(Count(once, serviceType));
    }

    [Theory]
    [InlineData(typeof(ClientRegistrationService))]
    [InlineData(typeof(ClientMetadataValidator))]
    [InlineData(typeof(IClientRegistrationStore))]
    [InlineData(typeof(IInitialAccessTokenValidator))]
    public void each_single_service_has_exactly_one_registration_after_two_full_registrations(Type serviceType)
    {
        Count(Register(times: 2, useOpenIddict: true), serviceType).Should().Be(1);
    }

    [Fact]
    public void the_options_validator_is_registered_once_after_two_registrations()
    {
        var services = Register(times: 2, useOpenIddict: true);

        services.Count(descriptor => descriptor.ServiceType == typeof(IValidateOptions<DynamicClientRegistrationOptions>)
            && descriptor.ImplementationType == typeof(DynamicClientRegistrationOptionsValidator)).Should().Be(1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void a_second_registration_adds_no_service_descriptor_at_all(bool useOpenIddict)
    {
        // AddDynamicClientRegistration: "Calling this again registers nothing twice."
        var once = Register(times: 1, useOpenIddict);
        var twice = Register(times: 2, useOpenIddict);

        var added = twice
            .Select(Describe)
            .GroupBy(description => description)
            .SelectMany(group => group.Skip(once.Count(descriptor => Describe(descriptor) == group.Key)))
            .ToList();

        added.Should().BeEmpty();
        twice.Should().HaveSameCount(once);
    }

    private static string Describe(ServiceDescriptor descriptor) =>
        $"{descriptor.ServiceType} <- {ImplementationTypeOf(descriptor)?.ToString() ?? "factory"} ({descriptor.Lifetime})";

    [Fact]
    public void use_openiddict_alone_changes_neither_the_hosts_token_validation_nor_its_logging()
    {
        var services = Register(times: 1, useOpenIddict: true);

        CountFromProduct(services, typeof(IConfigureOptions<global::OpenIddict.Validation.OpenIddictValidationOptions>)).Should().Be(0);
        CountFromProduct(services, typeof(IPostConfigureOptions<Microsoft.Extensions.Logging.LoggerFilterOptions>)).Should().Be(0);
    }

    [Fact]
    public void the_opt_ins_add_the_deleted_client_check_and_the_logging_safeguard_once_however_often_they_are_called()
    {
        var services = new ServiceCollection();
        for (var i = 0; i < 2; i++)
        {
            services.AddDynamicClientRegistration().UseOpenIddict(openIddict => openIddict.RejectTokensOfDeletedClients().KeepTokensOutOfLogs());
        }

        CountFromProduct(services, typeof(IConfigureOptions<global::OpenIddict.Validation.OpenIddictValidationOptions>)).Should().Be(1);
        CountFromProduct(services, typeof(IPostConfigureOptions<Microsoft.Extensions.Logging.LoggerFilterOptions>)).Should().Be(1);
    }

    [Fact]
    public void using_openiddict_twice_adds_its_server_configurations_once()
    {
        var once = Register(times: 1, useOpenIddict: true);
        var twice = Register(times: 2, useOpenIddict: true);

        CountFromProduct(twice, typeof(IConfigureOptions<OpenIddictServerOptions>))
            .Should().Be(CountFromProduct(once, typeof(IConfigureOptions<OpenIddictServerOptions>))).And.Be(2, "discovery and resources");
    }

    [Fact]
    public void using_openiddict_twice_adds_its_defaults_post_configuration_once()
    {
        var services = Register(times: 2, useOpenIddict: true);

        Count(services, typeof(IPostConfigureOptions<DynamicClientRegistrationOptions>)).Should().Be(1);
        CountFromProduct(services, typeof(IPostConfigureOptions<DynamicClientRegistrationOptions>)).Should().Be(1);
    }

    [Fact]
    public void no_descriptor_implemented_by_the_product_is_registered_twice_after_two_full_registrations()
    {
        var services = Register(times: 2, useOpenIddict: true);

        var duplicates = services
            .Where(descriptor => ImplementationTypeOf(descriptor)?.Assembly is { } assembly
                && (assembly == CoreAssembly || assembly == AdapterAssembly))
            .GroupBy(descriptor => (descriptor.ServiceType, Implementation: ImplementationTypeOf(descriptor)))
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key.ServiceType} -> {group.Key.Implementation} x{group.Count()}")
            .ToList();

        duplicates.Should().BeEmpty();
    }

    [Fact]
    public void a_second_registration_adds_no_product_descriptor()
    {
        static int ProductDescriptors(IServiceCollection services) => services.Count(descriptor =>
            descriptor.ServiceType.Assembly == CoreAssembly || descriptor.ServiceType.Assembly == AdapterAssembly
            || descriptor.ServiceType.GenericTypeArguments.Any(t => t.Assembly == CoreAssembly || t.Assembly == AdapterAssembly)
            || ImplementationTypeOf(descriptor)?.Assembly is { } assembly && (assembly == CoreAssembly || assembly == AdapterAssembly));

        var once = Register(times: 1, useOpenIddict: true);
        var twice = Register(times: 2, useOpenIddict: true);

        ProductDescriptors(twice).Should().Be(ProductDescriptors(once));
    }

    [Fact]
    public void the_registered_services_are_the_products_implementations()
    {
        var services = Register(times: 1, useOpenIddict: true);

        services.Where(d => d.ServiceType == typeof(IValidateOptions<DynamicClientRegistrationOptions>)).Select(d => d.ImplementationType)
            .Should().Contain(typeof(DynamicClientRegistrationOptionsValidator));
        services.Single(d => d.ServiceType == typeof(IClientRegistrationStore)).ImplementationType
            .Should().Be<OpenIddictClientRegistrationStore>();
        services.Single(d => d.ServiceType == typeof(IInitialAccessTokenValidator)).ImplementationType
            .Should().Be<OpenIddictInitialAccessTokenValidator>();
        services.Single(d => d.ServiceType == typeof(ClientRegistrationService)).Lifetime.Should().Be(ServiceLifetime.Scoped);
        services.Single(d => d.ServiceType == typeof(IClientRegistrationStore)).Lifetime.Should().Be(ServiceLifetime.Scoped);
    }

    // ---- configuration binding ----------------------------------------------------------------------------------

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void list_options_bound_from_configuration_do_not_double_when_registration_is_added_twice()
    {
        var configuration = Configuration(new()
        {
            ["DynamicClientRegistration:AllowedScopes:0"] = "api",
            ["DynamicClientRegistration:AllowedGrantTypes:0"] = "client_credentials",
            ["DynamicClientRegistration:AllowedTokenEndpointAuthMethods:0"] = "client_secret_basic",
        });
        using var provider = Register(times: 2, useOpenIddict: false, configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;

        options.AllowedScopes.Should().Equal("api");
        options.AllowedGrantTypes.Should().Equal("client_credentials");
        options.AllowedTokenEndpointAuthMethods.Should().Equal("client_secret_basic");
    }

    [Fact]
    public void options_bind_from_the_dynamic_client_registration_section()
    {
        var configuration = Configuration(new()
        {
            ["DynamicClientRegistration:RegistrationPath"] = "/as/clients.oauth2",
            ["DynamicClientRegistration:InitialAccessTokenScope"] = "registrar",
            ["DynamicClientRegistration:AllowedScopes:0"] = "api",
            ["DynamicClientRegistration:AllowedScopes:1"] = "openid",
            ["DynamicClientRegistration:ClientSecretLifetime"] = "90.00:00:00",
            ["DynamicClientRegistration:Management:Enabled"] = "true",
            ["DynamicClientRegistration:Management:RetainClientSecret"] = "true",
            ["DynamicClientRegistration:Management:ClientSecretRetentionPeriod"] = "00:10:00",
        });
        using var provider = Register(times: 1, useOpenIddict: false, configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;

        options.RegistrationPath.Should().Be("/as/clients.oauth2");
        options.InitialAccessTokenScope.Should().Be("registrar");
        options.AllowedScopes.Should().Equal("api", "openid");
        options.ClientSecretLifetime.Should().Be(TimeSpan.FromDays(90));
        options.Management.Enabled.Should().BeTrue();
        options.Management.RetainClientSecret.Should().BeTrue();
        options.Management.ClientSecretRetentionPeriod.Should().Be(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void a_configure_callback_runs_after_configuration_binding()
    {
        var configuration = Configuration(new() { ["DynamicClientRegistration:RegistrationPath"] = "/from-config" });
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddDynamicClientRegistration(o => o.RegistrationPath = "/from-code");
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value.RegistrationPath.Should().Be("/from-code");
    }

    [Fact]
    public void invalid_options_throw_options_validation_exception_when_read()
    {
        var configuration = Configuration(new() { ["DynamicClientRegistration:MaxRequestBodySize"] = "10" });
        using var provider = Register(times: 1, useOpenIddict: false, configuration).BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("DynamicClientRegistration:MaxRequestBodySize");
    }
}
