using Dcr.IdentityServerExtensions.Services;
using static Dcr.IdentityServerExtensions.Protocol.RegistrationErrorCodes;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// Every <c>error_description</c> this product gives a client, each under a stable id, in one place (as OpenIddict keeps
/// its <c>IDxxxx</c> texts in <c>OpenIddictResources</c>). The id ends the description on the wire, in parentheses after
/// one space: <c>"web clients must use https redirect URIs (…). (DCR2112)"</c>, so that clients, logs and tests can tell
/// one rule from another whatever the wording. <c>docs/errors.md</c> lists every id.
/// </summary>
/// <remarks>
/// <para>
/// Ranges: 2000 the request (media type, size, JSON); 2100 redirect URIs; 2200 other client metadata; 2300 keys; 2400
/// software statements; 2500 the built-in policies; 2600 tokens and the management endpoint; 2700 the server and its
/// store; 2800 Client ID Metadata Documents; 2900 the OpenIddict adapter's answers at OpenIddict's own endpoints; 3000 the operators' admin API. The 2
/// follows OpenIddict, whose <c>ID2xxx</c> texts are the client-facing ones.
/// </para>
/// <para>
/// An id names one rule, never a wording: a text may be improved under the same id, a rule that goes away takes its id
/// with it, and a new rule takes a new id. Ids are never reused or renumbered. Some texts are parts that a larger
/// description quotes ("redirect_uri '…' is invalid: " and a redirect URI problem; a refused metadata document and the
/// registration error it failed with): the description then ends with the id of the part, the rule that failed, and
/// still carries exactly one id.
/// </para>
/// </remarks>
internal static class RegistrationErrorDescriptions
{
    /// <summary>How many characters of a value from the client a description quotes, at most.</summary>
    internal const int MaxQuotedLength = 100;

    /// <summary>Ends <paramref name="text"/> with <paramref name="id"/>, as every description on the wire ends.</summary>
    internal static string Describe(string id, string text) => string.Concat(text, " (", id, ")");

    /// <summary>
    /// Bounds a value from the client, so that an error body never becomes a large reflection of the request, without
    /// splitting a surrogate pair (a lone surrogate cannot be written as JSON).
    /// </summary>
    internal static string Quote(string value)
    {
        if (value.Length <= MaxQuotedLength)
        {
            return value;
        }

        var length = char.IsHighSurrogate(value[MaxQuotedLength - 1]) ? MaxQuotedLength - 1 : MaxQuotedLength;
        return string.Concat(value.AsSpan(0, length), "…");
    }

    private static string List(IEnumerable<string> values) => string.Join(", ", values);

    private static RegistrationError Metadata(string id, string text) => new(InvalidClientMetadata, Describe(id, text));

    // ---- DCR2000–2099: the request --------------------------------------------------------------------------------

    /// <summary>DCR2000 (415 <c>invalid_request</c>): the body is not sent as <c>application/json</c> (UTF-8).</summary>
    public static RegistrationError UnsupportedContentType() =>
        new(InvalidRequest, Describe("DCR2000", "The request body must be sent with Content-Type: application/json."), 415);

    /// <summary>DCR2001 (413 <c>invalid_request</c>): the body is larger than <c>MaxRequestBodySize</c>.</summary>
    public static RegistrationError RequestBodyTooLarge(int maxBytes) =>
        new(InvalidRequest, Describe("DCR2001", $"The request body exceeds {maxBytes} bytes."), 413);

    /// <summary>DCR2002: the body is not valid UTF-8. For the JSON reader (<c>ClientMetadataJson</c>).</summary>
    public static RegistrationError RequestBodyNotUtf8() =>
        Metadata("DCR2002", "The request body is not valid UTF-8.");

    /// <summary>
    /// DCR2003: the body is not well-formed JSON, nests deeper than the reader allows, or repeats a member name in one
    /// object (the reader refuses duplicates without naming them). DCR2004, a duplicate named apart, was folded into it.
    /// </summary>
    public static RegistrationError RequestBodyNotWellFormedJson() =>
        Metadata("DCR2003", "The request body is not a well-formed JSON document without duplicate member names.");

    /// <summary>DCR2005: a string escape decodes to invalid UTF-16 (a lone surrogate). For the JSON reader.</summary>
    public static RegistrationError StringNotValidUnicode() =>
        Metadata("DCR2005", "The request body contains a string that is not valid Unicode.");

    /// <summary>DCR2006: the body is JSON but not an object. For the JSON reader.</summary>
    public static RegistrationError RequestBodyNotObject() =>
        Metadata("DCR2006", "The request body must be a JSON object of client metadata.");

    /// <summary>DCR2007: a member that must be a string is not. For the JSON reader.</summary>
    public static RegistrationError MemberNotString(string name) =>
        Metadata("DCR2007", $"The '{name}' member must be a string.");

    /// <summary>DCR2008: a member that must be a non-negative integer is not. For the JSON reader.</summary>
    public static RegistrationError MemberNotNonNegativeInteger(string name) =>
        Metadata("DCR2008", $"The '{name}' member must be a non-negative integer.");

    /// <summary>DCR2009: a member that must be a boolean is not. For the JSON reader.</summary>
    public static RegistrationError MemberNotBoolean(string name) =>
        Metadata("DCR2009", $"The '{name}' member must be a boolean.");

    /// <summary>DCR2010: a member that must be an array of strings is not. For the JSON reader.</summary>
    public static RegistrationError MemberNotStringArray(string name) =>
        Metadata("DCR2010", $"The '{name}' member must be an array of strings.");

