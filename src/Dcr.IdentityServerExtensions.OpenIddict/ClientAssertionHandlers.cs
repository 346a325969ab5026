using System.Globalization;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ValidateTokenContext = OpenIddict.Server.OpenIddictServerEvents.ValidateTokenContext;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Opens OpenIddict's client assertion validation to the RFC 7523 form client libraries send (<c>typ</c> <c>JWT</c> or
/// none, audience the issuer or the token endpoint URL) for dynamically registered clients, and resolves their keys
/// asynchronously, from their <c>jwks_uri</c> when they registered one. Runs right after OpenIddict has chosen the
/// validation parameters of a client assertion. Added by <c>UseOpenIddict()</c>; other clients are left as OpenIddict
/// treats them.
/// </summary>
internal sealed class AcceptClientLibraryAssertions : IOpenIddictServerHandler<ValidateTokenContext>
{
    private readonly IOpenIddictApplicationManager _applications;

    /// <summary>Creates the handler.</summary>
    public AcceptClientLibraryAssertions(IOpenIddictApplicationManager applications)
    {
        _applications = applications;
    }

    /// <summary>The handler's descriptor: after OpenIddict's <c>ResolveTokenValidationParameters</c>.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<AcceptClientLibraryAssertions>()
            .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ClientAssertions.AreValidated(context) || context.TokenValidationParameters is not { } parameters)
        {
            return;
        }

        JsonWebToken token;
        string? issuer;
        try
        {
            token = new JsonWebToken(context.Token);
            issuer = token.Issuer;
        }
        catch (ArgumentException)
        {
            // Not a readable JWT: OpenIddict refuses it on its own.
            return;
        }

        var application = string.IsNullOrEmpty(issuer)
            ? null
            : await RegistrationDocument.FindDynamicClientAsync(_applications, issuer, context.CancellationToken).ConfigureAwait(false);
        if (application is null)
        {
            return;
        }

        // OpenIddict's own type check reads a missing typ as JWT, so adding JWT admits both RFC 7523 forms.
        if (parameters.ValidTypes is { } validTypes && validTypes.Any())
        {
            parameters.ValidTypes = [.. validTypes, JwtConstants.HeaderType];
        }

        foreach (var audience in ClientAssertions.TokenEndpointAudiences(context))
        {
            context.ValidAudiences.Add(audience);
        }

        // OpenIddict's resolver blocks a thread on the key set for every assertion; a jwks_uri makes that a network
        // fetch, so the keys are resolved here, asynchronously, with the kid the assertion names.
        var keySet = await ((IDynamicClientApplicationManager)_applications)
            .GetJsonWebKeySetAsync(application, token.Kid, context.CancellationToken).ConfigureAwait(false);
        IEnumerable<SecurityKey> keys = keySet?.GetSigningKeys() ?? [];
        parameters.IssuerSigningKeyResolver = (_, _, _, _) => keys;
    }
}

/// <summary>
/// Checks what OpenIddict leaves open in a dynamically registered client's assertion: types an RFC 7523 assertion as a
/// client assertion (OpenIddict reads <c>typ</c> <c>JWT</c> as an identity token), requires <c>exp</c> no further
/// ahead than <c>DynamicClientRegistration:ClientAssertions:MaxLifetime</c>, a <c>jti</c>, and an audience naming this
/// server (the token endpoint URL only in the RFC 7523 form). Every refusal is <c>invalid_client</c>.
/// </summary>
internal sealed class ValidateDynamicClientAssertion : IOpenIddictServerHandler<ValidateTokenContext>
{
    // Clients stamp exp by their own clock; this much disagreement with ours is tolerated.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private readonly IOpenIddictApplicationManager _applications;
    private readonly IOptionsMonitor<DynamicClientRegistrationOptions> _options;

    /// <summary>Creates the handler.</summary>
    public ValidateDynamicClientAssertion(IOpenIddictApplicationManager applications, IOptionsMonitor<DynamicClientRegistrationOptions> options)
    {
        _applications = applications;
        _options = options;
    }

    /// <summary>The handler's descriptor: once OpenIddict has checked the signature, before it checks the principal's type.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<ValidateDynamicClientAssertion>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ClientAssertions.AreValidated(context) || context.Principal is not { } principal
            || principal.GetClaim(Claims.Issuer) is not { Length: > 0 } issuer
            || await RegistrationDocument.FindDynamicClientAsync(_applications, issuer, context.CancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        var rfc7523 = principal.GetTokenType() == TokenTypeIdentifiers.IdentityToken;
        if (rfc7523)
        {
            principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
        }

        var now = context.Options.TimeProvider.GetUtcNow();
        var maxLifetime = _options.CurrentValue.ClientAssertions.MaxLifetime;
        var problem = ReadSeconds(principal.GetClaim(Claims.ExpiresAt)) switch
        {
            null => RegistrationErrorDescriptions.ClientAssertionWithoutExpiration(),
            { } expires when expires > now + maxLifetime + ClockSkew => RegistrationErrorDescriptions.ClientAssertionLifetimeTooLong(),
            _ when ReadSeconds(principal.GetClaim(Claims.NotBefore)) is { } notBefore && notBefore > now + ClockSkew => RegistrationErrorDescriptions.ClientAssertionNotYetValid(),
            _ when string.IsNullOrEmpty(principal.GetClaim(Claims.JwtId)) => RegistrationErrorDescriptions.ClientAssertionWithoutJwtId(),
            _ when !HasAudience(context, principal.GetClaims(Claims.Audience), rfc7523) => RegistrationErrorDescriptions.ClientAssertionWrongAudience(),
            _ => null,
        };

        if (problem is not null)
        {
            context.Reject(error: Errors.InvalidClient, description: problem);
        }
    }

