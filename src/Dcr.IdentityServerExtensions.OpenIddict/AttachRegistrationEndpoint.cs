using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Adds <c>registration_endpoint</c> (RFC 8414 §2) to OpenIddict's discovery document, and <c>none</c> to
/// <c>token_endpoint_auth_methods_supported</c> when public clients can register.
/// </summary>
public sealed class AttachRegistrationEndpoint : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;

    /// <summary>Creates the handler.</summary>
    public AttachRegistrationEndpoint(IOptionsMonitor<DynamicClientRegistrationOptions> options)
    {
        _options = options;
    }

    /// <summary>
    /// The handler's descriptor. It runs after OpenIddict's <c>AttachAdditionalMetadata</c>: before it, the issuer
    /// and base URI are not yet known.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AttachRegistrationEndpoint>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = _options.CurrentValue;
        // The issuer, as OpenIddictIssuer gives it to registration_client_uri: pinned by the host or the request's base.
        var baseUri = context.Issuer ?? context.BaseUri;
        if (options.Enabled && baseUri is not null)
        {
            var root = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
            context.Metadata["registration_endpoint"] = new Uri(root, options.RegistrationPath.TrimStart('/')).AbsoluteUri;

            // OpenIddict lists the methods its clients authenticate with; a client that finds no 'none' concludes it
            // cannot register as a public client, which is what MCP hosts and native agents register as.
            if (context.TokenEndpoint is not null && PublicClientsCanRegister(options))
            {
                context.TokenEndpointAuthenticationMethods.Add(ClientMetadataValues.AuthMethodNone);
            }
        }

        // Clients choose a metadata document URL as their client_id only where discovery says it is supported and lists
        // 'none' (the draft's public clients), whether or not registration is enabled.
        if (options.ClientIdMetadataDocuments.Enabled)
        {
            context.Metadata["client_id_metadata_document_supported"] = true;
            if (context.TokenEndpoint is not null)
            {
                context.TokenEndpointAuthenticationMethods.Add(ClientMetadataValues.AuthMethodNone);
            }
        }

        return ValueTask.CompletedTask;
    }

    // A caller with an initial access token may always register what the server allows; the anonymous limits only
    // narrow that list further.
    private static bool PublicClientsCanRegister(DynamicClientRegistrationOptions options) =>
        options.EffectiveTokenEndpointAuthMethods.Contains(ClientMetadataValues.AuthMethodNone);
}