    /// <summary>DCR2011: a member that must be a JSON object is not. For the JSON reader.</summary>
    public static RegistrationError MemberNotObject(string name) =>
        Metadata("DCR2011", $"The '{name}' member must be a JSON object.");

    /// <summary>DCR2012: the request asks for metadata this server cannot honour (rather than dropping it silently).</summary>
    public static RegistrationError UnsupportedMembers(IReadOnlyCollection<string> names) =>
        Metadata("DCR2012", $"This server does not support {List(names)}; register without {(names.Count == 1 ? "it" : "them")}.");

    // ---- DCR2100–2199: redirect URIs ------------------------------------------------------------------------------

    /// <summary>DCR2100 (<c>invalid_redirect_uri</c>): a client of the authorization endpoint registered no redirect URI.</summary>
    public static RegistrationError RedirectUrisRequired() =>
        new(InvalidRedirectUri, Describe("DCR2100", "redirect_uris must contain at least one URI for the authorization_code and implicit grants."));

    /// <summary>
    /// A <c>redirect_uris</c> entry is refused (<c>invalid_redirect_uri</c>): the description ends with the id of
    /// <paramref name="problem"/>, one of the <c>RedirectUri…</c> problems below.
    /// </summary>
    public static RegistrationError RedirectUriInvalid(string redirectUri, string problem) =>
        new(InvalidRedirectUri, $"redirect_uri '{Quote(redirectUri)}' is invalid: {problem}");

    /// <summary>
    /// A <c>post_logout_redirect_uris</c> entry is refused (<c>invalid_client_metadata</c>, RFC 7591 keeps
    /// <c>invalid_redirect_uri</c> for <c>redirect_uris</c>): the description ends with the id of <paramref name="problem"/>.
    /// </summary>
    public static RegistrationError PostLogoutRedirectUriInvalid(string redirectUri, string problem) =>
        new(InvalidClientMetadata, $"post_logout_redirect_uri '{Quote(redirectUri)}' is invalid: {problem}");

    /// <summary>DCR2101: the URI is longer than <c>Limits:MaxStringLength</c>.</summary>
    public static string RedirectUriTooLong(int maxLength) => Describe("DCR2101", $"it is longer than {maxLength} characters.");

    /// <summary>DCR2102: the URI has a fragment (RFC 6749 §3.1.2).</summary>
    public static string RedirectUriHasFragment() => Describe("DCR2102", "it must not contain a fragment.");

    /// <summary>DCR2103: the URI contains a space or a control character.</summary>
    public static string RedirectUriHasSpacesOrControlCharacters() => Describe("DCR2103", "it contains spaces or control characters.");

    /// <summary>DCR2104: non-ASCII characters outside the host of an http or https URI.</summary>
    public static string RedirectUriNonAsciiOutsideHost() =>
        Describe("DCR2104", "it contains non-ASCII characters; only an http or https host name may be internationalized.");

    /// <summary>DCR2105: non-ASCII characters in the path or query of an http or https URI.</summary>
    public static string RedirectUriNonAsciiPathOrQuery() =>
        Describe("DCR2105", "it contains non-ASCII characters in its path or query; percent-encode them.");

    /// <summary>DCR2106: the URI carries user information.</summary>
    public static string RedirectUriHasUserInformation() => Describe("DCR2106", "it must not contain user information.");

    /// <summary>DCR2107: the host is not a valid internationalized domain name (IDNA, UTS #46 with STD3 rules).</summary>
    public static string RedirectUriHostNotValidIdn() => Describe("DCR2107", "its host is not a valid internationalized domain name.");

    /// <summary>DCR2108: the port of an internationalized URI is not a number.</summary>
    public static string RedirectUriPortNotNumber() => Describe("DCR2108", "its port is not a number.");

    /// <summary>DCR2109: the URI is not absolute (or an http or https URI has no host).</summary>
    public static string RedirectUriNotAbsolute() => Describe("DCR2109", "it is not an absolute URI.");

    /// <summary>DCR2110: a scheme that is never a redirect target (<c>javascript</c>, <c>data</c>, <c>file</c>…).</summary>
    public static string RedirectUriForbiddenScheme(string scheme) => Describe("DCR2110", $"the '{Quote(scheme)}' scheme is not allowed.");

    /// <summary>DCR2111: an http loopback URI for a web client that is not a public client of the code flow.</summary>
    public static string RedirectUriLoopbackNotForThisClient() =>
        Describe("DCR2111", "http loopback redirect URIs are for public clients (token_endpoint_auth_method 'none') of the authorization_code grant, or native clients.");

    /// <summary>DCR2112: a web client's URI that is not https.</summary>
    public static string RedirectUriWebNotHttps() =>
        Describe("DCR2112", "web clients must use https redirect URIs (http is accepted only for loopback hosts of public or native clients).");

    /// <summary>DCR2113: a native client's http URI on a host that is not loopback (RFC 8252 §7.3).</summary>
    public static string RedirectUriNativeHttpNotLoopback() =>
        Describe("DCR2113", "native clients may use http only with a loopback host (127.0.0.1, [::1] or localhost).");

    /// <summary>
    /// DCR2114: a native client's private-use scheme that is not in reverse-domain form (RFC 8252 §7.1) and not in
    /// <c>AllowedPrivateUseSchemes</c>.
    /// </summary>
    public static string RedirectUriSchemeNotPrivateUse(string scheme) =>
        Describe("DCR2114", $"the '{Quote(scheme)}' scheme is not a private-use scheme in reverse-domain form (such as 'com.example.app', RFC 8252 §7.1) and is not in {Options.DynamicClientRegistrationOptions.SectionName}:AllowedPrivateUseSchemes.");

