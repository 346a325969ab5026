using Dcr.IdentityServerExtensions;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Plugs dynamic client registration into an OpenIddict server.</summary>
public static class OpenIddictDynamicClientRegistrationExtensions
{
    /// <summary>
    /// Uses OpenIddict as the host, for client registration only: clients are OpenIddict applications written through
    /// its application manager, which is replaced by <see cref="DynamicClientApplicationManager{TApplication}"/> (it
    /// changes nothing for the host's other applications: their secrets, redirect URIs, permissions and keys are
    /// checked as before); initial access tokens are checked by OpenIddict validation (configure it with
    /// <c>UseLocalServer()</c> and <c>UseAspNetCore()</c>); discovery advertises <c>registration_endpoint</c>;
    /// dynamically registered clients must use PKCE <c>S256</c> and may present RFC 7523 client assertions. Allowed
    /// scopes and grant types left empty default to those the OpenIddict server is configured with.
    /// What changes more of the host than that is an explicit opt-in of <paramref name="configure"/>: checking every
    /// access token's client at validation (<see cref="OpenIddictDynamicClientRegistrationBuilder.RejectTokensOfDeletedClients"/>)
    /// and keeping tokens out of OpenIddict's trace logs (<see cref="OpenIddictDynamicClientRegistrationBuilder.KeepTokensOutOfLogs"/>).
    /// </summary>
    /// <param name="builder">The registration builder.</param>
    /// <param name="configure">The opt-ins, for example <c>openIddict =&gt; openIddict.RejectTokensOfDeletedClients()</c>.</param>
    public static DynamicClientRegistrationBuilder UseOpenIddict(
        this DynamicClientRegistrationBuilder builder, Action<OpenIddictDynamicClientRegistrationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOpenIddict().AddCore(options => options.ReplaceApplicationManager(typeof(DynamicClientApplicationManager<>)));

        services.TryAddScoped<IClientRegistrationStore, OpenIddictClientRegistrationStore>();
        services.TryAddSingleton<IInitialAccessTokenValidator, OpenIddictInitialAccessTokenValidator>();

        // The core registered its request-derived default; a host's own issuer source, registered earlier, stays.
        if (services.LastOrDefault(descriptor => descriptor.ServiceType == typeof(IAuthorizationServerIssuer)) is { ImplementationType: { } type }
            && type.Assembly == typeof(IAuthorizationServerIssuer).Assembly)
        {
            services.Replace(ServiceDescriptor.Singleton<IAuthorizationServerIssuer, OpenIddictIssuer>());
        }
        services.TryAddSingleton<AttachRegistrationEndpoint>();
        services.TryAdd(RequireS256ForDynamicClients.Descriptor.ServiceDescriptor);
        services.TryAdd(ResolveClientIdMetadataDocument.Descriptor.ServiceDescriptor);
        services.TryAdd(RecordClientUse.Descriptor.ServiceDescriptor);
        services.TryAddSingleton<ClientAssertionUses>();
        foreach (var descriptor in ClientAssertionHandlerDescriptors)
        {
            services.TryAdd(descriptor.ServiceDescriptor);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureServerHandlers>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OpenIddictServerOptions>, ConfigureServerResources>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<DynamicClientRegistrationOptions>, DefaultsFromServer>());

        configure?.Invoke(new OpenIddictDynamicClientRegistrationBuilder(services));
        return builder;
    }

    // private_key_jwt as client libraries send it, with a lifetime cap and replay protection, for dynamically
    // registered clients only: the host's other clients keep OpenIddict's behaviour.
    private static readonly OpenIddictServerHandlerDescriptor[] ClientAssertionHandlerDescriptors =
    [
        AcceptClientLibraryAssertions.Descriptor,
        ValidateDynamicClientAssertion.Descriptor,
        RejectReplayedClientAssertions.Descriptor,
    ];

