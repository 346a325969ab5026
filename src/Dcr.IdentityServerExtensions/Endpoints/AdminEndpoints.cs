using System.Globalization;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Endpoints;

/// <summary>
/// The operators' admin API under <c>Admin:Path</c>: list, read, delete and bulk-delete the clients this product created,
/// through <see cref="IClientAdministration"/>. Every request needs a host access token with <c>Admin:RequiredScope</c>,
/// checked by the host's own token validation (<see cref="IInitialAccessTokenValidator"/>), and is answered RFC 6750
/// style otherwise (401 <c>invalid_token</c>, 403 <c>insufficient_scope</c>). Unknown parameters and bad values are
/// refused with 400 <c>invalid_request</c>; nothing is guessed. Every answer is <c>Cache-Control: no-store</c>.
/// </summary>
internal static class AdminEndpoints
{
    private const string ClientIdRouteValue = "clientId";
    private const int MaxBodySize = 16 * 1024;
    private const int MaxTextLength = 400;

    // The last second DateTimeOffset can represent.
    private const long MaxEpochSeconds = 253_402_300_799;

    private static readonly string[] FilterNames =
        ["source", "created_by", "initial_access_token_id", "created_after", "created_before", "unused_since", "q"];

    private static readonly HashSet<string> ListParameters =
        new([.. FilterNames, "limit", "cursor", "order"], StringComparer.Ordinal);

    private static readonly Dictionary<string, ClientOrder> Orders = new(StringComparer.Ordinal)
    {
        ["created_desc"] = ClientOrder.CreatedDescending,
        ["created_asc"] = ClientOrder.CreatedAscending,
        ["last_used_desc"] = ClientOrder.LastUsedDescending,
        ["last_used_asc"] = ClientOrder.LastUsedAscending,
    };

    private static readonly RegistrationError NotFound = RegistrationErrorDescriptions.AdminClientNotFound();

