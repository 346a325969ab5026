using Dcr.IdentityServerExtensions.Options;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>Adds <c>registration_endpoint</c> (RFC 8414 §2) to OpenIddict's discovery document.</summary>
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
        var baseUri = context.BaseUri ?? context.Issuer;
        if (options.Enabled && baseUri is not null)
        {
            var root = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
            context.Metadata["registration_endpoint"] = new Uri(root, options.RegistrationPath.TrimStart('/')).AbsoluteUri;
        }

        return ValueTask.CompletedTask;
    }
}
