using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Policies;

/// <summary>
/// Trusted hosts (<c>Policies:TrustedRedirectHosts</c>): every redirect URI must point at a host, or use a
/// private-use scheme, that the server lists.
/// </summary>
public sealed class TrustedRedirectHostsPolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options) : IClientRegistrationPolicy
{
    /// <inheritdoc />
    public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var trusted = options.CurrentValue.Policies.TrustedRedirectHosts;
        if (trusted.Count == 0)
        {
            return new(context.Metadata);
        }

        foreach (var uri in context.Metadata.RedirectUris.Concat(context.Metadata.PostLogoutRedirectUris))
        {
            if (!IsTrusted(new Uri(uri, UriKind.Absolute), trusted))
            {
                return new(RegistrationError.InvalidRedirectUri($"The redirect URI '{uri}' does not point at a host this server trusts."));
            }
        }

        return new(context.Metadata);
    }

    internal static bool IsTrusted(Uri uri, IEnumerable<string> trusted)
    {
        foreach (var entry in trusted)
        {
            if (entry.EndsWith(':'))
            {
                if (string.Equals(uri.Scheme + ":", entry, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (uri.Scheme is "http" or "https" && uri.IdnHost.Length > 0)
            {
                var host = uri.IdnHost.Trim('[', ']');
                var pattern = entry.Trim('[', ']');
                if (pattern.StartsWith("*.", StringComparison.Ordinal)
                    ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
                    : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}

/// <summary>
/// At most <c>Policies:MaxClientsPerCaller</c> clients registered under one initial access token caller, counted in
/// the store (registration only; anonymous callers are not counted).
/// </summary>
public sealed class MaxClientsPerCallerPolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options, IClientRegistrationStore store)
    : IClientRegistrationPolicy
{
    /// <inheritdoc />
    public async ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = options.CurrentValue.Policies.MaxClientsPerCaller;
        if (limit <= 0 || context.Operation != ClientRegistrationOperation.Create || context.Caller.CallerId is not { } caller)
        {
            return context.Metadata;
        }

        var count = await store.CountByCreatorAsync(caller, cancellationToken).ConfigureAwait(false);
        return count >= limit
            ? RegistrationError.InvalidMetadata($"The caller has registered {count} clients, the most this server allows; delete one first.")
            : context.Metadata;
    }
}

/// <summary>A client that registers no scope gets <c>Policies:DefaultScope</c>.</summary>
public sealed class DefaultScopePolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options) : IClientRegistrationPolicy
{
    /// <inheritdoc />
    public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var defaultScope = options.CurrentValue.Policies.DefaultScope;
        return new(context.Metadata.Scope is null && !string.IsNullOrWhiteSpace(defaultScope)
            ? context.Metadata with { Scope = defaultScope }
            : context.Metadata);
    }
}