    // The issuer is always a valid audience; the token endpoint URL only in the RFC 7523 form, as rfc7523bis requires.
    private static bool HasAudience(ValidateTokenContext context, IEnumerable<string> audiences, bool rfc7523)
    {
        var issuer = ClientAssertions.IssuerAudiences(context);
        var tokenEndpoint = rfc7523 ? ClientAssertions.TokenEndpointAudiences(context) : [];
        return audiences.Any(audience => issuer.Contains(audience, StringComparer.Ordinal) || tokenEndpoint.Contains(audience, StringComparer.Ordinal));
    }

    private static DateTimeOffset? ReadSeconds(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
        && seconds is >= 0 and <= 253402300799 // 9999-12-31T23:59:59Z, the largest instant DateTimeOffset holds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}

/// <summary>
/// Refuses a second use of a dynamically registered client's assertion, on any instance over the same database: each
/// accepted assertion's <c>jti</c> is recorded (see <see cref="ClientAssertionUses"/>) until its <c>exp</c>.
/// Runs last, so that only an assertion that passed every other check consumes its <c>jti</c>.
/// </summary>
internal sealed class RejectReplayedClientAssertions : IOpenIddictServerHandler<ValidateTokenContext>
{
    private readonly IOpenIddictApplicationManager _applications;
    private readonly ClientAssertionUses _uses;

    /// <summary>Creates the handler.</summary>
    public RejectReplayedClientAssertions(IOpenIddictApplicationManager applications, ClientAssertionUses uses)
    {
        _applications = applications;
        _uses = uses;
    }

    /// <summary>The handler's descriptor: after every check of OpenIddict's own, entries included.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RejectReplayedClientAssertions>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateAuthorizationEntry.Descriptor.Order + 2_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ClientAssertions.AreValidated(context) || context.Principal is not { } principal
            || principal.GetClaim(Claims.Issuer) is not { Length: > 0 } clientId
            || principal.GetClaim(Claims.JwtId) is not { Length: > 0 } jwtId
            || long.TryParse(principal.GetClaim(Claims.ExpiresAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var expires) is false
            || await RegistrationDocument.FindDynamicClientAsync(_applications, clientId, context.CancellationToken).ConfigureAwait(false) is not { } application)
        {
            return;
        }

        var applicationId = await _applications.GetIdAsync(application, context.CancellationToken).ConfigureAwait(false);
        if (!await _uses.TryRecordAsync(clientId, applicationId, jwtId, DateTimeOffset.FromUnixTimeSeconds(expires), context.CancellationToken).ConfigureAwait(false))
        {
            Log.ClientAssertionReplayed(context.Logger, clientId);
            context.Reject(error: Errors.InvalidClient, description: RegistrationErrorDescriptions.ClientAssertionReplayed());
        }
    }
}

/// <summary>What the client assertion handlers share: when they apply, and the audiences.</summary>
internal static class ClientAssertions
{
    /// <summary>Whether OpenIddict is validating a client assertion (it never validates one together with other types).</summary>
    public static bool AreValidated(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion)
        && !context.Options.EnableDegradedMode;

    /// <summary>The issuer, as OpenIddict accepts it as an assertion's audience (with and without a trailing slash).</summary>
    public static IReadOnlyList<string> IssuerAudiences(ValidateTokenContext context)
    {
        var issuer = context.Options.Issuer ?? context.BaseUri;
        if (issuer is null || !issuer.IsAbsoluteUri)
        {
            return [];
        }

        var text = issuer.AbsoluteUri;
        return text.EndsWith('/') ? [text, text.TrimEnd('/')] : [text, text + "/"];
    }

    /// <summary>The token endpoint's absolute URLs, as RFC 7523 §3 lets a client name them as the audience.</summary>
    public static IReadOnlyList<string> TokenEndpointAudiences(ValidateTokenContext context)
    {
        var issuer = context.Options.Issuer ?? context.BaseUri;
        if (issuer is null || !issuer.IsAbsoluteUri)
        {
            return [];
        }

        // Relative endpoint URIs are relative to the issuer as a directory, as OpenIddict resolves them.
        var root = issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
        return [.. context.Options.TokenEndpointUris.Select(uri => (uri.IsAbsoluteUri ? uri : new Uri(root, uri)).AbsoluteUri)];
    }
}
