using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Validation;

/// <summary>
/// Checks client metadata for syntax and RFC 7591 consistency and fills in the RFC defaults, in one named step:
/// the output is the metadata exactly as it will be stored, or the first error found.
/// </summary>
public sealed class ClientMetadataValidator
{
    /// <summary>The longest string member accepted (client names, URIs, contacts, software ids).</summary>
    public const int MaxStringLength = 2048;

    /// <summary>The most entries accepted in any array member.</summary>
    public const int MaxArrayLength = 64;

    private static readonly HashSet<string> ForbiddenSchemes = new(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "vbscript", "data", "file", "blob", "about", "filesystem", "view-source", "ws", "wss", "ftp",
    };

    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;

    /// <summary>Creates the validator.</summary>
    public ClientMetadataValidator(IOptionsMonitor<DynamicClientRegistrationOptions> options)
    {
        _options = options;
    }

    /// <summary>Validates <paramref name="metadata"/> and returns it normalized, or the first error found.</summary>
    public RegistrationResult<ClientMetadata> Validate(ClientMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var options = _options.CurrentValue;

        var applicationType = metadata.ApplicationType ?? ClientMetadataValues.ApplicationTypeWeb;
        if (applicationType is not (ClientMetadataValues.ApplicationTypeWeb or ClientMetadataValues.ApplicationTypeNative))
        {
            return RegistrationError.InvalidMetadata($"application_type must be '{ClientMetadataValues.ApplicationTypeWeb}' or '{ClientMetadataValues.ApplicationTypeNative}'.");
        }

        var authMethod = metadata.TokenEndpointAuthMethod ?? ClientMetadataValues.AuthMethodClientSecretBasic;
        if (!options.EffectiveTokenEndpointAuthMethods.Contains(authMethod))
        {
            return RegistrationError.InvalidMetadata($"token_endpoint_auth_method '{Truncate(authMethod)}' is not allowed. Allowed: {string.Join(", ", options.EffectiveTokenEndpointAuthMethods)}.");
        }

        var grantTypes = Distinct(metadata.GrantTypes ?? [ClientMetadataValues.GrantAuthorizationCode]);
        if (grantTypes.Count == 0)
        {
            return RegistrationError.InvalidMetadata("grant_types must not be empty.");
        }

        var allowedGrantTypes = options.EffectiveGrantTypes;
        foreach (var grantType in grantTypes)
        {
            if (!allowedGrantTypes.Contains(grantType))
            {
                return RegistrationError.InvalidMetadata($"grant_type '{Truncate(grantType)}' is not allowed. Allowed: {string.Join(", ", allowedGrantTypes)}.");
            }
        }

        var usesAuthorizationEndpoint = grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode)
            || grantTypes.Contains(ClientMetadataValues.GrantImplicit);

