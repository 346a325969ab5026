using Dcr.IdentityServerExtensions.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Dcr.IdentityServerExtensions.OpenIddict;

/// <summary>
/// At the authorization and token endpoints, makes sure a client whose <c>client_id</c> is a Client ID Metadata Document
/// URL is stored and fresh before OpenIddict looks it up, and refuses the request, with the cause in
/// <c>error_description</c>, when its document is refused. It runs before OpenIddict validates client assertions, so a
/// document's new keys are in place for them, and before the redirect URI is trusted, so the authorization endpoint
/// answers with an error page (400 <c>invalid_request</c>) and never redirects; the token endpoint answers
/// <c>invalid_client</c>. Other endpoints (revocation, introspection) use the client as stored, without fetching. An
/// application the host created itself with a URL as its client id is left to OpenIddict, whatever the URL.
/// </summary>
internal sealed class ResolveClientIdMetadataDocument : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    private readonly ClientIdMetadataDocuments _documents;
    private readonly IServiceScopeFactory _scopes;

    public ResolveClientIdMetadataDocument(ClientIdMetadataDocuments documents, IServiceScopeFactory scopes)
    {
        _documents = documents;
        _scopes = scopes;
    }

    /// <summary>The handler's descriptor: right before OpenIddict validates a client assertion.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<ResolveClientIdMetadataDocument>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertion.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <inheritdoc />
    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.EndpointType is not (OpenIddictServerEndpointType.Authorization or OpenIddictServerEndpointType.Token
            or OpenIddictServerEndpointType.PushedAuthorization))
        {
            return;
        }

        var clientId = context.Request.ClientId ?? AssertionIssuer(context.Request.ClientAssertion);
        if (!_documents.Enabled || !ClientIdMetadataDocuments.LooksLikeUrl(clientId))
        {
            return;
        }

        // A scope of its own, as the documents service reads and writes in: an application tracked by the request's data
        // context now would hide a version written there moments later from OpenIddict's own lookup. One scope for the
        // host-application check and the documents service, so that the client is read from the database once.
        ClientIdMetadataDocumentOutcome outcome;
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(clientId!, context.CancellationToken).ConfigureAwait(false);
            if (application is not null
                && !await RegistrationDocument.IsDynamicClientAsync(applications, application, context.CancellationToken).ConfigureAwait(false))
            {
                return;
            }

            outcome = await _documents.EnsureClientAsync(clientId!, scope.ServiceProvider, context.CancellationToken).ConfigureAwait(false);
        }

        if (outcome is ClientIdMetadataDocumentOutcome.Refused refused)
        {
            // OpenIddict's own rule for an unknown client: invalid_client where the client authenticates.
            var error = context.EndpointType == OpenIddictServerEndpointType.Authorization
                ? Errors.InvalidRequest
                : Errors.InvalidClient;
            context.Reject(error, refused.Description);
        }
    }

    // A client that authenticates with an assertion may leave client_id out: its issuer names the client. It is read
    // unverified only to know which document to refresh; OpenIddict verifies the assertion afterwards.
    private static string? AssertionIssuer(string? assertion)
    {
        if (string.IsNullOrEmpty(assertion))
        {
            return null;
        }

        try
        {
            return new JsonWebToken(assertion).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