    private static readonly RegistrationError Unavailable = RegistrationErrorDescriptions.StoreUnavailable();

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;
        var group = endpoints.MapGroup(options.Admin.Path);
        group.MapGet("/clients", context => RunAsync(context, ListAsync)).WithDisplayName("Dynamic client registration admin: list");
        group.MapGet("/clients/{" + ClientIdRouteValue + "}", context => RunAsync(context, ReadAsync))
            .WithDisplayName("Dynamic client registration admin: read");
        group.MapDelete("/clients/{" + ClientIdRouteValue + "}", context => RunAsync(context, DeleteAsync))
            .WithDisplayName("Dynamic client registration admin: delete");
        group.MapPost("/clients/delete", context => RunAsync(context, DeleteManyAsync))
            .WithDisplayName("Dynamic client registration admin: bulk delete");
        return group;
    }

    private static async Task RunAsync(HttpContext context, Func<HttpContext, IClientAdministration, Task> handler)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<DynamicClientRegistrationOptions>>().CurrentValue;
        var validator = context.RequestServices.GetRequiredService<IInitialAccessTokenValidator>();
        var token = await validator.ValidateAsync(context, options.Admin.RequiredScope).ConfigureAwait(false);
        if (token.Status != InitialAccessTokenStatus.Valid)
        {
            var error = token.Status == InitialAccessTokenStatus.InsufficientScope
                ? RegistrationErrorDescriptions.AdminScopeRequired(options.Admin.RequiredScope)
                : RegistrationErrorDescriptions.AdminTokenRequired();
            await ProtocolResponseWriter.WriteErrorAsync(context, error, options.Admin.RequiredScope).ConfigureAwait(false);
            return;
        }

        // The administrator, for the audit trail of what they delete.
        context.User = token.Principal!;
        try
        {
            await handler(context, context.RequestServices.GetRequiredService<IClientAdministration>()).ConfigureAwait(false);
        }
        catch (Exception exception) when (StoreFailures.IsUnreachable(exception) && !context.RequestAborted.IsCancellationRequested)
        {
            Log.StorageUnavailable(context.RequestServices.GetRequiredService<ILogger<ClientRegistrationService>>(), exception);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ProtocolResponseWriter.WriteErrorAsync(context, Unavailable).ConfigureAwait(false);
            }
        }
    }

    private static async Task ListAsync(HttpContext context, IClientAdministration administration)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in context.Request.Query)
        {
            if (!ListParameters.Contains(name))
            {
                await BadRequestAsync(context, RegistrationErrorDescriptions.AdminUnknownParameter("parameter", Printable(name), ListParameters)).ConfigureAwait(false);
                return;
            }

            if (values.Count != 1)
            {
                await BadRequestAsync(context, RegistrationErrorDescriptions.AdminRepeatedParameter(name)).ConfigureAwait(false);
                return;
            }

            parameters[name] = values[0] ?? string.Empty;
        }

        var filter = new ClientFilter();
        foreach (var name in FilterNames)
        {
            if (parameters.TryGetValue(name, out var value))
            {
                var applied = Apply(filter, name, value.Length == 0 ? null : JsonValue(value, IsTime(name)));
                if (applied.Error is { } problem)
                {
                    await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadFilter(problem)).ConfigureAwait(false);
                    return;
                }

                filter = applied.Filter!;
            }
        }

        var order = ClientOrder.CreatedDescending;
        if (parameters.TryGetValue("order", out var orderName) && !Orders.TryGetValue(orderName, out order))
        {
            await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadOrder(Orders.Keys)).ConfigureAwait(false);
            return;
        }

        var limit = ClientQuery.DefaultLimit;
        if (parameters.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > ClientQuery.MaxLimit))
        {
            await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadLimit(ClientQuery.MaxLimit, ClientQuery.DefaultLimit)).ConfigureAwait(false);
            return;
        }

        string? cursor = null;
        if (parameters.TryGetValue("cursor", out var cursorText))
        {
            if (!ClientCursor.TryDecode(cursorText, order, out _))
            {
                await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadCursor()).ConfigureAwait(false);
                return;
            }

            cursor = cursorText;
        }

        var page = await administration.ListAsync(new ClientQuery { Filter = filter, Order = order, Limit = limit, Cursor = cursor }, context.RequestAborted)
            .ConfigureAwait(false);
        await WriteJsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("clients");
            foreach (var client in page.Clients)
            {
                WriteClient(writer, client);
            }

            writer.WriteEndArray();
            if (page.NextCursor is { } next)
            {
                writer.WriteString("next_cursor", next);
            }
            else
            {
                writer.WriteNull("next_cursor");
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task ReadAsync(HttpContext context, IClientAdministration administration)
    {
        var client = await administration.FindAsync(ClientIdFromRoute(context), context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, NotFound).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, writer => WriteClient(writer, client)).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, IClientAdministration administration)
    {
        if (!await administration.DeleteAsync(ClientIdFromRoute(context), context.RequestAborted).ConfigureAwait(false))
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, NotFound).ConfigureAwait(false);
            return;
        }

        ProtocolResponseWriter.PreventCaching(context.Response);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DeleteManyAsync(HttpContext context, IClientAdministration administration)
    {
        if (!ProtocolResponseWriter.IsJsonContentType(context.Request))
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, RegistrationErrorDescriptions.UnsupportedContentType()).ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await ProtocolResponseWriter.WriteErrorAsync(context, RegistrationErrorDescriptions.RequestBodyTooLarge(MaxBodySize)).ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBodyNotObject()).ConfigureAwait(false);
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBodyNotObject()).ConfigureAwait(false);
                return;
            }

            var filter = new ClientFilter();
            var dryRun = false;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(member.Name))
                {
                    await BadRequestAsync(context, RegistrationErrorDescriptions.AdminRepeatedParameter(Printable(member.Name))).ConfigureAwait(false);
                    return;
                }

                if (member.Name == "dry_run")
                {
                    if (member.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadDryRun()).ConfigureAwait(false);
                        return;
                    }

                    dryRun = member.Value.GetBoolean();
                    continue;
                }

                if (Array.IndexOf(FilterNames, member.Name) < 0)
                {
                    await BadRequestAsync(context,
                        RegistrationErrorDescriptions.AdminUnknownParameter("member", Printable(member.Name), [.. FilterNames, "dry_run"])).ConfigureAwait(false);
                    return;
                }

                var applied = Apply(filter, member.Name, member.Value.ValueKind == JsonValueKind.Null ? null : member.Value);
                if (applied.Error is { } problem)
                {
                    await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBadFilter(problem)).ConfigureAwait(false);
                    return;
                }

                filter = applied.Filter!;
            }

            if (filter.IsEmpty)
            {
                await BadRequestAsync(context, RegistrationErrorDescriptions.AdminBulkDeleteWithoutFilter(FilterNames)).ConfigureAwait(false);
                return;
            }

            var result = await administration.DeleteManyAsync(filter, dryRun, context.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(context, StatusCodes.Status200OK, writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("matched", result.Matched);
                writer.WriteNumber("deleted", result.Deleted);
                writer.WriteEndObject();
            }).ConfigureAwait(false);
        }
    }

    // One filter from its JSON value: a string for the text filters, whole seconds since the epoch for the times. A
    // query parameter arrives as text and is turned into the same JSON value first, so both faces check alike.
    private static (ClientFilter? Filter, string? Error) Apply(ClientFilter filter, string name, JsonElement? value)
    {
        if (value is not { } element)
        {
            return (null, $"{name} must not be empty.");
        }

        if (IsTime(name))
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var seconds) || seconds is < 0 or > MaxEpochSeconds)
            {
                return (null, $"{name} must be a time in whole seconds since the epoch (1970-01-01T00:00:00Z), as client_id_issued_at is.");
            }

            var instant = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return (name switch
            {
                "created_after" => filter with { CreatedAfter = instant },
                "created_before" => filter with { CreatedBefore = instant },
                _ => filter with { UnusedSince = instant },
            }, null);
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 and <= MaxTextLength } text)
        {
            return (null, $"{name} must be a string of 1 to {MaxTextLength} characters.");
        }

        return name switch
        {
            "source" when text is not (ClientSources.Registration or ClientSources.MetadataDocument) =>
                (null, $"source must be '{ClientSources.Registration}' or '{ClientSources.MetadataDocument}'."),
            "source" => (filter with { Source = text }, null),
            "created_by" => (filter with { CreatedBy = text }, null),
            "initial_access_token_id" => (filter with { InitialAccessTokenId = text }, null),
            _ => (filter with { Text = text }, null),
        };
    }

    private static bool IsTime(string name) => name is "created_after" or "created_before" or "unused_since";

    // A query parameter as the JSON value the body would carry: a number for the times (digits only), a string otherwise.
    private static JsonElement JsonValue(string text, bool time)
    {
        var json = time && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds.ToString(CultureInfo.InvariantCulture)
            : JsonSerializer.Serialize(text);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    // A client id is one path segment: a Client ID Metadata Document URL arrives percent-encoded, its slashes as %2F,
    // which the server leaves encoded in the path.
    private static string ClientIdFromRoute(HttpContext context)
    {
        var value = context.Request.RouteValues[ClientIdRouteValue] as string ?? string.Empty;
        return value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    private static void WriteClient(Utf8JsonWriter writer, ClientSummary client)
    {
        writer.WriteStartObject();
        writer.WriteString("client_id", client.ClientId);
        WriteStringOrNull(writer, "client_name", client.ClientName);
        writer.WriteString("source", client.Source);
        WriteStringOrNull(writer, "created_by", client.CreatedBy);
        WriteStringOrNull(writer, "initial_access_token_id", client.InitialAccessTokenId);
        writer.WriteNumber("client_id_issued_at", client.ClientIdIssuedAt.ToUnixTimeSeconds());
        if (client.LastUsedAt is { } lastUsed)
        {
            writer.WriteNumber("last_used_at", lastUsed.ToUnixTimeSeconds());
        }
        else
        {
            writer.WriteNull("last_used_at");
        }

        writer.WriteStartArray("grant_types");
        foreach (var grantType in client.GrantTypes)
        {
            writer.WriteStringValue(grantType);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("redirect_uris");
        foreach (var uri in client.RedirectUris)
        {
            writer.WriteStringValue(uri);
        }

        writer.WriteEndArray();
        WriteStringOrNull(writer, "token_endpoint_auth_method", client.TokenEndpointAuthMethod);
        WriteStringOrNull(writer, "scope", client.Scope);
        writer.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, int statusCode, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        ProtocolResponseWriter.PreventCaching(response);
        response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodySize)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodySize)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private static Task BadRequestAsync(HttpContext context, RegistrationError error) =>
        ProtocolResponseWriter.WriteErrorAsync(context, error);

    // A parameter name is the caller's text: only printable ASCII of it is echoed.
    private static string Printable(string text) =>
        new(text.Take(64).Select(character => character is >= ' ' and <= '~' and not '\'' ? character : '?').ToArray());
}
