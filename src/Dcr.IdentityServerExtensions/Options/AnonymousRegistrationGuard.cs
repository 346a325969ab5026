using Dcr.IdentityServerExtensions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Options;

/// <summary>
/// Checks, at start-up, what a server that does not require an initial access token lets anyone register. With the
/// default <c>DynamicClientRegistration:Anonymous</c> limits an anonymous caller can only create public clients of the
/// authorization code flow (with PKCE, and redirect URIs that are https or loopback), which is safe without further
/// policies. A host that widens those limits is warned in the log, naming what it opened.
/// </summary>
internal sealed class AnonymousRegistrationGuard : IValidateOptions<DynamicClientRegistrationOptions>
{
    private readonly ILogger _logger;

    /// <summary>Creates the guard.</summary>
    public AnonymousRegistrationGuard(ILogger<AnonymousRegistrationGuard>? logger = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DynamicClientRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Enabled && !options.RequireInitialAccessToken && options.Anonymous.IsWidened)
        {
            Log.AnonymousRegistrationWidened(_logger,
                string.Join(", ", options.Anonymous.EffectiveGrantTypes),
                string.Join(", ", options.Anonymous.EffectiveTokenEndpointAuthMethods));
        }

        return ValidateOptionsResult.Success;
    }
}
