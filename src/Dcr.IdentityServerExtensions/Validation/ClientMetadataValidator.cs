using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Validation;

/// <summary>
/// Checks client metadata for syntax and RFC 7591 consistency and fills in the RFC defaults, in one named step:
/// the output is the metadata exactly as it will be stored, or the first error found.
/// </summary>
internal sealed class ClientMetadataValidator
{
    internal static readonly HashSet<string> ForbiddenSchemes = new(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "vbscript", "data", "file", "blob", "about", "filesystem", "view-source", "ws", "wss", "ftp",
    };

    private static readonly string[] AsymmetricSigningAlgorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

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

        var limits = options.Limits;
        var arrays = CheckArrayLengths(metadata, limits);
        if (arrays is not null)
        {
            return arrays;
        }

        if (usesAuthorizationEndpoint && metadata.RedirectUris.Count == 0)
        {
            return RegistrationError.InvalidRedirectUri("redirect_uris must contain at least one URI for the authorization_code and implicit grants.");
        }

        // RFC 8252 §7.3 and OAuth 2.1 §8.4.2: a public client of the code flow (which must use PKCE) may redirect to an
        // http loopback address, whatever application_type it declares. MCP SDKs register such clients without one.
        var loopbackHttpAllowed = authMethod == ClientMetadataValues.AuthMethodNone
            && grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode)
            && !grantTypes.Contains(ClientMetadataValues.GrantImplicit);

        var redirectUris = new List<string>(metadata.RedirectUris.Count);
        foreach (var redirectUri in metadata.RedirectUris)
        {
            var problem = CheckRedirectUri(redirectUri, applicationType, loopbackHttpAllowed, options, out var normalized);
            if (problem is not null)
            {
                return RegistrationError.InvalidRedirectUri($"redirect_uri '{Truncate(redirectUri)}' is invalid: {problem}");
            }

            redirectUris.Add(normalized);
        }

        var postLogoutRedirectUris = new List<string>(metadata.PostLogoutRedirectUris.Count);
        foreach (var redirectUri in metadata.PostLogoutRedirectUris)
        {
            var problem = CheckRedirectUri(redirectUri, applicationType, loopbackHttpAllowed, options, out var normalized);
            if (problem is not null)
            {
                return RegistrationError.InvalidMetadata($"post_logout_redirect_uri '{Truncate(redirectUri)}' is invalid: {problem}");
            }

            postLogoutRedirectUris.Add(normalized);
        }

        var strings = CheckStrings(metadata, limits.MaxStringLength);
        if (strings is not null)
        {
            return strings;
        }

        var keys = CheckKeys(metadata, authMethod);
        if (keys is not null)
        {
            return keys;
        }

        var openIdConnect = CheckOpenIdConnectMembers(metadata, options);
        if (openIdConnect is not null)
        {
            return openIdConnect;
        }

        var extended = CheckExtendedMetadata(metadata, options);
        if (extended is not null)
        {
            return extended;
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
            RedirectUris = Distinct(redirectUris),
            PostLogoutRedirectUris = Distinct(postLogoutRedirectUris),
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
    /// <paramref name="applicationType"/>, or <see langword="null"/> when it is, with the form to store in
    /// <paramref name="normalized"/>: the URI as sent, except that an internationalized host name becomes its
    /// A-label (punycode) form, which is what browsers send back and what every later exact comparison sees.
    /// </summary>
    /// <param name="value">The redirect URI as registered.</param>
    /// <param name="applicationType"><c>web</c> or <c>native</c>.</param>
    /// <param name="loopbackHttpAllowed">
    /// Whether an http loopback URI is acceptable whatever the application type: for public clients of the
    /// authorization code flow (RFC 8252 §7.3). Native clients may always use one.
    /// </param>
    /// <param name="options">The limits and the private-use schemes allowed without a period.</param>
    /// <param name="normalized">The URI to store when it is acceptable.</param>
    internal static string? CheckRedirectUri(string value, string applicationType, bool loopbackHttpAllowed,
        DynamicClientRegistrationOptions options, out string normalized)
    {
        normalized = value;
        var maxLength = options.Limits.MaxStringLength;
        if (value.Length > maxLength)
        {
            return $"it is longer than {maxLength} characters.";
        }

        if (value.Contains('#', StringComparison.Ordinal))
        {
            return "it must not contain a fragment.";
        }

        if (value.Any(char.IsControl) || value.Contains(' ', StringComparison.Ordinal))
        {
            return "it contains spaces or control characters.";
        }

        var international = NormalizeInternationalHost(value, out normalized);
        if (international is not null)
        {
            return international;
        }

        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
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

        if ((isHttp || isHttps) && !IsValidAsciiHost(uri.Host))
        {
            return "its host is not a valid internationalized domain name.";
        }

        if (isHttp && uri.IsLoopback && (loopbackHttpAllowed || applicationType == ClientMetadataValues.ApplicationTypeNative))
        {
            return null;
        }

        if (applicationType == ClientMetadataValues.ApplicationTypeWeb)
        {
            return isHttps ? null
                : isHttp && uri.IsLoopback
                    ? "http loopback redirect URIs are for public clients (token_endpoint_auth_method 'none') of the authorization_code grant, or native clients."
                    : "web clients must use https redirect URIs (http is accepted only for loopback hosts of public or native clients).";
        }

        // RFC 8252 §7: native apps use a private-use scheme, a claimed https URI, or an http loopback interface.
        if (isHttp)
        {
            return "native clients may use http only with a loopback host (127.0.0.1, [::1] or localhost).";
        }

        // RFC 8252 §7.1: a private-use scheme is a reverse domain name the app's author controls. Schemes without a
        // period belong to browsers and operating systems (chrome:, ms-settings:, jar:, itms-services:) and would hand
        // the code to whatever handles them, so only those the server lists are accepted.
        if (!isHttps && !IsReverseDomainScheme(uri.Scheme)
            && !options.AllowedPrivateUseSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            return $"the '{uri.Scheme}' scheme is not a private-use scheme in reverse-domain form (such as 'com.example.app', RFC 8252 §7.1) and is not in {DynamicClientRegistrationOptions.SectionName}:AllowedPrivateUseSchemes.";
        }

        return null;
    }

    // A scheme such as 'com.example.app': labels separated by periods, none empty.
    internal static bool IsReverseDomainScheme(string scheme) =>
        scheme.Contains('.', StringComparison.Ordinal) && scheme.Split('.').All(label => label.Length > 0);

    /// <summary>
    /// Gives <paramref name="value"/> with an internationalized host name as its A-label (IDNA, UTS #46 with STD3
    /// rules), or why it cannot be: non-ASCII characters anywhere but in an http(s) host (a path must be
    /// percent-encoded), or a host that IDNA refuses. An ASCII URI is returned as it is.
    /// </summary>
    private static string? NormalizeInternationalHost(string value, out string normalized)
    {
        normalized = value;
        if (value.All(char.IsAscii))
        {
            return null;
        }

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0 || !(value.AsSpan(0, schemeEnd).Equals(Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
            || value.AsSpan(0, schemeEnd).Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase)))
        {
            return "it contains non-ASCII characters; only an http or https host name may be internationalized.";
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = value.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = value.Length;
        }

        if (!value.AsSpan(authorityEnd).ToString().All(char.IsAscii))
        {
            return "it contains non-ASCII characters in its path or query; percent-encode them.";
        }

        var authority = value[authorityStart..authorityEnd];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return "it must not contain user information.";
        }

        var portStart = authority.LastIndexOf(':');
        var host = portStart < 0 ? authority : authority[..portStart];
        var port = portStart < 0 ? string.Empty : authority[portStart..];
        string asciiHost;
        try
        {
            asciiHost = StrictIdn.GetAscii(host);
        }
        catch (ArgumentException)
        {
            return "its host is not a valid internationalized domain name.";
        }

        if (!port.All(char.IsAscii))
        {
            return "its port is not a number.";
        }

        normalized = string.Concat(value.AsSpan(0, authorityStart), asciiHost.ToLowerInvariant(), port, value.AsSpan(authorityEnd));
        return null;
    }

    // An A-label (xn--) must decode, or the host is not what it claims to be; other ASCII hosts are left to Uri.
    private static bool IsValidAsciiHost(string host)
    {
        if (!host.Contains("xn--", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            StrictIdn.GetUnicode(host);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static readonly System.Globalization.IdnMapping StrictIdn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

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

    private static RegistrationError? CheckArrayLengths(ClientMetadata metadata, RegistrationLimitOptions limits)
    {
        (string Name, int Count, int Limit)[] arrays =
        [
            (ClientMetadataNames.RedirectUris, metadata.RedirectUris.Count, limits.MaxRedirectUris),
            (ClientMetadataNames.PostLogoutRedirectUris, metadata.PostLogoutRedirectUris.Count, limits.MaxArrayLength),
            (ClientMetadataNames.Contacts, metadata.Contacts.Count, limits.MaxContacts),
            (ClientMetadataNames.GrantTypes, metadata.GrantTypes?.Count ?? 0, limits.MaxArrayLength),
            (ClientMetadataNames.ResponseTypes, metadata.ResponseTypes?.Count ?? 0, limits.MaxArrayLength),
        ];

        foreach (var (name, count, limit) in arrays)
        {
            if (count > limit)
            {
                return RegistrationError.InvalidMetadata($"{name} has {count} entries; at most {limit} are accepted.");
            }
        }

        return null;
    }

    private static RegistrationError? CheckStrings(ClientMetadata metadata, int maxLength)
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
            if (value is not null && (value.Length > maxLength || value.Any(char.IsControl)))
            {
                return RegistrationError.InvalidMetadata($"{name} must be at most {maxLength} characters without control characters.");
            }
        }

        foreach (var contact in metadata.Contacts)
        {
            if (contact.Length == 0 || contact.Length > maxLength || contact.Any(char.IsControl))
            {
                return RegistrationError.InvalidMetadata($"contacts entries must be non-empty, at most {maxLength} characters, without control characters.");
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
            if (value.Length > maxLength || value.Any(char.IsControl)
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

    private static RegistrationError? CheckKeys(ClientMetadata metadata, string authMethod)
    {
        if (metadata.Jwks is { } jwks)
        {
            // RFC 7591 §2: jwks and jwks_uri MUST NOT both be present.
            if (metadata.JwksUri is not null)
            {
                return RegistrationError.InvalidMetadata("jwks and jwks_uri must not both be present.");
            }

            var text = jwks.GetRawText();
            if (!jwks.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array || keys.GetArrayLength() == 0)
            {
                return RegistrationError.InvalidMetadata("jwks must be a JSON Web Key Set with a non-empty 'keys' array.");
            }

            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
                {
                    return RegistrationError.InvalidMetadata("every key in jwks must be a JSON object with a 'kty' member.");
                }

                // A private or symmetric key has no place in a client's public key set; storing one would leak it.
                if (key.TryGetProperty("d", out _) || key.TryGetProperty("k", out _))
                {
                    return RegistrationError.InvalidMetadata("jwks must contain public keys only.");
                }
            }

            if (!PublicJsonWebKeys.TryRead(text, out _))
            {
                return RegistrationError.InvalidMetadata("jwks must contain at least one well-formed RSA or EC public key.");
            }
        }

        if (authMethod == ClientMetadataValues.AuthMethodPrivateKeyJwt)
        {
            // The keys behind a jwks_uri are fetched when the client authenticates (checked for https above): a
            // client may publish them after registering, and rotates them there without updating its registration.
            if (metadata.Jwks is null && metadata.JwksUri is null)
            {
                return RegistrationError.InvalidMetadata("private_key_jwt requires the client's public keys, inline in jwks or at an https jwks_uri.");
            }
        }

        if (metadata.TokenEndpointAuthSigningAlg is { } algorithm)
        {
            if (authMethod != ClientMetadataValues.AuthMethodPrivateKeyJwt)
            {
                return RegistrationError.InvalidMetadata("token_endpoint_auth_signing_alg applies to private_key_jwt only.");
            }

            if (!AsymmetricSigningAlgorithms.Contains(algorithm))
            {
                return RegistrationError.InvalidMetadata($"token_endpoint_auth_signing_alg must be one of {string.Join(", ", AsymmetricSigningAlgorithms)}.");
            }
        }

        return null;
    }

    private static RegistrationError? CheckOpenIdConnectMembers(ClientMetadata metadata, DynamicClientRegistrationOptions options)
    {
        if (metadata.IdTokenSignedResponseAlg is { } idTokenAlgorithm && !options.SupportedIdTokenSigningAlgorithms.Contains(idTokenAlgorithm))
        {
            return RegistrationError.InvalidMetadata($"id_token_signed_response_alg '{Truncate(idTokenAlgorithm)}' is not supported. Supported: {string.Join(", ", options.SupportedIdTokenSigningAlgorithms)}.");
        }

        if (metadata.RequestObjectSigningAlg is { } requestAlgorithm && !options.SupportedRequestObjectSigningAlgorithms.Contains(requestAlgorithm))
        {
            return RegistrationError.InvalidMetadata(options.SupportedRequestObjectSigningAlgorithms.Count == 0
                ? "request_object_signing_alg is not supported: this server does not accept request objects."
                : $"request_object_signing_alg '{Truncate(requestAlgorithm)}' is not supported. Supported: {string.Join(", ", options.SupportedRequestObjectSigningAlgorithms)}.");
        }

        var subjectTypes = options.SupportedSubjectTypes.Count > 0 ? options.SupportedSubjectTypes : ["public"];
        if (metadata.SubjectType is { } subjectType && !subjectTypes.Contains(subjectType))
        {
            return RegistrationError.InvalidMetadata($"subject_type '{Truncate(subjectType)}' is not supported. Supported: {string.Join(", ", subjectTypes)}.");
        }

        return null;
    }

    private static RegistrationError? CheckExtendedMetadata(ClientMetadata metadata, DynamicClientRegistrationOptions options)
    {
        foreach (var (name, value) in metadata.ExtendedMetadata)
        {
            if (!options.ExtendedMetadata.TryGetValue(name, out var definition))
            {
                return RegistrationError.InvalidMetadata($"'{Truncate(name)}' is not a metadata member this server accepts.");
            }

            if (value.GetRawText().Length > options.Limits.MaxStringLength * 4)
            {
                return RegistrationError.InvalidMetadata($"'{name}' is too large.");
            }

            var valid = definition.MultiValued
                ? value.ValueKind == JsonValueKind.Array && value.GetArrayLength() <= options.Limits.MaxArrayLength
                    && value.EnumerateArray().All(item => HasType(item, definition.Type))
                : value.ValueKind != JsonValueKind.Array && HasType(value, definition.Type);
            if (!valid)
            {
                var type = definition.Type switch
                {
                    ExtendedMetadataType.String => "string",
                    ExtendedMetadataType.Number => "number",
                    ExtendedMetadataType.Boolean => "boolean",
                    ExtendedMetadataType.Object => "JSON object",
                    _ => "non-null JSON",
                };
                return RegistrationError.InvalidMetadata(definition.MultiValued
                    ? $"'{name}' must be an array of at most {options.Limits.MaxArrayLength} {type} values."
                    : $"'{name}' must be a single {type}.");
            }
        }

        return null;

        static bool HasType(JsonElement value, ExtendedMetadataType type) => type switch
        {
            ExtendedMetadataType.String => value.ValueKind == JsonValueKind.String,
            ExtendedMetadataType.Number => value.ValueKind == JsonValueKind.Number,
            ExtendedMetadataType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ExtendedMetadataType.Object => value.ValueKind == JsonValueKind.Object,
            _ => value.ValueKind != JsonValueKind.Null,
        };
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