    // ---- DCR2200–2299: client metadata ----------------------------------------------------------------------------

    /// <summary>DCR2200: <c>application_type</c> is neither <c>web</c> nor <c>native</c>.</summary>
    public static RegistrationError ApplicationTypeInvalid() =>
        Metadata("DCR2200", $"application_type must be '{ClientMetadataValues.ApplicationTypeWeb}' or '{ClientMetadataValues.ApplicationTypeNative}'.");

    /// <summary>DCR2201: the token endpoint authentication method is not in <c>AllowedTokenEndpointAuthMethods</c>.</summary>
    public static RegistrationError TokenEndpointAuthMethodNotAllowed(string method, IEnumerable<string> allowed) =>
        Metadata("DCR2201", $"token_endpoint_auth_method '{Quote(method)}' is not allowed. Allowed: {List(allowed)}.");

    /// <summary>DCR2202: <c>grant_types</c> is an empty array.</summary>
    public static RegistrationError GrantTypesEmpty() => Metadata("DCR2202", "grant_types must not be empty.");

    /// <summary>DCR2203: a grant type is not in <c>AllowedGrantTypes</c>.</summary>
    public static RegistrationError GrantTypeNotAllowed(string grantType, IEnumerable<string> allowed) =>
        Metadata("DCR2203", $"grant_type '{Quote(grantType)}' is not allowed. Allowed: {List(allowed)}.");

    /// <summary>DCR2204: a <c>response_types</c> entry is empty or blank.</summary>
    public static RegistrationError ResponseTypeEmpty() => Metadata("DCR2204", "response_types must not contain an empty value.");

    /// <summary>DCR2205: a response type other than <c>code</c>, <c>token</c>, <c>id_token</c> or their combinations.</summary>
    public static RegistrationError ResponseTypeUnsupported(string responseType) =>
        Metadata("DCR2205", $"response_type '{Quote(responseType)}' is not supported.");

    /// <summary>DCR2206: response type <c>code</c> without the <c>authorization_code</c> grant (RFC 7591 §2.1).</summary>
    public static RegistrationError CodeResponseTypeNeedsAuthorizationCodeGrant() =>
        Metadata("DCR2206", "response_type 'code' requires the authorization_code grant type.");

    /// <summary>DCR2207: response type <c>token</c> or <c>id_token</c> without the <c>implicit</c> grant (RFC 7591 §2.1).</summary>
    public static RegistrationError ImplicitResponseTypesNeedImplicitGrant() =>
        Metadata("DCR2207", "response_types 'token' and 'id_token' require the implicit grant type.");

    /// <summary>DCR2208: the <c>authorization_code</c> grant without response type <c>code</c> (RFC 7591 §2.1).</summary>
    public static RegistrationError AuthorizationCodeGrantNeedsCodeResponseType() =>
        Metadata("DCR2208", "the authorization_code grant type requires the 'code' response type.");

    /// <summary>DCR2209: the <c>implicit</c> grant without response type <c>token</c> or <c>id_token</c> (RFC 7591 §2.1).</summary>
    public static RegistrationError ImplicitGrantNeedsImplicitResponseType() =>
        Metadata("DCR2209", "the implicit grant type requires a 'token' or 'id_token' response type.");

    /// <summary>DCR2210: a public client (<c>none</c>) with the <c>client_credentials</c> grant.</summary>
    public static RegistrationError PublicClientCannotUseClientCredentials() =>
        Metadata("DCR2210", "A public client (token_endpoint_auth_method 'none') cannot use the client_credentials grant.");

    /// <summary>DCR2211: an array longer than its limit (<c>Limits:MaxRedirectUris</c>, <c>MaxContacts</c>, <c>MaxArrayLength</c>).</summary>
    public static RegistrationError TooManyEntries(string name, int count, int limit) =>
        Metadata("DCR2211", $"{name} has {count} entries; at most {limit} are accepted.");

    /// <summary>DCR2212: a text member longer than <c>Limits:MaxStringLength</c> or with control characters.</summary>
    public static RegistrationError TextInvalid(string name, int maxLength) =>
        Metadata("DCR2212", $"{name} must be at most {maxLength} characters without control characters.");

    /// <summary>DCR2213: a <c>contacts</c> entry that is empty, too long or has control characters.</summary>
    public static RegistrationError ContactInvalid(int maxLength) =>
        Metadata("DCR2213", $"contacts entries must be non-empty, at most {maxLength} characters, without control characters.");

    /// <summary>DCR2214: <c>client_uri</c>, <c>logo_uri</c>, <c>tos_uri</c> or <c>policy_uri</c> is not an absolute http(s) URI.</summary>
    public static RegistrationError WebUriInvalid(string name) =>
        Metadata("DCR2214", $"{name} must be an absolute http or https URI.");

    /// <summary>DCR2215: <c>id_token_signed_response_alg</c> is not in <c>SupportedIdTokenSigningAlgorithms</c>.</summary>
    public static RegistrationError IdTokenSigningAlgorithmUnsupported(string algorithm, IEnumerable<string> supported) =>
        Metadata("DCR2215", $"id_token_signed_response_alg '{Quote(algorithm)}' is not supported. Supported: {List(supported)}.");

    /// <summary>DCR2216: <c>request_object_signing_alg</c> on a server that accepts no request objects.</summary>
    public static RegistrationError RequestObjectsNotSupported() =>
        Metadata("DCR2216", "request_object_signing_alg is not supported: this server does not accept request objects.");

