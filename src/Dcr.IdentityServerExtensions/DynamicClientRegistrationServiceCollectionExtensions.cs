using Dcr.IdentityServerExtensions;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Policies;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers dynamic client registration in a host's services.</summary>
public static class DynamicClientRegistrationServiceCollectionExtensions
{
    /// <summary>
    /// Adds dynamic client registration. Options bind from the <c>DynamicClientRegistration</c> configuration section,
    /// then <paramref name="configure"/> runs; invalid options fail at start-up. Calling this again registers nothing
    /// twice. A host adapter completes the set-up, e.g. <c>.UseOpenIddict()</c>.
    /// </summary>
    public static DynamicClientRegistrationBuilder AddDynamicClientRegistration(
        this IServiceCollection services, Action<DynamicClientRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (!services.Any(descriptor => descriptor.ServiceType == typeof(DynamicClientRegistrationMarker)))
        {
            services.AddSingleton<DynamicClientRegistrationMarker>();
            services.AddOptions<DynamicClientRegistrationOptions>()
                .BindConfiguration(DynamicClientRegistrationOptions.SectionName)
                .ValidateOnStart();

            // These add configuration actions each time they are called, so they run once, with the binding.
            services.AddMetrics();
            // The one client of the product's outbound requests (clients' jwks_uri, software statement issuers' keys);
            // SafeHttpFetcher applies the timeout and the size cap.
            services.AddHttpClient(NetworkOptions.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(SafeHttpFetcher.CreatePrimaryHandler);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DynamicClientRegistrationOptions>, DynamicClientRegistrationOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DynamicClientRegistrationOptions>, AnonymousRegistrationGuard>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuthorizationServerIssuer, RequestIssuer>();
        services.TryAddSingleton<ClientMetadataValidator>();
        services.TryAddSingleton<SafeHttpFetcher>();
        services.TryAddSingleton(provider => new SoftwareStatementValidator(
            provider.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>(), provider.GetRequiredService<SafeHttpFetcher>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider => new RemoteJsonWebKeySets(
            provider.GetRequiredService<SafeHttpFetcher>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RemoteJsonWebKeySets>>()));
        services.TryAddSingleton(provider => new ClientIdMetadataDocuments(
            provider.GetRequiredService<IServiceScopeFactory>(), provider.GetRequiredService<SafeHttpFetcher>(),
            provider.GetRequiredService<ClientMetadataValidator>(), provider.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<DynamicClientRegistrationMetrics>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClientIdMetadataDocuments>>()));
        services.TryAddScoped<ClientRegistrationPolicyPipeline>();
        services.TryAddScoped<ClientRegistrationService>();
        services.TryAddScoped<ClientRegistry>();

        // The operators' side (#17): the admin service behind the admin API and page, last use, the one-time completion
        // of the catalog and the expiry sweep (which does nothing until Lifecycle:DeleteNeverUsedAfter/DeleteUnusedAfter is set).
        services.AddHttpContextAccessor();
        services.TryAddScoped<IClientAdministration, ClientAdministration>();
        services.TryAddSingleton<ClientUseRecorder>();
        services.TryAddSingleton<ClientExpirySweeper>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClientCatalogGuard>());
        services.TryAddSingleton<ClientCatalogBackfill>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClientCatalogBackfill>(provider => provider.GetRequiredService<ClientCatalogBackfill>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClientExpirySweeper>(provider => provider.GetRequiredService<ClientExpirySweeper>()));
        services.TryAddSingleton<DynamicClientRegistrationMetrics>();
        services.TryAddScoped<ClientRegistrationAudit>();

        // The built-in policies run first, in this order, before any the host adds; each does nothing until configured.
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IClientRegistrationPolicy, TrustedRedirectHostsPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IClientRegistrationPolicy, DefaultScopePolicy>());

        // After the default scope, so that the scope it adds is held to the anonymous limits too.
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IClientRegistrationPolicy, AnonymousRegistrationPolicy>());

        return new DynamicClientRegistrationBuilder(services);
    }

    // Marks that the options binding is registered, so a second call does not bind (and append to lists) twice.
    private sealed class DynamicClientRegistrationMarker;
}
