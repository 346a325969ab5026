using System.Security.Claims;
using Dcr.IdentityServerExtensions.Protocol;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using GenerateTokenContext = OpenIddict.Server.OpenIddictServerEvents.GenerateTokenContext;
using ServerValidateTokenContext = OpenIddict.Server.OpenIddictServerEvents.ValidateTokenContext;
using ValidateTokenContext = OpenIddict.Validation.OpenIddictValidationEvents.ValidateTokenContext;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// Issues self-contained access tokens without the database row OpenIddict otherwise writes for each of them, while
/// authorization codes and refresh tokens keep theirs (their one-time use and revocation depend on it). Added by
/// <c>SkipAccessTokenStorage()</c>; pair it with <see cref="RejectTokensOfDeletedClients"/> on the validation side so
/// that the tokens of a deleted client still stop working.
/// </summary>
public sealed class SkipAccessTokenEntry : IOpenIddictServerHandler<GenerateTokenContext>
{
    /// <summary>The handler's descriptor: it runs before OpenIddict's <c>CreateTokenEntry</c>, whose work it cancels.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<SkipAccessTokenEntry>()
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // A reference token is nothing but its row: it must keep it.
        if (context.TokenType == TokenTypeIdentifiers.AccessToken && !context.IsReferenceToken)
        {
            context.CreateTokenEntry = false;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Rejects an access token whose client no longer exists. With token storage, deleting a client deletes its token rows
/// and the token entry checks refuse the tokens; an access token without a row (see <see cref="SkipAccessTokenEntry"/>)
/// needs this check instead. It reads the client on every validation, uncached, so a deletion takes effect at once on
/// every instance over the same database. <c>UseOpenIddict()</c> adds it to OpenIddict validation (the host's APIs and
/// the registration endpoint's initial access tokens) and <c>SkipAccessTokenStorage()</c> to the server's own token
/// validation (introspection, userinfo, revocation).
/// </summary>
public sealed class RejectTokensOfDeletedClients :
    IOpenIddictValidationHandler<ValidateTokenContext>,
    IOpenIddictServerHandler<ServerValidateTokenContext>
{
    private readonly IOpenIddictApplicationManager _applications;

    /// <summary>Creates the handler.</summary>
    public RejectTokensOfDeletedClients(IOpenIddictApplicationManager applications)
    {
        _applications = applications;
    }

    /// <summary>The descriptor in OpenIddict validation: after the token itself and its entries are checked.</summary>
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RejectTokensOfDeletedClients>()
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAuthorizationEntry.Descriptor.Order + 1_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    /// <summary>The descriptor in the OpenIddict server: after the token itself and its entries are checked.</summary>
    public static OpenIddictServerHandlerDescriptor ServerDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ServerValidateTokenContext>()
            .UseScopedHandler<RejectTokensOfDeletedClients>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateAuthorizationEntry.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await DeletedClientAsync(context.Principal, context.CancellationToken).ConfigureAwait(false) is { } clientId)
        {
            Log.TokenOfDeletedClientRejected(context.Logger, clientId);
            context.Reject(error: Errors.InvalidToken, description: RegistrationErrorDescriptions.TokenOfDeletedClient());
        }
    }

    /// <inheritdoc />
    public async ValueTask HandleAsync(ServerValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await DeletedClientAsync(context.Principal, context.CancellationToken).ConfigureAwait(false) is { } clientId)
        {
            Log.TokenOfDeletedClientRejected(context.Logger, clientId);
            context.Reject(error: Errors.InvalidToken, description: RegistrationErrorDescriptions.TokenOfDeletedClient());
        }
    }

    // The client of an access token, when it no longer exists; null when it does or the token names none.
    private async ValueTask<string?> DeletedClientAsync(ClaimsPrincipal? principal, CancellationToken cancellationToken)
    {
        // OpenIddict writes the client into every access token it issues, as client_id and as its presenter.
        var clientId = principal?.GetClaim(Claims.ClientId) ?? principal?.GetPresenters().FirstOrDefault();
        if (string.IsNullOrEmpty(clientId))
        {
            return null;
        }

        return await _applications.FindByClientIdAsync(clientId, cancellationToken).ConfigureAwait(false) is null ? clientId : null;
    }
}