    /// <summary>DCR2217: <c>request_object_signing_alg</c> is not in <c>SupportedRequestObjectSigningAlgorithms</c>.</summary>
    public static RegistrationError RequestObjectSigningAlgorithmUnsupported(string algorithm, IEnumerable<string> supported) =>
        Metadata("DCR2217", $"request_object_signing_alg '{Quote(algorithm)}' is not supported. Supported: {List(supported)}.");

    /// <summary>DCR2218: <c>subject_type</c> is not in <c>SupportedSubjectTypes</c>.</summary>
    public static RegistrationError SubjectTypeUnsupported(string subjectType, IEnumerable<string> supported) =>
        Metadata("DCR2218", $"subject_type '{Quote(subjectType)}' is not supported. Supported: {List(supported)}.");

    /// <summary>
    /// DCR2219: a member outside <c>ExtendedMetadata</c> in the metadata to validate. The request reader drops such
    /// members (RFC 7591 §2), so a request meets this only when the configuration changed while it was being read.
    /// </summary>
    public static RegistrationError ExtendedMemberNotAccepted(string name) =>
        Metadata("DCR2219", $"'{Quote(name)}' is not a metadata member this server accepts.");

    /// <summary>DCR2220: an <c>ExtendedMetadata</c> member whose JSON text is longer than four times <c>Limits:MaxStringLength</c>.</summary>
    public static RegistrationError ExtendedMemberTooLarge(string name) => Metadata("DCR2220", $"'{name}' is too large.");

    /// <summary>DCR2221: a multi-valued <c>ExtendedMetadata</c> member that is not an array of its type within <c>Limits:MaxArrayLength</c>.</summary>
    public static RegistrationError ExtendedMemberNotArrayOf(string name, int maxLength, string type) =>
        Metadata("DCR2221", $"'{name}' must be an array of at most {maxLength} {type} values.");

    /// <summary>DCR2222: a single-valued <c>ExtendedMetadata</c> member that is not one value of its type.</summary>
    public static RegistrationError ExtendedMemberNotSingle(string name, string type) =>
        Metadata("DCR2222", $"'{name}' must be a single {type}.");

    /// <summary>DCR2223: <c>scope</c> is not a space-separated list of RFC 6749 §3.3 scope tokens.</summary>
    public static RegistrationError ScopeNotScopeTokens() =>
        Metadata("DCR2223", "scope must be a space-separated list of scope values (RFC 6749 §3.3).");

    /// <summary>DCR2224: a scope value is not in <c>AllowedScopes</c>.</summary>
    public static RegistrationError ScopeNotAllowed(string scope) =>
        Metadata("DCR2224", $"scope '{Quote(scope)}' is not allowed.");

    // ---- DCR2300–2399: keys ---------------------------------------------------------------------------------------

    /// <summary>DCR2300: <c>jwks_uri</c> is not an absolute https URI.</summary>
    public static RegistrationError JwksUriNotHttps() =>
        Metadata("DCR2300", $"{ClientMetadataNames.JwksUri} must be an absolute https URI.");

    /// <summary>DCR2301: <c>jwks</c> and <c>jwks_uri</c> together (RFC 7591 §2).</summary>
    public static RegistrationError JwksAndJwksUri() => Metadata("DCR2301", "jwks and jwks_uri must not both be present.");

    /// <summary>DCR2302: <c>jwks</c> without a non-empty <c>keys</c> array.</summary>
    public static RegistrationError JwksWithoutKeys() =>
        Metadata("DCR2302", "jwks must be a JSON Web Key Set with a non-empty 'keys' array.");

    /// <summary>DCR2303: a <c>jwks</c> key that is not an object with a string <c>kty</c>.</summary>
    public static RegistrationError JwksKeyWithoutType() =>
        Metadata("DCR2303", "every key in jwks must be a JSON object with a 'kty' member.");

    /// <summary>DCR2304: a <c>jwks</c> key with private (<c>d</c>) or symmetric (<c>k</c>) key material.</summary>
    public static RegistrationError JwksNotPublic() => Metadata("DCR2304", "jwks must contain public keys only.");

    /// <summary>DCR2305: <c>jwks</c> with a key that is not a usable RSA (2048 bits or more) or EC (P-256/384/521) public key.</summary>
    public static RegistrationError JwksKeyNotUsable() =>
        Metadata("DCR2305", "jwks must contain at least one well-formed RSA or EC public key, and no other key.");

    /// <summary>DCR2306: <c>private_key_jwt</c> with neither <c>jwks</c> nor <c>jwks_uri</c>.</summary>
    public static RegistrationError PrivateKeyJwtWithoutKeys() =>
        Metadata("DCR2306", "private_key_jwt requires the client's public keys, inline in jwks or at an https jwks_uri.");

    /// <summary>DCR2307: <c>token_endpoint_auth_signing_alg</c> for a method other than <c>private_key_jwt</c>.</summary>
    public static RegistrationError SigningAlgorithmWithoutPrivateKeyJwt() =>
        Metadata("DCR2307", "token_endpoint_auth_signing_alg applies to private_key_jwt only.");

    /// <summary>DCR2308: <c>token_endpoint_auth_signing_alg</c> that is not an asymmetric JWS algorithm.</summary>
    public static RegistrationError SigningAlgorithmUnsupported(IEnumerable<string> supported) =>
        Metadata("DCR2308", $"token_endpoint_auth_signing_alg must be one of {List(supported)}.");