        // RFC 7591 §2 defaults response_types to ["code"]; a client that registers no authorization-endpoint grant
        // has no use for a response type, so the default only applies where it is consistent.
        var responseTypes = Distinct(metadata.ResponseTypes
            ?? (grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode) ? [ClientMetadataValues.ResponseTypeCode] : []));

        var consistency = CheckGrantAndResponseTypes(grantTypes, responseTypes);
        if (consistency is not null)
        {
            return consistency;
        }

        if (authMethod == ClientMetadataValues.AuthMethodNone && grantTypes.Contains(ClientMetadataValues.GrantClientCredentials))
        {
            return RegistrationError.InvalidMetadata("A public client (token_endpoint_auth_method 'none') cannot use the client_credentials grant.");
        }

        var arrays = CheckArrayLengths(metadata);
        if (arrays is not null)
        {
            return arrays;
        }

        if (usesAuthorizationEndpoint && metadata.RedirectUris.Count == 0)
        {
            return RegistrationError.InvalidRedirectUri("redirect_uris must contain at least one URI for the authorization_code and implicit grants.");
        }

        foreach (var redirectUri in metadata.RedirectUris)
        {
            var problem = CheckRedirectUri(redirectUri, applicationType);
            if (problem is not null)
            {
                return RegistrationError.InvalidRedirectUri($"redirect_uri '{Truncate(redirectUri)}' is invalid: {problem}");
            }
        }

        foreach (var redirectUri in metadata.PostLogoutRedirectUris)
        {
            var problem = CheckRedirectUri(redirectUri, applicationType);
            if (problem is not null)
            {
                return RegistrationError.InvalidMetadata($"post_logout_redirect_uri '{Truncate(redirectUri)}' is invalid: {problem}");
            }
        }

        var strings = CheckStrings(metadata);
        if (strings is not null)
        {
            return strings;
        }

        var keys = CheckKeys(metadata);
        if (keys is not null)
        {
            return keys;
        }

        var scopes = NormalizeScope(metadata.Scope, options);
        if (!scopes.Succeeded)
        {
            return scopes.Error;
        }

        return metadata with
        {
            ApplicationType = applicationType,
            TokenEndpointAuthMethod = authMethod,
            GrantTypes = grantTypes,
            ResponseTypes = responseTypes,
            Scope = scopes.Value.Length == 0 ? null : scopes.Value,
            RedirectUris = Distinct(metadata.RedirectUris),
            PostLogoutRedirectUris = Distinct(metadata.PostLogoutRedirectUris),
            Contacts = Distinct(metadata.Contacts),
        };
    }

    /// <summary>Whether <paramref name="value"/> is a scope-token of RFC 6749 §3.3.</summary>
    public static bool IsScopeToken(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (var character in value)
        {
            if (character is not ('\x21' or (>= '\x23' and <= '\x5B') or (>= '\x5D' and <= '\x7E')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Returns why <paramref name="value"/> is not an acceptable redirect URI for a client of
    /// <paramref name="applicationType"/>, or <see langword="null"/> when it is.
    /// </summary>
    public static string? CheckRedirectUri(string value, string applicationType)
    {
        if (value.Length > MaxStringLength)
        {
            return $"it is longer than {MaxStringLength} characters.";
        }

        if (value.Contains('#', StringComparison.Ordinal))
        {
            return "it must not contain a fragment.";
        }

        if (value.Any(char.IsControl) || value.Contains(' ', StringComparison.Ordinal))
        {
            return "it contains spaces or control characters.";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return "it is not an absolute URI.";
        }

        if (ForbiddenSchemes.Contains(uri.Scheme))
        {
            return $"the '{uri.Scheme}' scheme is not allowed.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "it must not contain user information.";
        }

        var isHttp = uri.Scheme == Uri.UriSchemeHttp;
        var isHttps = uri.Scheme == Uri.UriSchemeHttps;
        if ((isHttp || isHttps) && string.IsNullOrEmpty(uri.Host))
        {
            return "it has no host.";
        }

        if (applicationType == ClientMetadataValues.ApplicationTypeWeb)
        {
            return isHttps ? null : "web clients must use https redirect URIs (register application_type 'native' for loopback or private-use scheme URIs).";
        }

        // RFC 8252 §7: native apps use a private-use scheme, a claimed https URI, or an http loopback interface.
        if (isHttp)
        {
            return uri.IsLoopback ? null : "native clients may use http only with a loopback host (127.0.0.1, [::1] or localhost).";
        }

        return null;
    }

    private static RegistrationError? CheckGrantAndResponseTypes(IReadOnlyList<string> grantTypes, IReadOnlyList<string> responseTypes)
    {
        var needsCode = false;
        var needsImplicit = false;
        foreach (var responseType in responseTypes)
        {
            var components = responseType.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (components.Length == 0)
            {
                return RegistrationError.InvalidMetadata("response_types must not contain an empty value.");
            }

            foreach (var component in components)
            {
                switch (component)
                {
                    case ClientMetadataValues.ResponseTypeCode:
                        needsCode = true;
                        break;
                    case ClientMetadataValues.ResponseTypeToken or ClientMetadataValues.ResponseTypeIdToken:
                        needsImplicit = true;
                        break;
                    default:
                        return RegistrationError.InvalidMetadata($"response_type '{Truncate(responseType)}' is not supported.");
                }
            }
        }

        // RFC 7591 §2.1: the grant types and response types must agree.
        if (needsCode && !grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode))
        {
            return RegistrationError.InvalidMetadata("response_type 'code' requires the authorization_code grant type.");
        }

        if (needsImplicit && !grantTypes.Contains(ClientMetadataValues.GrantImplicit))
        {
            return RegistrationError.InvalidMetadata("response_types 'token' and 'id_token' require the implicit grant type.");
        }

        if (grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode) && !needsCode)
        {
            return RegistrationError.InvalidMetadata("the authorization_code grant type requires the 'code' response type.");
        }

        if (grantTypes.Contains(ClientMetadataValues.GrantImplicit) && !needsImplicit)
        {
            return RegistrationError.InvalidMetadata("the implicit grant type requires a 'token' or 'id_token' response type.");
        }

        return null;
    }

    private static RegistrationError? CheckArrayLengths(ClientMetadata metadata)
    {
        (string Name, int Count)[] arrays =
        [
            (ClientMetadataNames.RedirectUris, metadata.RedirectUris.Count),
            (ClientMetadataNames.PostLogoutRedirectUris, metadata.PostLogoutRedirectUris.Count),
            (ClientMetadataNames.Contacts, metadata.Contacts.Count),
            (ClientMetadataNames.GrantTypes, metadata.GrantTypes?.Count ?? 0),
            (ClientMetadataNames.ResponseTypes, metadata.ResponseTypes?.Count ?? 0),
        ];

        foreach (var (name, count) in arrays)
        {
            if (count > MaxArrayLength)
            {
                return RegistrationError.InvalidMetadata($"{name} has {count} entries; at most {MaxArrayLength} are accepted.");
            }
        }

        return null;
    }

    private static RegistrationError? CheckStrings(ClientMetadata metadata)
    {
        (string Name, string? Value)[] texts =
        [
            (ClientMetadataNames.ClientName, metadata.ClientName),
            (ClientMetadataNames.SoftwareId, metadata.SoftwareId),
            (ClientMetadataNames.SoftwareVersion, metadata.SoftwareVersion),
            (ClientMetadataNames.Scope, metadata.Scope),
        ];

        foreach (var (name, value) in texts)
        {
            if (value is not null && (value.Length > MaxStringLength || value.Any(char.IsControl)))
            {
                return RegistrationError.InvalidMetadata($"{name} must be at most {MaxStringLength} characters without control characters.");
            }
        }

        foreach (var contact in metadata.Contacts)
        {
            if (contact.Length == 0 || contact.Length > MaxStringLength || contact.Any(char.IsControl))
            {
                return RegistrationError.InvalidMetadata($"contacts entries must be non-empty, at most {MaxStringLength} characters, without control characters.");
            }
        }

        (string Name, string? Value)[] webUris =
        [
            (ClientMetadataNames.ClientUri, metadata.ClientUri),
            (ClientMetadataNames.LogoUri, metadata.LogoUri),
            (ClientMetadataNames.TosUri, metadata.TosUri),
            (ClientMetadataNames.PolicyUri, metadata.PolicyUri),
            (ClientMetadataNames.JwksUri, metadata.JwksUri),
        ];

        foreach (var (name, value) in webUris)
        {
            if (value is null)
            {
                continue;
            }

            var httpsOnly = name == ClientMetadataNames.JwksUri;
            if (value.Length > MaxStringLength || value.Any(char.IsControl)
                || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
                || !(uri.Scheme == Uri.UriSchemeHttps || (!httpsOnly && uri.Scheme == Uri.UriSchemeHttp))
                || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                return RegistrationError.InvalidMetadata(httpsOnly
                    ? $"{name} must be an absolute https URI."
                    : $"{name} must be an absolute http or https URI.");
            }
        }

        return null;
    }

    private static RegistrationError? CheckKeys(ClientMetadata metadata)
    {
        if (metadata.Jwks is null)
        {
            return null;
        }

        // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
        if (metadata.JwksUri is not null)
        {
            return RegistrationError.InvalidMetadata("jwks and jwks_uri must not both be present.");
        }

        var jwks = metadata.Jwks.Value;
        if (!jwks.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array || keys.GetArrayLength() == 0)
        {
            return RegistrationError.InvalidMetadata("jwks must be a JSON Web Key Set with a non-empty 'keys' array.");
        }

        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("kty", out var kty)
                || kty.ValueKind != JsonValueKind.String)
            {
                return RegistrationError.InvalidMetadata("every key in jwks must be a JSON object with a 'kty' member.");
            }

            // A private key has no place in a client's public key set; storing one would leak it.
            if (key.TryGetProperty("d", out _) || key.TryGetProperty("k", out _))
            {
                return RegistrationError.InvalidMetadata("jwks must contain public keys only.");
            }
        }

        return null;
    }

    private static RegistrationResult<string> NormalizeScope(string? scope, DynamicClientRegistrationOptions options)
    {
        if (scope is null)
        {
            return string.Empty;
        }

        var values = Distinct(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var value in values)
        {
            if (!IsScopeToken(value))
            {
                return RegistrationError.InvalidMetadata("scope must be a space-separated list of scope values (RFC 6749 §3.3).");
            }

            if (!options.AllowedScopes.Contains(value))
            {
                return RegistrationError.InvalidMetadata($"scope '{Truncate(value)}' is not allowed.");
            }
        }

        return string.Join(' ', values);
    }

    private static List<string> Distinct(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).ToList();

    // Descriptions echo client input; bound it so an error body never becomes a large reflection of the request.
    private static string Truncate(string value) => value.Length <= 100 ? value : string.Concat(value.AsSpan(0, 100), "…");
}
