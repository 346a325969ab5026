using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Options;

/// <summary>
/// Rejects settings that cannot work, at start-up, with a message that names the key and says how to fix it.
/// </summary>
internal sealed class DynamicClientRegistrationOptionsValidator : IValidateOptions<DynamicClientRegistrationOptions>
{
    private const string Section = DynamicClientRegistrationOptions.SectionName;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DynamicClientRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.RegistrationPath) || !options.RegistrationPath.StartsWith('/')
            || options.RegistrationPath.Length > 1 && options.RegistrationPath.EndsWith('/')
            || options.RegistrationPath.IndexOfAny(['?', '#', '{', '}', ' ']) >= 0)
        {
            failures.Add($"{Section}:RegistrationPath is '{options.RegistrationPath}'. Set it to an absolute path that starts with '/' and has no trailing '/', query, route parameter or space, such as '{DynamicClientRegistrationOptions.DefaultRegistrationPath}' or '/as/clients.oauth2'.");
        }

        if (options.RequireInitialAccessToken && string.IsNullOrWhiteSpace(options.InitialAccessTokenScope))
        {
            failures.Add($"{Section}:InitialAccessTokenScope is empty while {Section}:RequireInitialAccessToken is true. Name the scope an initial access token must carry (for example 'dcr').");
        }

        if (!string.IsNullOrEmpty(options.InitialAccessTokenScope) && !Validation.ClientMetadataValidator.IsScopeToken(options.InitialAccessTokenScope))
        {
            failures.Add($"{Section}:InitialAccessTokenScope '{options.InitialAccessTokenScope}' is not one scope value (RFC 6749 §3.3: printable characters, no spaces or quotes). Give exactly one, such as 'dcr'.");
        }

        CheckClientLists(failures, Section, options.AllowedTokenEndpointAuthMethods, options.AllowedGrantTypes, options.AllowedScopes);

        if (options.ClientSecretLifetime is { } lifetime && lifetime < TimeSpan.Zero)
        {
            failures.Add($"{Section}:ClientSecretLifetime is negative ({lifetime}). Set a positive time span such as '90.00:00:00', or leave it empty for secrets that do not expire.");
        }

        if (options.MaxRequestBodySize < 1024)
        {
            failures.Add($"{Section}:MaxRequestBodySize is {options.MaxRequestBodySize} bytes. Set at least 1024; the default is 65536.");
        }

        foreach (var (memberName, _) in options.ExtendedMetadata)
        {
            if (string.IsNullOrWhiteSpace(memberName) || IsRfcMemberName(memberName))
            {
                failures.Add($"{Section}:ExtendedMetadata has a member named '{memberName}', which is empty or a standard metadata name. Give extended members names of their own, such as 'tenant_id'.");
            }
        }

        var policies = options.Policies;
        foreach (var (key, limit) in new[]
        {
            ("MaxClientsPerCaller", policies.MaxClientsPerCaller),
            ("MaxClientsPerInitialAccessToken", policies.MaxClientsPerInitialAccessToken),
            ("MaxAnonymousClients", policies.MaxAnonymousClients),
        })
        {
            if (limit < 0)
            {
                failures.Add($"{Section}:Policies:{key} is {limit}. Set 0 for no limit or a positive number.");
            }
        }

        CheckAdmin(failures, options);
        CheckLifecycle(failures, options.Lifecycle);

        if (policies.DefaultScope is { Length: > 0 } defaultScope)
        {
            foreach (var scope in defaultScope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!options.AllowedScopes.Contains(scope))
                {
                    failures.Add($"{Section}:Policies:DefaultScope contains '{scope}', which is not an allowed scope. Add it to {Section}:AllowedScopes or choose one of: {string.Join(", ", options.AllowedScopes)}.");
                }
            }
        }

        foreach (var host in policies.TrustedRedirectHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal))
            {
                failures.Add($"{Section}:Policies:TrustedRedirectHosts contains '{host}'. Give a host name ('app.example.com'), a wildcard ('*.example.com') or a private-use scheme with its colon ('com.example.app:').");
            }
        }

        var statements = options.SoftwareStatements;
        if (statements.Required && statements.TrustedIssuers.Count == 0)
        {
            failures.Add($"{Section}:SoftwareStatements:Required is true but no {Section}:SoftwareStatements:TrustedIssuers are configured. Add at least one issuer with its Jwks or JwksUri.");
        }

        for (var index = 0; index < statements.TrustedIssuers.Count; index++)
        {
            var issuer = statements.TrustedIssuers[index];
            var key = $"{Section}:SoftwareStatements:TrustedIssuers:{index}";
            if (string.IsNullOrWhiteSpace(issuer.Issuer))
            {
                failures.Add($"{key}:Issuer is empty. Give the 'iss' value of the issuer's software statements.");
            }

            if ((issuer.Jwks is null) == (issuer.JwksUri is null))
            {
                failures.Add($"{key} must have exactly one of Jwks (the key set inline) and JwksUri.");
            }
            else if (issuer.JwksUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{key}:JwksUri '{uri}' must be an absolute https URI.");
            }
            else if (issuer.Jwks is { } jwks && !Validation.PublicJsonWebKeys.TryRead(jwks, out _))
            {
                failures.Add($"{key}:Jwks is not a JSON Web Key Set with at least one public signing key.");
            }
        }

        var limits = options.Limits;
        foreach (var (key, value, minimum) in new[]
        {
            ("MaxRedirectUris", limits.MaxRedirectUris, 1),
            ("MaxContacts", limits.MaxContacts, 1),
            ("MaxArrayLength", limits.MaxArrayLength, 4),
            ("MaxStringLength", limits.MaxStringLength, 256),
        })
        {
            if (value < minimum)
            {
                failures.Add($"{Section}:Limits:{key} is {value}. Set at least {minimum}.");
            }
        }

        foreach (var scheme in options.AllowedPrivateUseSchemes)
        {
            if (string.IsNullOrEmpty(scheme) || !char.IsAsciiLetter(scheme[0])
                || !scheme.All(character => char.IsAsciiLetterOrDigit(character) || character is '+' or '-' or '.')
                || scheme.Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) || scheme.Equals(Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
                || Validation.ClientMetadataValidator.ForbiddenSchemes.Contains(scheme))
            {
                failures.Add($"{Section}:AllowedPrivateUseSchemes contains '{scheme}'. Give a URI scheme without its colon (RFC 3986: a letter, then letters, digits, '+', '-' or '.'), such as 'myapp'; http, https and script or file schemes cannot be listed.");
            }
        }

        var anonymous = options.Anonymous;
        CheckClientLists(failures, $"{Section}:Anonymous", anonymous.AllowedTokenEndpointAuthMethods, anonymous.AllowedGrantTypes, anonymous.AllowedScopes);

        foreach (var resource in options.Resources.Allowed)
        {
            // RFC 8707 §2: an absolute URI without a fragment; the server compares it as a string, so it must be written
            // exactly as clients send it.
            if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0 || resource.Contains('#', StringComparison.Ordinal)
                || uri.Scheme is not ("https" or "http"))
            {
                failures.Add($"{Section}:Resources:Allowed contains '{resource}'. Each entry must be an absolute http or https URI without a fragment, written exactly as clients send it (for example 'https://mcp.example.com/mcp').");
            }
        }

        var management = options.Management;
        if (management.RetainClientSecret && management.ClientSecretRetentionPeriod <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:Management:RetainClientSecret is true but {Section}:Management:ClientSecretRetentionPeriod is {management.ClientSecretRetentionPeriod}. Set a positive period such as '00:10:00', or turn retention off.");
        }

        var maxLifetime = options.ClientAssertions.MaxLifetime;
        if (maxLifetime <= TimeSpan.Zero || maxLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{Section}:ClientAssertions:MaxLifetime is {maxLifetime}. Set a positive time span of at most a day, such as '00:05:00' (the default); client libraries make assertions that live a few minutes.");
        }

        var timeout = options.Network.Timeout;
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMinutes(2))
        {
            failures.Add($"{Section}:Network:Timeout is {timeout}. Set a positive time span of at most two minutes, such as '00:00:10' (the default).");
        }

        ValidateClientIdMetadataDocuments(options.ClientIdMetadataDocuments, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The same three lists exist for every caller and for anonymous callers; they are checked alike under their own key.
    private static void CheckAdmin(List<string> failures, DynamicClientRegistrationOptions options)
    {
        var admin = options.Admin;
        if (string.IsNullOrWhiteSpace(admin.Path) || !admin.Path.StartsWith('/') || admin.Path.Length > 1 && admin.Path.EndsWith('/')
            || admin.Path.IndexOfAny(['?', '#', '{', '}', ' ']) >= 0)
        {
            failures.Add($"{Section}:Admin:Path is '{admin.Path}'. Set it to an absolute path that starts with '/' and has no trailing '/', query, route parameter or space, such as '{AdminOptions.DefaultPath}'.");
        }

        // A local path only: the button must never post the administrator's antiforgery token to another site.
        if (admin.SignOutPath is { } signOut
            && (!signOut.StartsWith('/') || signOut.StartsWith("//", StringComparison.Ordinal) || signOut.IndexOfAny(['\\', '?', '#', ' ']) >= 0))
        {
            failures.Add($"{Section}:Admin:SignOutPath is '{signOut}'. Set it to a path of this host that starts with a single '/' and has no query, backslash or space, such as '{AdminOptions.DefaultPath}/logout', or leave it unset.");
        }

        if (string.IsNullOrWhiteSpace(admin.RequiredScope) || !Validation.ClientMetadataValidator.IsScopeToken(admin.RequiredScope))
        {
            failures.Add($"{Section}:Admin:RequiredScope '{admin.RequiredScope}' is not one scope value (RFC 6749 §3.3: printable characters, no spaces or quotes). Give exactly one, such as '{AdminOptions.DefaultRequiredScope}'.");
        }
        else if (string.Equals(admin.RequiredScope, options.InitialAccessTokenScope, StringComparison.Ordinal))
        {
            failures.Add($"{Section}:Admin:RequiredScope is '{admin.RequiredScope}', the same as {Section}:InitialAccessTokenScope: whoever may register clients could then delete everyone's. Give the admin API a scope of its own, such as '{AdminOptions.DefaultRequiredScope}'.");
        }
        else if (options.AllowedScopes.Contains(admin.RequiredScope))
        {
            failures.Add($"{Section}:AllowedScopes contains '{admin.RequiredScope}', the scope of the admin API ({Section}:Admin:RequiredScope): a registered client must never be able to obtain it. Remove it from the list.");
        }
    }

    private static void CheckLifecycle(List<string> failures, ClientLifecycleOptions lifecycle)
    {
        if (lifecycle.LastUsedResolution <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:Lifecycle:LastUsedResolution is {lifecycle.LastUsedResolution}. Set a positive time span such as '01:00:00' (the default).");
        }

        foreach (var (key, value) in new[] { ("DeleteNeverUsedAfter", lifecycle.DeleteNeverUsedAfter), ("DeleteUnusedAfter", lifecycle.DeleteUnusedAfter) })
        {
            if (value is { } period && period <= TimeSpan.Zero)
            {
                failures.Add($"{Section}:Lifecycle:{key} is {period}. Set a positive time span such as '30.00:00:00', or leave it empty to never delete on that ground.");
            }
        }

        if (lifecycle.DeleteUnusedAfter is { } unused && unused > TimeSpan.Zero && unused < lifecycle.LastUsedResolution)
        {
            failures.Add($"{Section}:Lifecycle:DeleteUnusedAfter ({unused}) is shorter than {Section}:Lifecycle:LastUsedResolution ({lifecycle.LastUsedResolution}): a client in use could be deleted before its last use is written. Make it at least as long.");
        }

        if (lifecycle.SweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:Lifecycle:SweepInterval is {lifecycle.SweepInterval}. Set a positive time span such as '01:00:00' (the default).");
        }
    }

    private static void CheckClientLists(List<string> failures, string prefix,
        IEnumerable<string> methods, IEnumerable<string> grantTypes, IEnumerable<string> scopes)
    {
        foreach (var method in methods)
        {
            if (!DynamicClientRegistrationOptions.SupportedTokenEndpointAuthMethods.Contains(method))
            {
                failures.Add($"{prefix}:AllowedTokenEndpointAuthMethods contains '{method}', which this version does not support. Use any of: {string.Join(", ", DynamicClientRegistrationOptions.SupportedTokenEndpointAuthMethods)}.");
            }
        }

        foreach (var grantType in grantTypes)
        {
            if (string.IsNullOrWhiteSpace(grantType) || grantType.Contains(' ', StringComparison.Ordinal))
            {
                failures.Add($"{prefix}:AllowedGrantTypes contains '{grantType}'. Each entry must be one grant type, such as '{ClientMetadataValues.GrantAuthorizationCode}'.");
            }
        }

        foreach (var scope in scopes)
        {
            if (!Validation.ClientMetadataValidator.IsScopeToken(scope))
            {
                failures.Add($"{prefix}:AllowedScopes contains '{scope}', which is not a valid scope value (RFC 6749 §3.3). Remove it or fix its spelling.");
            }
        }
    }

    private static void ValidateClientIdMetadataDocuments(ClientIdMetadataDocumentOptions documents, List<string> failures)
    {
        const string Key = Section + ":ClientIdMetadataDocuments";
        foreach (var host in documents.AllowedHosts)
        {
            var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
            if (string.IsNullOrWhiteSpace(name) || Uri.CheckHostName(name.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                failures.Add($"{Key}:AllowedHosts contains '{host}'. Give a host name ('client.example.com') or a wildcard for its subdomains ('*.example.com'), without scheme, port or path.");
            }
        }

        if (documents.MaxDocumentBytes is < 512 or > 1024 * 1024)
        {
            failures.Add($"{Key}:MaxDocumentBytes is {documents.MaxDocumentBytes}. Set between 512 and 1048576 bytes; the default, {ClientIdMetadataDocumentOptions.DefaultMaxDocumentBytes}, is what the draft recommends.");
        }

        if (documents.MinCacheDuration < TimeSpan.Zero)
        {
            failures.Add($"{Key}:MinCacheDuration is {documents.MinCacheDuration}. Set zero or a positive time span such as '00:05:00' (the default).");
        }

        if (documents.MaxCacheDuration < documents.MinCacheDuration || documents.MaxCacheDuration > TimeSpan.FromDays(30))
        {
            failures.Add($"{Key}:MaxCacheDuration is {documents.MaxCacheDuration}. Set a time span no shorter than {Key}:MinCacheDuration ({documents.MinCacheDuration}) and at most 30 days, such as '1.00:00:00' (the default).");
        }

        if (documents.FetchTimeout <= TimeSpan.Zero || documents.FetchTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Key}:FetchTimeout is {documents.FetchTimeout}. Set a positive time span of at most a minute, such as '00:00:05' (the default); the client's authorization request waits for it.");
        }
    }

    private static bool IsRfcMemberName(string name) =>
        typeof(ClientMetadataNames).GetFields().Any(field => field.IsLiteral && (string?)field.GetRawConstantValue() == name)
        || ClientMetadataValues.UnsupportedMemberNames.Contains(name);
}