    // ---- DCR2400–2499: software statements ------------------------------------------------------------------------

    private static RegistrationError Statement(string id, string text) => new(InvalidSoftwareStatement, Describe(id, text));

    /// <summary>DCR2400 (<c>invalid_software_statement</c>): no statement where <c>SoftwareStatements:Required</c>.</summary>
    public static RegistrationError SoftwareStatementRequired() => Statement("DCR2400", "This server requires a software_statement.");

    /// <summary>DCR2401: with <c>SoftwareStatements:Required</c>, members sent beside the statement and not in it.</summary>
    public static RegistrationError SoftwareStatementUnattestedMembers(IReadOnlyList<string> names) =>
        Metadata("DCR2401", $"This server requires every metadata member to come from the software_statement; {List(names.Take(10).Select(Quote))} {(names.Count == 1 ? "is" : "are")} not in it.");

    /// <summary>DCR2402 (<c>invalid_software_statement</c>): the statement is not a JWT with a JSON object payload.</summary>
    public static RegistrationError SoftwareStatementNotJwt() => Statement("DCR2402", "The software_statement is not a signed JWT.");

    /// <summary>DCR2403 (<c>invalid_software_statement</c>): a <c>typ</c> header other than <c>JWT</c> (RFC 8725 §3.11).</summary>
    public static RegistrationError SoftwareStatementType(string type) =>
        Statement("DCR2403", $"The software_statement's typ must be JWT when present, not '{Quote(type)}'.");

    /// <summary>DCR2404 (<c>invalid_software_statement</c>): no <c>exp</c> claim.</summary>
    public static RegistrationError SoftwareStatementWithoutExpiration() =>
        Statement("DCR2404", "The software_statement must carry an expiration time (exp).");

    /// <summary>DCR2405 (<c>unapproved_software_statement</c>): the issuer is not in <c>SoftwareStatements:TrustedIssuers</c>.</summary>
    public static RegistrationError SoftwareStatementIssuerNotTrusted() =>
        new(UnapprovedSoftwareStatement, Describe("DCR2405", "The software_statement was not issued by an issuer this server trusts."));

    /// <summary>DCR2406 (503 <c>temporarily_unavailable</c>): the trusted issuer's keys cannot be had now.</summary>
    public static RegistrationError SoftwareStatementKeysUnavailable() =>
        new(TemporarilyUnavailable, Describe("DCR2406", "The keys of the software statement's issuer cannot be obtained; retry later."), 503);

    /// <summary>DCR2407 (<c>invalid_software_statement</c>): bad signature, wrong issuer, expired or not yet valid.</summary>
    public static RegistrationError SoftwareStatementNotValid() =>
        Statement("DCR2407", "The software_statement's signature, issuer or lifetime is not valid.");

    // ---- DCR2500–2599: the built-in policies ----------------------------------------------------------------------

    /// <summary>DCR2500: without an initial access token, a grant type outside <c>Anonymous:AllowedGrantTypes</c>.</summary>
    public static RegistrationError AnonymousGrantTypeNotAllowed(string grantType, IEnumerable<string> allowed) =>
        Metadata("DCR2500", $"grant_type '{Quote(grantType)}' needs an initial access token; without one a client may use {List(allowed)}.");

    /// <summary>DCR2501: without an initial access token, a method outside <c>Anonymous:AllowedTokenEndpointAuthMethods</c>.</summary>
    public static RegistrationError AnonymousAuthMethodNotAllowed(string method, IEnumerable<string> allowed) =>
        Metadata("DCR2501", $"token_endpoint_auth_method '{Quote(method)}' needs an initial access token; without one a client may use {List(allowed)}.");

    /// <summary>DCR2502: without an initial access token, a scope outside <c>Anonymous:AllowedScopes</c>.</summary>
    public static RegistrationError AnonymousScopeNotAllowed(string scope) =>
        Metadata("DCR2502", $"scope '{Quote(scope)}' needs an initial access token.");

    /// <summary>DCR2503 (<c>invalid_redirect_uri</c>): a redirect URI on a host outside <c>Policies:TrustedRedirectHosts</c>.</summary>
    public static RegistrationError RedirectHostNotTrusted(string redirectUri) =>
        new(InvalidRedirectUri, Describe("DCR2503", $"The redirect URI '{Quote(redirectUri)}' does not point at a host this server trusts."));

    /// <summary>DCR2504: the caller already has <c>Policies:MaxClientsPerCaller</c> clients.</summary>
    public static RegistrationError TooManyClients(long count) =>
        Metadata("DCR2504", $"The caller has registered {count} clients, the most this server allows; delete one first.");

    /// <summary>DCR2505: the initial access token already registered <c>Policies:MaxClientsPerInitialAccessToken</c> clients.</summary>
    public static RegistrationError TooManyClientsForInitialAccessToken(int limit) =>
        Metadata("DCR2505", $"This initial access token has registered {limit} clients, the most this server allows per token; get a new one.");

    /// <summary>DCR2506: the server holds <c>Policies:MaxAnonymousClients</c> anonymously registered clients.</summary>
    public static RegistrationError TooManyAnonymousClients() =>
        Metadata("DCR2506", "This server holds as many clients registered without an initial access token as it allows; retry later or register with one.");

    // ---- DCR2600–2699: tokens and the management endpoint ---------------------------------------------------------

    /// <summary>DCR2600 (404 <c>invalid_request</c>): registration (<c>Enabled</c>) or management (<c>Management:Enabled</c>) is off.</summary>
    public static RegistrationError EndpointNotEnabled() =>
        new(InvalidRequest, Describe("DCR2600", "This endpoint is not enabled on this server."), 404);

