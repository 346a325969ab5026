using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.Extensions.Options;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

namespace Dcr.IdentityServerExtensions.Policies;

/// <summary>
/// Anonymous registration (<c>Anonymous:*</c>): a client registered without an initial access token may use only the
/// grant types, token endpoint authentication methods and scopes allowed to anonymous callers, on registration and on
/// every later update. By default that is a public client of the authorization code flow, so an open registration
/// endpoint cannot hand out confidential <c>client_credentials</c> clients.
/// </summary>
internal sealed class AnonymousRegistrationPolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options) : IClientRegistrationPolicy
{
    /// <inheritdoc />
    public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsAnonymous(context.Operation, context.Caller, context.ExistingClient))
        {
            return new(context.Metadata);
        }

        var current = options.CurrentValue;
        var limits = current.Anonymous;
        var metadata = context.Metadata;

        var grantTypes = limits.EffectiveGrantTypes;
        if ((metadata.GrantTypes ?? []).FirstOrDefault(grantType => !grantTypes.Contains(grantType)) is { } grantType)
        {
            return new(Errors.AnonymousGrantTypeNotAllowed(grantType, grantTypes));
        }

        var methods = limits.EffectiveTokenEndpointAuthMethods;
        if (metadata.TokenEndpointAuthMethod is { } method && !methods.Contains(method))
        {
            return new(Errors.AnonymousAuthMethodNotAllowed(method, methods));
        }

        var scopes = EffectiveScopes(current);
        if (metadata.ScopeValues.FirstOrDefault(scope => !scopes.Contains(scope)) is { } scope)
        {
            return new(Errors.AnonymousScopeNotAllowed(scope));
        }

        return new(metadata);
    }

    /// <summary>
    /// Whether the limits apply: a registration without an initial access token, or an update of a client registered so.
    /// </summary>
    internal static bool IsAnonymous(ClientRegistrationOperation operation, RegistrationCaller caller, StoredClient? existing) =>
        operation == ClientRegistrationOperation.Create ? caller.Principal is null : existing?.RegisteredAnonymously == true;

    /// <summary>
    /// The one adjustment made to an anonymous request before validation (RFC 7591 §3.2.1 lets a server replace
    /// requested values): a client that asks for a shared secret (<c>client_secret_basic</c>, <c>client_secret_post</c>,
    /// or no method, which defaults to <c>client_secret_basic</c>) but uses only the authorization code and refresh
    /// token grants is registered as a public client, and the response says <c>none</c>. The MCP C# SDK asks for
    /// <c>client_secret_post</c> in every registration and then authenticates as the response says; refusing it would
    /// leave such clients unable to register anywhere registration is anonymous. Nothing is widened: the client gets no
    /// secret and must use PKCE. A method the anonymous limits allow is kept as asked.
    /// </summary>
    internal static ClientMetadata PreferPublicClient(ClientMetadata metadata, DynamicClientRegistrationOptions options)
    {
        var requested = metadata.TokenEndpointAuthMethod ?? ClientMetadataValues.AuthMethodClientSecretBasic;
        var methods = options.Anonymous.EffectiveTokenEndpointAuthMethods;
        var grantTypes = metadata.GrantTypes ?? [ClientMetadataValues.GrantAuthorizationCode];
        var replace = requested is ClientMetadataValues.AuthMethodClientSecretBasic or ClientMetadataValues.AuthMethodClientSecretPost
            && !methods.Contains(requested)
            && methods.Contains(ClientMetadataValues.AuthMethodNone)
            && grantTypes.Count > 0
            && grantTypes.All(grantType => grantType is ClientMetadataValues.GrantAuthorizationCode or ClientMetadataValues.GrantRefreshToken);
        return replace ? metadata with { TokenEndpointAuthMethod = ClientMetadataValues.AuthMethodNone } : metadata;
    }

    /// <summary>
    /// The scopes anonymous callers may register: the configured list, or every allowed scope except the initial access
    /// token's and the admin API's, so that an anonymous client can never register further clients or administer them.
    /// </summary>
    internal static IReadOnlySet<string> EffectiveScopes(DynamicClientRegistrationOptions options) =>
        options.Anonymous.AllowedScopes.Count > 0
            ? options.Anonymous.AllowedScopes.ToHashSet(StringComparer.Ordinal)
            : options.AllowedScopes.Where(scope => scope != options.InitialAccessTokenScope && scope != options.Admin.RequiredScope)
                .ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// Trusted hosts (<c>Policies:TrustedRedirectHosts</c>): every redirect URI must point at a host, or use a
/// private-use scheme, that the server lists.
/// </summary>
internal sealed class TrustedRedirectHostsPolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options) : IClientRegistrationPolicy
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
                return new(Errors.RedirectHostNotTrusted(uri));
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
                // Redirect URIs arrive here with A-label (punycode) hosts; an entry may be written either way.
                var host = uri.IdnHost.Trim('[', ']');
                var pattern = AsciiHost(entry.Trim('[', ']'));
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

    private static string AsciiHost(string entry)
    {
        if (entry.All(char.IsAscii))
        {
            return entry;
        }

        try
        {
            var wildcard = entry.StartsWith("*.", StringComparison.Ordinal);
            var ascii = Validation.ClientMetadataValidator.StrictIdn.GetAscii(wildcard ? entry[2..] : entry);
            return wildcard ? "*." + ascii : ascii;
        }
        catch (ArgumentException)
        {
            return entry;
        }
    }
}

/// <summary>A client that registers no scope gets <c>Policies:DefaultScope</c>.</summary>
internal sealed class DefaultScopePolicy(IOptionsMonitor<DynamicClientRegistrationOptions> options) : IClientRegistrationPolicy
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
