using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

namespace Dcr.IdentityServerExtensions.Validation;

/// <summary>
/// Software statements (RFC 7591 §2.3): checks the JWT's signature against a trusted issuer's keys, its issuer and its
/// lifetime, then lets its claims take precedence over the same members sent in plain JSON.
/// </summary>
internal sealed class SoftwareStatementValidator
{
    private static readonly TimeSpan KeySetLifetime = TimeSpan.FromHours(1);

    private const int MaxKeySetBytes = 256 * 1024;

    // A failed fetch of an issuer's keys is not repeated for this long: every registration naming that issuer would
    // otherwise make the server fetch again, a request amplifier aimed at the issuer (or at whoever holds its name).
    internal static readonly TimeSpan FailedFetchRetryDelay = TimeSpan.FromSeconds(30);

    // JWT claims about the statement itself, not client metadata: they never overwrite the request's members.
    private static readonly HashSet<string> StatementClaims = new(StringComparer.Ordinal)
    {
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti",
    };

    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;
    private readonly SafeHttpFetcher _fetcher;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<Uri, (DateTimeOffset FetchedAt, IReadOnlyList<SecurityKey> Keys)> _keySets = new();
    private readonly ConcurrentDictionary<Uri, DateTimeOffset> _failedFetches = new();
    private readonly JsonWebTokenHandler _handler = new();

    internal SoftwareStatementValidator(
        IOptionsMonitor<DynamicClientRegistrationOptions> options, SafeHttpFetcher fetcher, TimeProvider timeProvider)
    {
        _options = options;
        _fetcher = fetcher;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Applies the request's software statement, if any: an invalid one yields <c>invalid_software_statement</c>, one
    /// from an issuer that is not trusted <c>unapproved_software_statement</c>, a missing one when statements are
    /// required <c>invalid_software_statement</c>. Returns the request re-read with the statement's claims in force.
    /// </summary>
    public async Task<RegistrationResult<ClientRegistrationRequest>> ApplyAsync(
        JsonElement body, ClientRegistrationRequest request, IReadOnlySet<string> extendedMetadataNames,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = _options.CurrentValue.SoftwareStatements;
        var statement = request.Metadata.SoftwareStatement;
        if (statement is null)
        {
            return options.Required
                ? Errors.SoftwareStatementRequired()
                : request;
        }

        var claims = await ValidateAsync(statement, options, cancellationToken).ConfigureAwait(false);
        if (!claims.Succeeded)
        {
            return claims.Error;
        }

        if (options.Required)
        {
            // Required statements are the point of attested metadata: a member sent beside the statement and not in it
            // would be registered without anyone having vouched for it.
            var unattested = body.EnumerateObject()
                .Select(member => member.Name)
                .Where(name => name != ClientMetadataNames.SoftwareStatement && !claims.Value.TryGetProperty(name, out _))
                .ToList();
            if (unattested.Count > 0)
            {
                return Errors.SoftwareStatementUnattestedMembers(unattested);
            }
        }

        return ClientMetadataJson.ReadRequest(Merge(body, claims.Value), extendedMetadataNames);
    }

    private async Task<RegistrationResult<JsonElement>> ValidateAsync(
        string statement, SoftwareStatementOptions options, CancellationToken cancellationToken)
    {
        JsonWebToken token;
        try
        {
            token = new JsonWebToken(statement);
        }
        catch (ArgumentException)
        {
            // Also a payload that is not a JSON object: the token reads its claims as one.
            return Errors.SoftwareStatementNotJwt();
        }

        // A statement is a plain signed JWT; an access token, ID token or client assertion of the same issuer must
        // not pass for one (RFC 8725 §3.11).
        if (!string.IsNullOrEmpty(token.Typ) && !string.Equals(token.Typ, "JWT", StringComparison.OrdinalIgnoreCase))
        {
            return Errors.SoftwareStatementType(token.Typ);
        }

        if (!token.TryGetPayloadValue<long>("exp", out _))
        {
            return Errors.SoftwareStatementWithoutExpiration();
        }

        var issuer = options.TrustedIssuers.FirstOrDefault(trusted => string.Equals(trusted.Issuer, token.Issuer, StringComparison.Ordinal));
        if (issuer is null)
        {
            return Errors.SoftwareStatementIssuerNotTrusted();
        }

        var keys = await KeysAsync(issuer, cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return Errors.SoftwareStatementKeysUnavailable();
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer,
            IssuerSigningKeys = keys,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            LifetimeValidator = IsWithinLifetime,
        }).ConfigureAwait(false);

        if (!result.IsValid)
        {
            return Errors.SoftwareStatementNotValid();
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        return payload.RootElement.Clone();
    }

    // The product's clock, not the machine's, decides expiry (tests move it); one minute of skew between issuer and us.
    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var skew = TimeSpan.FromMinutes(1);
        return (notBefore is null || notBefore.Value - skew <= now) && expires is not null && now < expires.Value + skew;
    }

    private async Task<IReadOnlyList<SecurityKey>> KeysAsync(TrustedSoftwareStatementIssuer issuer, CancellationToken cancellationToken)
    {
        if (issuer.Jwks is not null)
        {
            return PublicJsonWebKeys.TryRead(issuer.Jwks, out var inline) ? inline : [];
        }

        var uri = issuer.JwksUri!;
        var now = _timeProvider.GetUtcNow();
        if (_keySets.TryGetValue(uri, out var cached) && now - cached.FetchedAt < KeySetLifetime)
        {
            return cached.Keys;
        }

        if (_failedFetches.TryGetValue(uri, out var failedAt) && now - failedAt < FailedFetchRetryDelay)
        {
            return cached.Keys ?? [];
        }

        // The product's one outbound fetcher: https, no redirects, a cap, a timeout, no special-use addresses.
        if (await _fetcher.FetchAsync(uri, MaxKeySetBytes, cancellationToken).ConfigureAwait(false) is FetchResult.Succeeded succeeded
            && TryDecode(succeeded.Body) is { } json
            && PublicJsonWebKeys.TryRead(json, out var fetched))
        {
            _keySets[uri] = (now, fetched);
            _failedFetches.TryRemove(uri, out _);
            return fetched;
        }

        // Serve the last keys known rather than nothing while the issuer is unreachable.
        _failedFetches[uri] = now;
        return cached.Keys ?? [];
    }

    private static string? TryDecode(byte[] body)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static JsonElement Merge(JsonElement body, JsonElement claims)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var member in body.EnumerateObject())
            {
                if (!claims.TryGetProperty(member.Name, out _) || StatementClaims.Contains(member.Name))
                {
                    member.WriteTo(writer);
                }
            }

            foreach (var claim in claims.EnumerateObject())
            {
                if (!StatementClaims.Contains(claim.Name) && claim.Name != ClientMetadataNames.SoftwareStatement)
                {
                    claim.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var merged = JsonDocument.Parse(buffer.ToArray());
        return merged.RootElement.Clone();
    }
}