    /// <summary>DCR2601 (401 <c>invalid_token</c>): no valid initial access token where one is required or presented.</summary>
    public static RegistrationError InitialAccessTokenInvalid() =>
        new(InvalidToken, Describe("DCR2601", "A valid initial access token is required as a bearer token."), 401);

    /// <summary>DCR2602 (403 <c>insufficient_scope</c>): the initial access token lacks <c>InitialAccessTokenScope</c>.</summary>
    public static RegistrationError InitialAccessTokenScopeMissing(string scope) =>
        new(InsufficientScope, Describe("DCR2602", $"The initial access token must carry the '{scope}' scope."), 403);

    /// <summary>
    /// DCR2603 (401 <c>invalid_token</c>): the registration access token is missing, wrong, another client's, or the
    /// client does not exist (one answer for all, RFC 7592 §3).
    /// </summary>
    public static RegistrationError RegistrationAccessTokenInvalid() =>
        new(InvalidToken, Describe("DCR2603", "The registration access token is missing, invalid or not issued for this client."), 401);

    /// <summary>DCR2604 (405 <c>invalid_request</c>): DELETE with <c>Management:AllowClientDelete</c> off (RFC 7592 §2.3).</summary>
    public static RegistrationError DeleteNotAllowed() =>
        new(InvalidRequest, Describe("DCR2604", "This server does not allow clients to delete their registration."), 405);

    /// <summary>DCR2605 (<c>invalid_request</c>): a PUT carrying members only the server issues (RFC 7592 §2.2).</summary>
    public static RegistrationError ServerIssuedMembersInUpdate(IEnumerable<string> names) =>
        new(InvalidRequest, Describe("DCR2605", $"The request must not contain {List(names)} (RFC 7592 §2.2)."));

    /// <summary>DCR2606 (<c>invalid_request</c>): a PUT without <c>client_id</c> (RFC 7592 §2.2).</summary>
    public static RegistrationError ClientIdMissingInUpdate() =>
        new(InvalidRequest, Describe("DCR2606", "The request must contain the client_id of the client being updated."));

    /// <summary>DCR2607 (<c>invalid_request</c>): a PUT whose <c>client_id</c> is not the client's (RFC 7592 §2.2).</summary>
    public static RegistrationError ClientIdMismatchInUpdate() =>
        new(InvalidRequest, Describe("DCR2607", "The client_id in the request does not match the client being updated."));

    /// <summary>DCR2608 (<c>invalid_request</c>): a PUT whose <c>client_secret</c> is not the client's current one (RFC 7592 §2.2).</summary>
    public static RegistrationError ClientSecretMismatchInUpdate() =>
        new(InvalidRequest, Describe("DCR2608", "The client_secret in the request does not match the client's current secret."));

    // ---- DCR2700–2799: the server and its store -------------------------------------------------------------------

    /// <summary>DCR2700 (409 <c>invalid_request</c>): a concurrent request changed the client first.</summary>
    public static RegistrationError ConcurrentChange() =>
        new(InvalidRequest, Describe("DCR2700", "The client registration was changed by a concurrent request; read it again and retry."), 409);

    /// <summary>DCR2701 (503 <c>temporarily_unavailable</c>, <c>Retry-After</c>): the client store cannot be reached.</summary>
    public static RegistrationError StoreUnavailable() =>
        new(TemporarilyUnavailable, Describe("DCR2701", "The client registration store is temporarily unavailable; retry later."), 503);

    /// <summary>DCR2702 (500 <c>server_error</c>): an unexpected failure; the log has the exception.</summary>
    public static RegistrationError ServerFault() =>
        new(ServerError, Describe("DCR2702", "The server could not complete the request."), 500);

    /// <summary>
    /// DCR2703: the host's store refused the client (<see cref="Stores.StoreStatus.Rejected"/>), in the store's words
    /// when it gave any.
    /// </summary>
    public static RegistrationError StoreRejected(string? description) =>
        Metadata("DCR2703", string.IsNullOrWhiteSpace(description) ? "The authorization server rejected the client metadata." : description);

    // ---- DCR2800–2899: Client ID Metadata Documents ---------------------------------------------------------------
    // Answered at the host's authorization endpoint (invalid_request, an error page) and token endpoint (invalid_client).

    /// <summary>DCR2800: the document URL does not start with a lowercase <c>https://</c>.</summary>
    public static string MetadataDocumentUrlNotHttps() => Describe("DCR2800", "it must be an https URL, written with a lowercase 'https://'.");

    /// <summary>DCR2801: the document URL is longer than <see cref="Services.ClientIdMetadataDocuments.MaxUrlLength"/> characters.</summary>
    public static string MetadataDocumentUrlTooLong(int maxLength) => Describe("DCR2801", $"it is longer than {maxLength} characters.");

    /// <summary>DCR2802: the document URL has a fragment.</summary>
    public static string MetadataDocumentUrlHasFragment() => Describe("DCR2802", "it must not contain a fragment.");

    /// <summary>DCR2803: the document URL has spaces, control characters or backslashes.</summary>
    public static string MetadataDocumentUrlHasSpacesOrBackslashes() =>
        Describe("DCR2803", "it contains spaces, control characters or backslashes.");

    /// <summary>DCR2804: the document URL has user information.</summary>
    public static string MetadataDocumentUrlHasUserInformation() => Describe("DCR2804", "it must not contain user information.");

