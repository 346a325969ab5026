using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Secrets;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Errors = Dcr.IdentityServerExtensions.Protocol.RegistrationErrorDescriptions;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>
/// The registration endpoint (RFC 7591) and the client configuration endpoint (RFC 7592). Each request reads top to
/// bottom: parse, authenticate, hand to <see cref="ClientRegistrationService"/>, answer; one runner around them
/// traces, times and audits every request and turns an unreachable store into a 503.
/// </summary>
internal static class DynamicClientRegistrationEndpoints
{
    private const string ClientIdRouteValue = "clientId";

    private static readonly HashSet<string> EmptyNames = [];

    private static readonly RegistrationError NotEnabled = Errors.EndpointNotEnabled();

    private static readonly RegistrationError ServerFault = Errors.ServerFault();

    private static readonly RegistrationError Unavailable = Errors.StoreUnavailable();

    /// <summary>
    /// Maps <c>POST {RegistrationPath}</c> and <c>GET|PUT|DELETE {RegistrationPath}/{client_id}</c>.
    /// Returns the route group so the host can add rate limiting, CORS or extra authorization to all of them.
    /// </summary>
    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;

        var group = endpoints.MapGroup(options.RegistrationPath);
        group.MapPost(string.Empty, context => RunAsync(context, ClientRegistrationAction.Register, RegisterAsync))
            .WithDisplayName("Dynamic client registration");
        group.MapGet("/{" + ClientIdRouteValue + "}", context => RunAsync(context, ClientRegistrationAction.Read, ReadAsync))
            .WithDisplayName("Dynamic client read");
        group.MapPut("/{" + ClientIdRouteValue + "}", context => RunAsync(context, ClientRegistrationAction.Update, UpdateAsync))
            .WithDisplayName("Dynamic client update");
        group.MapDelete("/{" + ClientIdRouteValue + "}", context => RunAsync(context, ClientRegistrationAction.Delete, DeleteAsync))
            .WithDisplayName("Dynamic client delete");
        return group;
    }

    /// <summary>What a handler did: the client and caller involved, and the error it answered with, if any.</summary>
    private readonly record struct Outcome(string? ClientId, string? CallerId, RegistrationError? Error);

    private static async Task RunAsync(HttpContext context, ClientRegistrationAction action, Func<HttpContext, Task<Outcome>> handler)
    {
        var services = context.RequestServices;
        var metrics = services.GetRequiredService<DynamicClientRegistrationMetrics>();
        using var activity = DynamicClientRegistrationMetrics.ActivitySource.StartActivity("dcr." + DynamicClientRegistrationMetrics.ActionName(action));
        var started = Stopwatch.GetTimestamp();

        Outcome outcome;
        try
        {
            outcome = await handler(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A store that cannot be reached is temporary (503, retry); anything else is a fault of the server (500).
            // Either way the client gets the endpoints' own error body, never a framework error page.
            var unreachable = StoreFailures.IsUnreachable(exception);
            var logger = services.GetRequiredService<ILogger<ClientRegistrationService>>();
            if (unreachable)
            {
                Log.StorageUnavailable(logger, exception);
            }
            else
            {
                Log.UnexpectedFailure(logger, exception);
            }

            var failure = unreachable ? Unavailable : ServerFault;
            outcome = new Outcome(LoggableClientId(context), null, failure);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ProtocolResponseWriter.WriteErrorAsync(context, failure).ConfigureAwait(false);
            }
        }

        var audit = services.GetRequiredService<ClientRegistrationAudit>();
        if (outcome.Error is { } error)
        {
            await audit.RefusedAsync(action, outcome.ClientId, outcome.CallerId, error.Code, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await audit.SucceededAsync(action, outcome.ClientId, outcome.CallerId, CancellationToken.None).ConfigureAwait(false);
        }

        activity?.SetTag("dcr.client_id", outcome.ClientId);
        activity?.SetTag("dcr.outcome", outcome.Error?.Code ?? ClientRegistrationEvent.Success);
        activity?.SetStatus(outcome.Error is null || outcome.Error.StatusCode < 500 ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        metrics.RecordDuration(action, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<Outcome> RegisterAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>().CurrentValue;
        if (!options.Enabled)
        {
            return await FailAsync(context, NotEnabled, null, null).ConfigureAwait(false);
        }

        // Without the requirement, a caller that presents a token is still held to it: a bad token is refused rather
        // than silently demoted to anonymous, and a good one lifts the anonymous-registration limits.
        var caller = RegistrationCaller.Anonymous;
        if (options.RequireInitialAccessToken || context.Request.Headers.Authorization.Count > 0)
        {
            var validator = context.RequestServices.GetRequiredService<IInitialAccessTokenValidator>();
            var token = await validator.ValidateAsync(context, options.InitialAccessTokenScope).ConfigureAwait(false);
            if (token.Status != InitialAccessTokenStatus.Valid)
            {
                var error = token.Status == InitialAccessTokenStatus.InsufficientScope
                    ? Errors.InitialAccessTokenScopeMissing(options.InitialAccessTokenScope)
                    : Errors.InitialAccessTokenInvalid();
                await ProtocolResponseWriter.WriteErrorAsync(context, error, options.InitialAccessTokenScope).ConfigureAwait(false);
                return new Outcome(null, token.CallerId, error);
            }

            // What a custom validator returns is bounded here, before it is counted or stored.
            caller = new RegistrationCaller(token.Principal, RegistrationCaller.BoundCallerId(token.CallerId))
            {
                // A validator that does not name the token: the hash of the token it validated names it.
                InitialAccessTokenId = token.TokenId is { } tokenId
                    ? InitialAccessTokenResult.BoundTokenId(tokenId)
                    : BearerToken.Read(context.Request) is { } bearer ? InitialAccessTokenResult.HashToken(bearer) : null,
            };
        }

        var request = await ReadRequestAsync(context, options).ConfigureAwait(false);
        if (!request.Succeeded)
        {
            return await FailAsync(context, request.Error, null, caller.CallerId).ConfigureAwait(false);
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.RegisterAsync(request.Value, caller, RegistrationEndpointUri(context, options), context.RequestAborted)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return await FailAsync(context, result.Error, null, caller.CallerId).ConfigureAwait(false);
        }

        if (result.Value.RegistrationClientUri is { } location)
        {
            context.Response.Headers.Location = location.AbsoluteUri;
        }

        await ProtocolResponseWriter.WriteClientInformationAsync(context, result.Value, StatusCodes.Status201Created).ConfigureAwait(false);
        return new Outcome(result.Value.Client.ClientId, caller.CallerId, null);
    }

    private static async Task<Outcome> ReadAsync(HttpContext context)
    {
        var (options, client, refused) = await AuthenticateManagementAsync(context, isDelete: false).ConfigureAwait(false);
        if (client is null)
        {
            return refused;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.ReadAsync(client, RegistrationEndpointUri(context, options), context.RequestAborted).ConfigureAwait(false);
        return await AnswerAsync(context, client, result).ConfigureAwait(false);
    }

    private static async Task<Outcome> UpdateAsync(HttpContext context)
    {
        var (options, client, refused) = await AuthenticateManagementAsync(context, isDelete: false).ConfigureAwait(false);
        if (client is null)
        {
            return refused;
        }

        var request = await ReadRequestAsync(context, options).ConfigureAwait(false);
        if (!request.Succeeded)
        {
            return await FailAsync(context, request.Error, client.ClientId, client.ClientId).ConfigureAwait(false);
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.UpdateAsync(client, request.Value, RegistrationEndpointUri(context, options), context.RequestAborted)
            .ConfigureAwait(false);
        return await AnswerAsync(context, client, result).ConfigureAwait(false);
    }

    private static async Task<Outcome> DeleteAsync(HttpContext context)
    {
        var (_, client, refused) = await AuthenticateManagementAsync(context, isDelete: true).ConfigureAwait(false);
        if (client is null)
        {
            return refused;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.DeleteAsync(client, context.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return await FailAsync(context, result.Error, client.ClientId, client.ClientId).ConfigureAwait(false);
        }

        ProtocolResponseWriter.PreventCaching(context.Response);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return new Outcome(client.ClientId, client.ClientId, null);
    }

    /// <summary>
    /// Answers 404 when management is off, 405 for a DELETE that is not allowed, and 401 for any token problem;
    /// returns the authenticated client otherwise.
    /// </summary>
    private static async Task<(DynamicClientRegistrationOptions Options, StoredClient? Client, Outcome Refused)> AuthenticateManagementAsync(
        HttpContext context, bool isDelete)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>().CurrentValue;
        var clientId = context.Request.RouteValues[ClientIdRouteValue] as string ?? string.Empty;
        var loggableClientId = LoggableClientId(context);
        if (!options.Enabled || !options.Management.Enabled)
        {
            return (options, null, await FailAsync(context, NotEnabled, loggableClientId, null).ConfigureAwait(false));
        }

        if (isDelete && !options.Management.AllowClientDelete)
        {
            // RFC 7592 §2.3: a server that does not let clients delete themselves answers 405.
            context.Response.Headers.Allow = "GET, PUT";
            return (options, null, await FailAsync(context, Errors.DeleteNotAllowed(), loggableClientId, null).ConfigureAwait(false));
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var client = await service.AuthenticateAsync(clientId, BearerToken.Read(context.Request), context.RequestAborted).ConfigureAwait(false);
        if (!client.Succeeded)
        {
            // The caller is unknown: the token proved nothing.
            return (options, null, await FailAsync(context, client.Error, loggableClientId, null).ConfigureAwait(false));
        }

        return (options, client.Value, default);
    }

    private static async Task<Outcome> AnswerAsync(HttpContext context, StoredClient client, RegistrationResult<ClientInformationResponse> result)
    {
        if (!result.Succeeded)
        {
            return await FailAsync(context, result.Error, client.ClientId, client.ClientId).ConfigureAwait(false);
        }

        await ProtocolResponseWriter.WriteClientInformationAsync(context, result.Value, StatusCodes.Status200OK).ConfigureAwait(false);
        return new Outcome(client.ClientId, client.ClientId, null);
    }

    private static async Task<Outcome> FailAsync(HttpContext context, RegistrationError error, string? clientId, string? callerId)
    {
        await ProtocolResponseWriter.WriteErrorAsync(context, error).ConfigureAwait(false);
        return new Outcome(clientId, callerId, error);
    }

    private static async Task<RegistrationResult<ClientRegistrationRequest>> ReadRequestAsync(
        HttpContext context, DynamicClientRegistrationOptions options)
    {
        var request = context.Request;
        if (!ProtocolResponseWriter.IsJsonContentType(request))
        {
            return Errors.UnsupportedContentType();
        }

        var tooLarge = Errors.RequestBodyTooLarge(options.MaxRequestBodySize);
        // The server refuses the excess while the body streams in, chunked bodies included (Kestrel, IIS and HTTP.sys
        // do; Kestrel counts a chunked body's framing too), and does not drain a body it knows to be too large. Set per
        // request, so that reloaded options apply.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = options.MaxRequestBodySize;
        }

        if (request.ContentLength > options.MaxRequestBodySize)
        {
            return tooLarge;
        }

        RegistrationResult<JsonDocument> parsed;
        try
        {
            parsed = await ClientMetadataJson.ParseAsync(request.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return tooLarge;
        }

        if (!parsed.Succeeded)
        {
            return parsed.Error;
        }

        using var document = parsed.Value;

        // A server that could not be told the limit (TestServer has no such feature; a body another middleware already
        // started reading can no longer be limited) still gets the same answer for a body over it.
        var body = document.RootElement;
        if (JsonMarshal.GetRawUtf8Value(body).Length > options.MaxRequestBodySize)
        {
            return tooLarge;
        }

        var extendedNames = options.ExtendedMetadata.Count == 0
            ? EmptyNames
            : new HashSet<string>(options.ExtendedMetadata.Keys, StringComparer.Ordinal);
        var read = ClientMetadataJson.ReadRequest(body, extendedNames);
        if (!read.Succeeded || (read.Value.Metadata.SoftwareStatement is null && !options.SoftwareStatements.Required))
        {
            return read;
        }

        var statements = context.RequestServices.GetRequiredService<SoftwareStatementValidator>();
        return await statements.ApplyAsync(body, read.Value, extendedNames, context.RequestAborted).ConfigureAwait(false);
    }

    // The path is the caller's text: only a client id this product could have issued goes into the audit trail, the
    // logs and the trace; anything else (a CR/LF that would forge a log line) is recorded as no client at all.
    private static string? LoggableClientId(HttpContext context) =>
        context.Request.RouteValues[ClientIdRouteValue] is string clientId && RegistrationSecrets.IsWellFormedClientId(clientId)
            ? clientId
            : null;

    // Under the issuer discovery names, never under whatever Host header this request carried.
    private static Uri RegistrationEndpointUri(HttpContext context, DynamicClientRegistrationOptions options)
    {
        var issuer = context.RequestServices.GetRequiredService<IAuthorizationServerIssuer>().GetIssuer(context).AbsoluteUri;
        return new Uri(issuer.TrimEnd('/') + options.RegistrationPath);
    }
}
