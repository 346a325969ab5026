using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>The registration endpoint (RFC 7591) and the client configuration endpoint (RFC 7592).</summary>
internal static class DynamicClientRegistrationEndpoints
{
    private const string ClientIdRouteValue = "clientId";

    /// <summary>
    /// Maps <c>POST {RegistrationPath}</c> and <c>GET|PUT|DELETE {RegistrationPath}/{client_id}</c>.
    /// Returns the route group so the host can add rate limiting, CORS or extra authorization to all of them.
    /// </summary>
    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;

        var group = endpoints.MapGroup(options.RegistrationPath);
        group.MapPost(string.Empty, RegisterAsync).WithDisplayName("Dynamic client registration");
        group.MapGet("/{" + ClientIdRouteValue + "}", ReadAsync).WithDisplayName("Dynamic client read");
        group.MapPut("/{" + ClientIdRouteValue + "}", UpdateAsync).WithDisplayName("Dynamic client update");
        group.MapDelete("/{" + ClientIdRouteValue + "}", DeleteAsync).WithDisplayName("Dynamic client delete");
        return group;
    }

    private static async Task RegisterAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>().CurrentValue;
        if (!options.Enabled)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, NotEnabled).ConfigureAwait(false);
            return;
        }

        var caller = RegistrationCaller.Anonymous;
        if (options.RequireInitialAccessToken)
        {
            var validator = context.RequestServices.GetRequiredService<IInitialAccessTokenValidator>();
            var token = await validator.ValidateAsync(context, options.InitialAccessTokenScope).ConfigureAwait(false);
            if (token.Status != InitialAccessTokenStatus.Valid)
            {
                var logger = context.RequestServices.GetRequiredService<ILogger<ClientRegistrationService>>();
                Log.InitialAccessTokenRejected(logger, token.Status);
                var error = token.Status == InitialAccessTokenStatus.InsufficientScope
                    ? new RegistrationError(RegistrationErrorCodes.InsufficientScope,
                        $"The initial access token must carry the '{options.InitialAccessTokenScope}' scope.", StatusCodes.Status403Forbidden)
                    : RegistrationError.InvalidToken("A valid initial access token is required as a bearer token.");
                await ProtocolResponseWriter.WriteErrorAsync(context, error, options.InitialAccessTokenScope).ConfigureAwait(false);
                return;
            }

            caller = new RegistrationCaller(token.Principal, token.CallerId);
        }

        var request = await ReadRequestAsync(context, options).ConfigureAwait(false);
        if (!request.Succeeded)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, request.Error).ConfigureAwait(false);
            return;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.RegisterAsync(request.Value, caller, RegistrationEndpointUri(context, options), context.RequestAborted)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, result.Error).ConfigureAwait(false);
            return;
        }

        if (result.Value.RegistrationClientUri is { } location)
        {
            context.Response.Headers.Location = location.AbsoluteUri;
        }

        await ProtocolResponseWriter.WriteClientInformationAsync(context, result.Value, StatusCodes.Status201Created).ConfigureAwait(false);
    }

    private static async Task ReadAsync(HttpContext context)
    {
        var (options, client) = await AuthenticateManagementAsync(context, isDelete: false).ConfigureAwait(false);
        if (client is null)
        {
            return;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.ReadAsync(client, RegistrationEndpointUri(context, options), context.RequestAborted).ConfigureAwait(false);
        await WriteManagementResultAsync(context, result).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(HttpContext context)
    {
        var (options, client) = await AuthenticateManagementAsync(context, isDelete: false).ConfigureAwait(false);
        if (client is null)
        {
            return;
        }

        var request = await ReadRequestAsync(context, options).ConfigureAwait(false);
        if (!request.Succeeded)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, request.Error).ConfigureAwait(false);
            return;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.UpdateAsync(client, request.Value, RegistrationEndpointUri(context, options), context.RequestAborted)
            .ConfigureAwait(false);
        await WriteManagementResultAsync(context, result).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        var (_, client) = await AuthenticateManagementAsync(context, isDelete: true).ConfigureAwait(false);
        if (client is null)
        {
            return;
        }

        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var result = await service.DeleteAsync(client, context.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, result.Error).ConfigureAwait(false);
            return;
        }

        ProtocolResponseWriter.PreventCaching(context.Response);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// Answers 404 when management is off, 405 for a DELETE that is not allowed, and 401 for any token problem;
    /// returns the authenticated client otherwise.
    /// </summary>
    private static async Task<(DynamicClientRegistrationOptions Options, Stores.StoredClient? Client)> AuthenticateManagementAsync(
        HttpContext context, bool isDelete)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>().CurrentValue;
        if (!options.Enabled || !options.Management.Enabled)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, NotEnabled).ConfigureAwait(false);
            return (options, null);
        }

        if (isDelete && !options.Management.AllowClientDelete)
        {
            // RFC 7592 §2.3: a server that does not let clients delete themselves answers 405.
            context.Response.Headers.Allow = "GET, PUT";
            await ProtocolResponseWriter.WriteErrorAsync(context, new RegistrationError(RegistrationErrorCodes.InvalidRequest,
                "This server does not allow clients to delete their registration.", StatusCodes.Status405MethodNotAllowed)).ConfigureAwait(false);
            return (options, null);
        }

        var clientId = context.Request.RouteValues[ClientIdRouteValue] as string ?? string.Empty;
        var service = context.RequestServices.GetRequiredService<ClientRegistrationService>();
        var client = await service.AuthenticateAsync(clientId, BearerToken(context.Request), context.RequestAborted).ConfigureAwait(false);
        if (!client.Succeeded)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, client.Error).ConfigureAwait(false);
            return (options, null);
        }

        return (options, client.Value);
    }

    private static Task WriteManagementResultAsync(HttpContext context, RegistrationResult<ClientInformationResponse> result) =>
        result.Succeeded
            ? ProtocolResponseWriter.WriteClientInformationAsync(context, result.Value, StatusCodes.Status200OK)
            : ProtocolResponseWriter.WriteErrorAsync(context, result.Error);

    private static async Task<RegistrationResult<ClientRegistrationRequest>> ReadRequestAsync(
        HttpContext context, DynamicClientRegistrationOptions options)
    {
        var request = context.Request;
        if (!ProtocolResponseWriter.IsJsonContentType(request))
        {
            return new RegistrationError(RegistrationErrorCodes.InvalidRequest,
                "The request body must be sent with Content-Type: application/json.", StatusCodes.Status415UnsupportedMediaType);
        }

        var tooLarge = new RegistrationError(RegistrationErrorCodes.InvalidRequest,
            $"The request body exceeds {options.MaxRequestBodySize} bytes.", StatusCodes.Status413PayloadTooLarge);
        if (request.ContentLength > options.MaxRequestBodySize)
        {
            return tooLarge;
        }

        // Read at most one byte past the limit: a chunked body without Content-Length must not fill memory.
        var buffer = new byte[Math.Min(options.MaxRequestBodySize + 1, (int?)request.ContentLength + 1 ?? 4096)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > options.MaxRequestBodySize)
                {
                    return tooLarge;
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, options.MaxRequestBodySize + 1));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > options.MaxRequestBodySize)
        {
            return tooLarge;
        }

        var body = buffer.AsMemory(0, length);
        var extendedNames = options.ExtendedMetadata.Count == 0
            ? EmptyNames
            : new HashSet<string>(options.ExtendedMetadata.Keys, StringComparer.Ordinal);
        var parsed = ClientMetadataJson.ReadRequest(body, extendedNames);
        if (!parsed.Succeeded || (parsed.Value.Metadata.SoftwareStatement is null && !options.SoftwareStatements.Required))
        {
            return parsed;
        }

        var statements = context.RequestServices.GetRequiredService<SoftwareStatementValidator>();
        return await statements.ApplyAsync(body, parsed.Value, extendedNames, context.RequestAborted).ConfigureAwait(false);
    }

    private static readonly HashSet<string> EmptyNames = [];

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[Scheme.Length..].Trim()
            : null;
    }

    private static Uri RegistrationEndpointUri(HttpContext context, DynamicClientRegistrationOptions options)
    {
        var request = context.Request;
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{options.RegistrationPath}");
    }

    private static RegistrationError NotEnabled { get; } = new(RegistrationErrorCodes.InvalidRequest,
        "This endpoint is not enabled on this server.", StatusCodes.Status404NotFound);
}