    /// <summary>DCR2805: the document URL has <c>.</c> or <c>..</c> path segments, plain or percent-encoded.</summary>
    public static string MetadataDocumentUrlHasDotSegments() => Describe("DCR2805", "it must not contain '.' or '..' path segments.");

    /// <summary>DCR2806: the document URL does not parse as an absolute https URL with a host.</summary>
    public static string MetadataDocumentUrlNotAbsolute() => Describe("DCR2806", "it is not an absolute https URL with a host.");

    /// <summary>DCR2820: the document contains a <c>client_secret</c>.</summary>
    public static string MetadataDocumentHasClientSecret() => Describe("DCR2820", "it contains a client_secret.");

    /// <summary>DCR2821: the document contains <c>client_secret_expires_at</c>.</summary>
    public static string MetadataDocumentHasSecretExpiry() =>
        Describe("DCR2821", "it contains client_secret_expires_at, which only a client with a secret has.");

    /// <summary>DCR2822: the document asks for a shared-secret authentication method.</summary>
    public static string MetadataDocumentSharedSecretMethod(string method) =>
        Describe("DCR2822", $"token_endpoint_auth_method '{Quote(method)}' needs a shared secret.");

    /// <summary>DCR2823: the document asks for a method outside <c>Anonymous:AllowedTokenEndpointAuthMethods</c>.</summary>
    public static string MetadataDocumentAuthMethodNotAllowed(string method) =>
        Describe("DCR2823", $"token_endpoint_auth_method '{Quote(method)}' is not allowed for metadata document clients here ({Options.DynamicClientRegistrationOptions.SectionName}:Anonymous:AllowedTokenEndpointAuthMethods).");

    /// <summary>DCR2824: the document asks for a grant type outside <c>Anonymous:AllowedGrantTypes</c>.</summary>
    public static string MetadataDocumentGrantTypeNotAllowed(string grantType) =>
        Describe("DCR2824", $"grant_type '{Quote(grantType)}' is not allowed for metadata document clients here ({Options.DynamicClientRegistrationOptions.SectionName}:Anonymous:AllowedGrantTypes).");

    /// <summary>DCR2825: the document asks for a scope outside <c>Anonymous:AllowedScopes</c>.</summary>
    public static string MetadataDocumentScopeNotAllowed(string scope) =>
        Describe("DCR2825", $"scope '{Quote(scope)}' is not allowed for metadata document clients here ({Options.DynamicClientRegistrationOptions.SectionName}:Anonymous:AllowedScopes).");

    /// <summary>
    /// The description of a refused metadata document. Reasons with a <paramref name="detail"/> (an invalid URL, a
    /// forbidden authentication method, invalid metadata or redirect URI) quote it and end with its id: one of the
    /// details above, or the registration error the document's metadata failed with. The others have ids of their own,
    /// DCR2810 to DCR2819.
    /// </summary>
    public static string MetadataDocumentRefused(ClientIdMetadataDocumentRefusal reason, string? detail) => reason switch
    {
        ClientIdMetadataDocumentRefusal.InvalidUrl => $"The client_id is not a valid Client ID Metadata Document URL: {detail ?? MetadataDocumentUrlNotHttps()}",
        ClientIdMetadataDocumentRefusal.HostNotAllowed => Describe("DCR2810", "The client_id's host is not allowed to publish Client ID Metadata Documents on this server."),
        ClientIdMetadataDocumentRefusal.SpecialUseAddress => Describe("DCR2811", "The client's metadata document is on a special-use address (loopback, private or link-local network) and was not fetched."),
        ClientIdMetadataDocumentRefusal.Unreachable => Describe("DCR2812", "The client's metadata document could not be fetched: its host could not be reached over https."),
        ClientIdMetadataDocumentRefusal.TimedOut => Describe("DCR2813", "The client's metadata document could not be fetched: its host did not answer in time."),
        ClientIdMetadataDocumentRefusal.Redirected => Describe("DCR2814", "The client's metadata document could not be fetched: its URL answered with a redirect, which is not followed."),
        ClientIdMetadataDocumentRefusal.UnexpectedStatus => Describe("DCR2815", "The client's metadata document could not be fetched: its URL did not answer 200."),
        ClientIdMetadataDocumentRefusal.TooLarge => Describe("DCR2816", "The client's metadata document is too large."),
        ClientIdMetadataDocumentRefusal.NotJson => Describe("DCR2817", "The client's metadata document is not JSON: it must be a JSON object."),
        ClientIdMetadataDocumentRefusal.ClientIdMismatch => Describe("DCR2818", "The client_id in the client's metadata document does not match the URL it was fetched from (client_id mismatch)."),
        ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod => $"The client's metadata document asks for a forbidden authentication method: {detail}",
        ClientIdMetadataDocumentRefusal.InvalidRedirectUri => $"The client's metadata document has an invalid redirect URI: {detail}",
        ClientIdMetadataDocumentRefusal.InvalidMetadata => $"The client's metadata document is not acceptable: {detail}",
        _ => Describe("DCR2819", "The client could not be stored; retry later."),
    };

    // ---- DCR2900–2999: the OpenIddict adapter, at OpenIddict's endpoints ------------------------------------------

    /// <summary>DCR2900 (token endpoint, <c>invalid_client</c>): a dynamic client's assertion without <c>exp</c>.</summary>
    public static string ClientAssertionWithoutExpiration() => Describe("DCR2900", "The client assertion has no 'exp' claim.");