    private sealed class ConfigureServerHandlers : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            foreach (var descriptor in ClientAssertionHandlerDescriptors.Prepend(RequireS256ForDynamicClients.Descriptor).Prepend(AttachRegistrationEndpoint.Descriptor)
                .Append(ResolveClientIdMetadataDocument.Descriptor).Append(RecordClientUse.Descriptor))
            {
                if (!options.Handlers.Contains(descriptor))
                {
                    options.Handlers.Add(descriptor);
                }
            }
        }
    }

    /// <summary>
    /// Registers <c>Resources:Allowed</c> with the server, whose resource validation refuses any resource it does not
    /// know (<c>invalid_target</c>); which client may request which resource is then the application manager's
    /// permission check. The registration options are built here from their configuration actions alone: their
    /// post-configuration reads the server's options, and reading them whole from here would be a cycle.
    /// </summary>
    private sealed class ConfigureServerResources(IEnumerable<IConfigureOptions<DynamicClientRegistrationOptions>> configurations)
        : IConfigureOptions<OpenIddictServerOptions>
    {
        public void Configure(OpenIddictServerOptions options)
        {
            var registration = new DynamicClientRegistrationOptions();
            foreach (var configuration in configurations)
            {
                if (configuration is IConfigureNamedOptions<DynamicClientRegistrationOptions> named)
                {
                    named.Configure(Microsoft.Extensions.Options.Options.DefaultName, registration);
                }
                else
                {
                    configuration.Configure(registration);
                }
            }

            foreach (var resource in registration.Resources.Allowed)
            {
                if (Uri.TryCreate(resource, UriKind.Absolute, out var uri))
                {
                    options.Resources.Add(uri);
                }
            }
        }
    }

    // Left empty, the allowed scopes and grant types follow what the server itself supports.
    private sealed class DefaultsFromServer(IOptionsMonitor<OpenIddictServerOptions> server) : IPostConfigureOptions<DynamicClientRegistrationOptions>
    {
        public void PostConfigure(string? name, DynamicClientRegistrationOptions options)
        {
            var serverOptions = server.CurrentValue;
            if (options.AllowedScopes.Count == 0)
            {
                foreach (var scope in serverOptions.Scopes
                    .Where(scope => scope != options.InitialAccessTokenScope && scope != options.Admin.RequiredScope).Order(StringComparer.Ordinal))
                {
                    options.AllowedScopes.Add(scope);
                }
            }

            if (options.AllowedGrantTypes.Count == 0)
            {
                var grantTypes = options.EffectiveGrantTypes.Where(serverOptions.GrantTypes.Contains).ToList();
                if (grantTypes.Count == 0)
                {
                    // Left empty, the list would mean "the defaults": grants this server cannot serve.
                    throw new InvalidOperationException(
                        "The OpenIddict server enables none of the grant types dynamically registered clients may use by default " +
                        $"({string.Join(", ", options.EffectiveGrantTypes)}). Enable one on the server (for example AllowClientCredentialsFlow()) " +
                        $"or list the allowed ones in {DynamicClientRegistrationOptions.SectionName}:AllowedGrantTypes.");
                }

                foreach (var grantType in grantTypes)
                {
                    options.AllowedGrantTypes.Add(grantType);
                }
            }

            if (options.AllowedTokenEndpointAuthMethods.Count == 0)
            {
                foreach (var method in options.EffectiveTokenEndpointAuthMethods
                    .Where(method => method == ClientMetadataValues.AuthMethodNone || serverOptions.ClientAuthenticationMethods.Contains(method)).ToList())
                {
                    options.AllowedTokenEndpointAuthMethods.Add(method);
                }
            }

            if (options.SupportedIdTokenSigningAlgorithms.Count == 0)
            {
                foreach (var algorithm in serverOptions.SigningCredentials.Select(credentials => credentials.Algorithm).Distinct(StringComparer.Ordinal))
                {
                    options.SupportedIdTokenSigningAlgorithms.Add(algorithm);
                }
            }
        }
    }

    /// <summary>
    /// Issues access tokens without the database row OpenIddict writes for each of them (<see cref="SkipAccessTokenEntry"/>):
    /// no write per <c>client_credentials</c> request. Authorization codes and refresh tokens keep their rows. Without a
    /// row nothing else would stop the access tokens of a deleted client, so this also makes OpenIddict validation and
    /// the server's own token validation (introspection, userinfo, revocation) check that the token's client still
    /// exists (<see cref="RejectTokensOfDeletedClients"/>, as
    /// <see cref="OpenIddictDynamicClientRegistrationBuilder.RejectTokensOfDeletedClients"/> adds it): one indexed read
    /// per validated token. What is lost is revoking a single access token at the revocation endpoint (revoke the
    /// client's refresh token or delete the client instead, or keep access tokens short-lived).
    /// </summary>
    public static OpenIddictServerBuilder SkipAccessTokenStorage(this OpenIddictServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OpenIddictDynamicClientRegistrationBuilder.AddDeletedClientCheckToValidation(builder.Services);
        builder.Services.TryAdd(SkipAccessTokenEntry.Descriptor.ServiceDescriptor);
        builder.Services.TryAdd(RejectTokensOfDeletedClients.ServerDescriptor.ServiceDescriptor);
        return builder.Configure(options =>
        {
            foreach (var descriptor in new[] { SkipAccessTokenEntry.Descriptor, RejectTokensOfDeletedClients.ServerDescriptor })
            {
                if (!options.Handlers.Contains(descriptor))
                {
                    options.Handlers.Add(descriptor);
                }
            }
        });
    }
}
