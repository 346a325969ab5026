using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Options;

/// <summary>
/// Refuses to start a server that lets anyone register clients with nothing in the way: when the initial access token
/// is not required, at least one client registration policy must be configured.
/// </summary>
public sealed class AnonymousRegistrationGuard(IEnumerable<HostPolicyRegistration> hostPolicies) : IValidateOptions<DynamicClientRegistrationOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DynamicClientRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || options.RequireInitialAccessToken)
        {
            return ValidateOptionsResult.Success;
        }

        // Only policies that constrain an anonymous caller count: a per-caller limit has no caller to count.
        var constrained = options.Policies.TrustedRedirectHosts.Count > 0
            || options.SoftwareStatements.Required
            || hostPolicies.Any();

        return constrained
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "DynamicClientRegistration:RequireInitialAccessToken is false and no client registration policy is configured, " +
                "so anyone who can reach the registration endpoint could create clients with any redirect URI. Require an initial " +
                "access token, or configure a policy that constrains anonymous registrations: " +
                "DynamicClientRegistration:Policies:TrustedRedirectHosts, DynamicClientRegistration:SoftwareStatements:Required " +
                "(with TrustedIssuers), or a policy of your own added with AddDynamicClientRegistration(...).AddPolicy<TPolicy>().");
    }
}
