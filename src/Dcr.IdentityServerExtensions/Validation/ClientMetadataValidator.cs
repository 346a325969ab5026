using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

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
            return Errors.ApplicationTypeInvalid();
        }

        var authMethod = metadata.TokenEndpointAuthMethod ?? ClientMetadataValues.AuthMethodClientSecretBasic;
        if (!options.EffectiveTokenEndpointAuthMethods.Contains(authMethod))
        {
            return Errors.TokenEndpointAuthMethodNotAllowed(authMethod, options.EffectiveTokenEndpointAuthMethods);
        }

        var grantTypes = Distinct(metadata.GrantTypes ?? [ClientMetadataValues.GrantAuthorizationCode]);
        if (grantTypes.Count == 0)
        {
            return Errors.GrantTypesEmpty();
        }

        var allowedGrantTypes = options.EffectiveGrantTypes;
        foreach (var grantType in grantTypes)
        {
            if (!allowedGrantTypes.Contains(grantType))
            {
                return Errors.GrantTypeNotAllowed(grantType, allowedGrantTypes);
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
            return Errors.PublicClientCannotUseClientCredentials();
        }

        var limits = options.Limits;
        var arrays = CheckArrayLengths(metadata, limits);
        if (arrays is not null)
        {
            return arrays;
        }

        if (usesAuthorizationEndpoint && metadata.RedirectUris.Count == 0)
        {
            return Errors.RedirectUrisRequired();
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
                return Errors.RedirectUriInvalid(redirectUri, problem);
            }

            redirectUris.Add(normalized);
        }

        var postLogoutRedirectUris = new List<string>(metadata.PostLogoutRedirectUris.Count);
        foreach (var redirectUri in metadata.PostLogoutRedirectUris)
        {
            var problem = CheckRedirectUri(redirectUri, applicationType, loopbackHttpAllowed, options, out var normalized);
            if (problem is not null)
            {
                return Errors.PostLogoutRedirectUriInvalid(redirectUri, problem);
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
            return Errors.RedirectUriTooLong(maxLength);
        }

        if (value.Contains('#', StringComparison.Ordinal))
        {
            return Errors.RedirectUriHasFragment();
        }

        if (value.Any(char.IsControl) || value.Contains(' ', StringComparison.Ordinal))
        {
            return Errors.RedirectUriHasSpacesOrControlCharacters();
        }

        var international = NormalizeInternationalHost(value, out normalized);
        if (international is not null)
        {
            return international;
        }

        // On Unix, Uri reads a rooted path ("/cb") as an implicit file URI; an absolute redirect URI names its scheme.
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri)
            || !normalized.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            return Errors.RedirectUriNotAbsolute();
        }

        if (ForbiddenSchemes.Contains(uri.Scheme))
        {
            return Errors.RedirectUriForbiddenScheme(uri.Scheme);
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return Errors.RedirectUriHasUserInformation();
        }

        // An http or https URI without a host does not parse as absolute: it was refused just above.
        var isHttp = uri.Scheme == Uri.UriSchemeHttp;
        var isHttps = uri.Scheme == Uri.UriSchemeHttps;
        if ((isHttp || isHttps) && !IsValidAsciiHost(uri.Host))
        {
            return Errors.RedirectUriHostNotValidIdn();
        }

        if (isHttp && uri.IsLoopback && (loopbackHttpAllowed || applicationType == ClientMetadataValues.ApplicationTypeNative))
        {
            return null;
        }

        if (applicationType == ClientMetadataValues.ApplicationTypeWeb)
        {
            return isHttps ? null
                : isHttp && uri.IsLoopback
                    ? Errors.RedirectUriLoopbackNotForThisClient()
                    : Errors.RedirectUriWebNotHttps();
        }

        // RFC 8252 §7: native apps use a private-use scheme, a claimed https URI, or an http loopback interface.
        if (isHttp)
        {
            return Errors.RedirectUriNativeHttpNotLoopback();
        }

        // RFC 8252 §7.1: a private-use scheme is a reverse domain name the app's author controls. Schemes without a
        // period belong to browsers and operating systems (chrome:, ms-settings:, jar:, itms-services:) and would hand
        // the code to whatever handles them, so only those the server lists are accepted.
        if (!isHttps && !IsReverseDomainScheme(uri.Scheme)
            && !options.AllowedPrivateUseSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            return Errors.RedirectUriSchemeNotPrivateUse(uri.Scheme);
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
            return Errors.RedirectUriNonAsciiOutsideHost();
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = value.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = value.Length;
        }

        if (!value.AsSpan(authorityEnd).ToString().All(char.IsAscii))
        {
            return Errors.RedirectUriNonAsciiPathOrQuery();
        }

        var authority = value[authorityStart..authorityEnd];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return Errors.RedirectUriHasUserInformation();
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
            return Errors.RedirectUriHostNotValidIdn();
        }

        if (!port.All(char.IsAscii))
        {
            return Errors.RedirectUriPortNotNumber();
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
                return Errors.ResponseTypeEmpty();
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
                        return Errors.ResponseTypeUnsupported(responseType);
                }
            }
        }

        // RFC 7591 §2.1: the grant types and response types must agree.
        if (needsCode && !grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode))
        {
            return Errors.CodeResponseTypeNeedsAuthorizationCodeGrant();
        }

        if (needsImplicit && !grantTypes.Contains(ClientMetadataValues.GrantImplicit))
        {
            return Errors.ImplicitResponseTypesNeedImplicitGrant();
        }

        if (grantTypes.Contains(ClientMetadataValues.GrantAuthorizationCode) && !needsCode)
        {
            return Errors.AuthorizationCodeGrantNeedsCodeResponseType();
        }

        if (grantTypes.Contains(ClientMetadataValues.GrantImplicit) && !needsImplicit)
        {
            return Errors.ImplicitGrantNeedsImplicitResponseType();
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
                return Errors.TooManyEntries(name, count, limit);
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
                return Errors.TextInvalid(name, maxLength);
            }
        }

        foreach (var contact in metadata.Contacts)
        {
            if (contact.Length == 0 || contact.Length > maxLength || contact.Any(char.IsControl))
            {
                return Errors.ContactInvalid(maxLength);
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
                return httpsOnly ? Errors.JwksUriNotHttps() : Errors.WebUriInvalid(name);
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
                return Errors.JwksAndJwksUri();
            }

            var text = jwks.GetRawText();
            if (!jwks.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array || keys.GetArrayLength() == 0)
            {
                return Errors.JwksWithoutKeys();
            }

            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
                {
                    return Errors.JwksKeyWithoutType();
                }

                // A private or symmetric key has no place in a client's public key set; storing one would leak it.
                if (key.TryGetProperty("d", out _) || key.TryGetProperty("k", out _))
                {
                    return Errors.JwksNotPublic();
                }
            }

            if (!PublicJsonWebKeys.TryRead(text, out _))
            {
                return Errors.JwksKeyNotUsable();
            }
        }

        if (authMethod == ClientMetadataValues.AuthMethodPrivateKeyJwt)
        {
            // The keys behind a jwks_uri are fetched when the client authenticates (checked for https above): a
            // client may publish them after registering, and rotates them there without updating its registration.
            if (metadata.Jwks is null && metadata.JwksUri is null)
            {
                return Errors.PrivateKeyJwtWithoutKeys();
            }
        }

        if (metadata.TokenEndpointAuthSigningAlg is { } algorithm)
        {
            if (authMethod != ClientMetadataValues.AuthMethodPrivateKeyJwt)
            {
                return Errors.SigningAlgorithmWithoutPrivateKeyJwt();
            }

            if (!AsymmetricSigningAlgorithms.Contains(algorithm))
            {
                return Errors.SigningAlgorithmUnsupported(AsymmetricSigningAlgorithms);
            }
        }

        return null;
    }

    private static RegistrationError? CheckOpenIdConnectMembers(ClientMetadata metadata, DynamicClientRegistrationOptions options)
    {
        if (metadata.IdTokenSignedResponseAlg is { } idTokenAlgorithm && !options.SupportedIdTokenSigningAlgorithms.Contains(idTokenAlgorithm))
        {
            return Errors.IdTokenSigningAlgorithmUnsupported(idTokenAlgorithm, options.SupportedIdTokenSigningAlgorithms);
        }

        if (metadata.RequestObjectSigningAlg is { } requestAlgorithm && !options.SupportedRequestObjectSigningAlgorithms.Contains(requestAlgorithm))
        {
            return options.SupportedRequestObjectSigningAlgorithms.Count == 0
                ? Errors.RequestObjectsNotSupported()
                : Errors.RequestObjectSigningAlgorithmUnsupported(requestAlgorithm, options.SupportedRequestObjectSigningAlgorithms);
        }

        var subjectTypes = options.SupportedSubjectTypes.Count > 0 ? options.SupportedSubjectTypes : ["public"];
        if (metadata.SubjectType is { } subjectType && !subjectTypes.Contains(subjectType))
        {
            return Errors.SubjectTypeUnsupported(subjectType, subjectTypes);
        }

        return null;
    }

    private static RegistrationError? CheckExtendedMetadata(ClientMetadata metadata, DynamicClientRegistrationOptions options)
    {
        foreach (var (name, value) in metadata.ExtendedMetadata)
        {
            if (!options.ExtendedMetadata.TryGetValue(name, out var definition))
            {
                return Errors.ExtendedMemberNotAccepted(name);
            }

            if (value.GetRawText().Length > options.Limits.MaxStringLength * 4)
            {
                return Errors.ExtendedMemberTooLarge(name);
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
                return definition.MultiValued
                    ? Errors.ExtendedMemberNotArrayOf(name, options.Limits.MaxArrayLength, type)
                    : Errors.ExtendedMemberNotSingle(name, type);
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
                return Errors.ScopeNotScopeTokens();
            }

            if (!options.AllowedScopes.Contains(value))
            {
                return Errors.ScopeNotAllowed(value);
            }
        }

        return string.Join(' ', values);
    }

    private static List<string> Distinct(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).ToList();
}