    /// <summary>DCR2901 (token endpoint, <c>invalid_client</c>): <c>exp</c> further ahead than <c>ClientAssertions:MaxLifetime</c>.</summary>
    public static string ClientAssertionLifetimeTooLong() => Describe("DCR2901", "The client assertion expires too far in the future.");

    /// <summary>DCR2902 (token endpoint, <c>invalid_client</c>): <c>nbf</c> in the future.</summary>
    public static string ClientAssertionNotYetValid() => Describe("DCR2902", "The client assertion is not valid yet.");

    /// <summary>DCR2903 (token endpoint, <c>invalid_client</c>): no <c>jti</c>.</summary>
    public static string ClientAssertionWithoutJwtId() => Describe("DCR2903", "The client assertion has no 'jti' claim.");

    /// <summary>DCR2904 (token endpoint, <c>invalid_client</c>): the audience names neither the issuer nor (RFC 7523 form) the token endpoint.</summary>
    public static string ClientAssertionWrongAudience() => Describe("DCR2904", "The client assertion's audience is not this server.");

    /// <summary>DCR2905 (token endpoint, <c>invalid_client</c>): the assertion's <c>jti</c> was used before.</summary>
    public static string ClientAssertionReplayed() => Describe("DCR2905", "The client assertion has already been used.");

    /// <summary>DCR2906 (authorization endpoint, <c>invalid_request</c>): a dynamic client asked for PKCE other than S256.</summary>
    public static string PkceS256Required() =>
        Describe("DCR2906", "Dynamically registered clients must use PKCE with code_challenge_method S256.");

    /// <summary>DCR2907 (<c>invalid_token</c>, with <c>RejectTokensOfDeletedClients()</c>): the token's client was deleted.</summary>
    public static string TokenOfDeletedClient() => Describe("DCR2907", "The client this token was issued to no longer exists.");

    // ---- DCR3000–3099: the admin API (MapDynamicClientRegistrationAdmin) --------------------------------------------

    /// <summary>DCR3000 (401 <c>invalid_token</c>): no valid host access token.</summary>
    public static RegistrationError AdminTokenRequired() =>
        new(InvalidToken, Describe("DCR3000", "A valid access token carrying the admin scope is required as a bearer token."), 401);

    /// <summary>DCR3001 (403 <c>insufficient_scope</c>): the token lacks <c>Admin:RequiredScope</c>.</summary>
    public static RegistrationError AdminScopeRequired(string scope) =>
        new(InsufficientScope, Describe("DCR3001", $"The access token must carry the '{scope}' scope."), 403);

    /// <summary>DCR3002 (404 <c>invalid_request</c>): no client of this product has that id.</summary>
    public static RegistrationError AdminClientNotFound() =>
        new(InvalidRequest, Describe("DCR3002", "No client of this server's dynamic client registration has that client_id."), 404);

    /// <summary>DCR3003 (400 <c>invalid_request</c>): a query parameter or body member the admin API does not know.</summary>
    public static RegistrationError AdminUnknownParameter(string kind, string name, IEnumerable<string> known) =>
        new(InvalidRequest, Describe("DCR3003", $"Unknown {kind} '{Quote(name)}'. The {kind}s are {List(known)}."));

    /// <summary>DCR3004 (400 <c>invalid_request</c>): a query parameter or body member given more than once.</summary>
    public static RegistrationError AdminRepeatedParameter(string name) =>
        new(InvalidRequest, Describe("DCR3004", $"'{Quote(name)}' must be given once."));

    /// <summary>DCR3005 (400 <c>invalid_request</c>): a filter with a value it cannot take; the text says which and why.</summary>
    public static RegistrationError AdminBadFilter(string problem) =>
        new(InvalidRequest, Describe("DCR3005", problem));

    /// <summary>DCR3006 (400 <c>invalid_request</c>): an <c>order</c> that is not one of the orders.</summary>
    public static RegistrationError AdminBadOrder(IEnumerable<string> orders) =>
        new(InvalidRequest, Describe("DCR3006", $"order must be one of {List(orders)}."));

    /// <summary>DCR3007 (400 <c>invalid_request</c>): a <c>limit</c> outside 1 to 500.</summary>
    public static RegistrationError AdminBadLimit(int max, int defaultLimit) =>
        new(InvalidRequest, Describe("DCR3007", $"limit must be a whole number from 1 to {max} (the default is {defaultLimit})."));

    /// <summary>DCR3008 (400 <c>invalid_request</c>): a <c>cursor</c> this server did not return for this order.</summary>
    public static RegistrationError AdminBadCursor() =>
        new(InvalidRequest, Describe("DCR3008", "cursor is not a next_cursor this server returned for this order; start again without it."));

    /// <summary>DCR3009 (400 <c>invalid_request</c>): a bulk delete body that is not JSON or not a JSON object.</summary>
    public static RegistrationError AdminBodyNotObject() =>
        new(InvalidRequest, Describe("DCR3009", "The request body must be a JSON object of filters and dry_run."));

    /// <summary>DCR3010 (400 <c>invalid_request</c>): <c>dry_run</c> that is not a boolean.</summary>
    public static RegistrationError AdminBadDryRun() =>
        new(InvalidRequest, Describe("DCR3010", "dry_run must be true or false."));

    /// <summary>DCR3011 (400 <c>invalid_request</c>): a bulk delete without any filter.</summary>
    public static RegistrationError AdminBulkDeleteWithoutFilter(IEnumerable<string> filters) =>
        new(InvalidRequest, Describe("DCR3011", $"A bulk delete needs at least one filter ({List(filters)}); it never deletes every client."));
}
