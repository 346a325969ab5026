using System.Globalization;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.AdminUi;

/// <summary>
/// The admin pages, under <c>{Admin:Path}/ui</c>: the listing with filters, order and paging (<c>GET /clients</c>), one
/// client (<c>GET /client?client_id=</c>), its deletion (<c>POST /client/delete</c>), the bulk delete's confirmation
/// with the count of a dry run (<c>GET /clients/delete</c>) and the bulk delete itself (<c>POST /clients/delete</c>).
/// Reads and deletes go through <see cref="IClientAdministration"/> only, as the admin API does. Every POST carries an
/// antiforgery token checked here, whether or not the host's pipeline checks it too.
/// </summary>
internal static class AdminUiEndpoints
{
    /// <summary>The pages' place under the admin API's path.</summary>
    public const string PathSegment = "/ui";

    /// <summary>The policy of every page response: nothing but this origin's style sheet and forms posting back here.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public const string ClientIdField = "client_id";

    public const string DeletedParameter = "deleted";

    private const string StyleSheetResource = "Dcr.IdentityServerExtensions.AdminUi.admin.css";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string authorizationPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(authorizationPolicy);
        RequireServices(endpoints.ServiceProvider, authorizationPolicy);

        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value;
        var path = options.Admin.Path.TrimEnd('/') + PathSegment;

        var group = endpoints.MapGroup(path);
        group.RequireAuthorization(authorizationPolicy);
        group.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context).ConfigureAwait(false);
            // After the handler, before its result is written: antiforgery's "no-cache, no-store" gives way to these.
            WriteSecurityHeaders(context.HttpContext.Response);
            return result;
        });

        group.MapGet(string.Empty, (HttpContext context) => SeeOther(context, Links(context, path).Clients()))
            .WithDisplayName("DCR admin page: start");
        group.MapGet("/clients", Handler(context => ListAsync(context, path)))
            .WithDisplayName("DCR admin page: clients");
        group.MapGet("/client", Handler(context => DetailAsync(context, path)))
            .WithDisplayName("DCR admin page: client");
        group.MapPost("/client/delete", Handler(context => DeleteOneAsync(context, path)))
            .WithDisplayName("DCR admin page: delete client");
        group.MapGet("/clients/delete", Handler(context => ConfirmDeleteManyAsync(context, path)))
            .WithDisplayName("DCR admin page: confirm bulk delete");
        group.MapPost("/clients/delete", Handler(context => DeleteManyAsync(context, path)))
            .WithDisplayName("DCR admin page: bulk delete");
        group.MapGet("/" + AdminUiPages.StyleSheetName, StyleSheet)
            .WithDisplayName("DCR admin page: style sheet");
        return group;
    }

    // A Func<HttpContext, Task<IResult>> would otherwise be taken as a RequestDelegate, whose result is discarded
    // (ASP0016) and which runs no endpoint filter: as a route handler, its IResult is executed after the filters.
    private static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    private static void RequireServices(IServiceProvider services, string authorizationPolicy)
    {
        var registered = services.GetRequiredService<IServiceProviderIsService>();
        if (!registered.IsService(typeof(IClientAdministration)))
        {
            throw new InvalidOperationException(
                "MapDynamicClientRegistrationAdminUi() needs an IClientAdministration: register the product with "
                + "AddDynamicClientRegistration(...).UseOpenIddict(), or register your host's own implementation.");
        }

        if (!registered.IsService(typeof(IAntiforgery)))
        {
            throw new InvalidOperationException(
                "MapDynamicClientRegistrationAdminUi() protects its forms with ASP.NET Core antiforgery: call "
                + "builder.Services.AddAntiforgery().");
        }

        // A policy the host names but never defined would fail every request; say so at start-up instead. A host with
        // its own policy provider may create policies on demand, so only the default provider's list is checked.
        if (services.GetService<IAuthorizationPolicyProvider>() is DefaultAuthorizationPolicyProvider
            && services.GetRequiredService<IOptions<AuthorizationOptions>>().Value.GetPolicy(authorizationPolicy) is null)
        {
            throw new InvalidOperationException(
                $"MapDynamicClientRegistrationAdminUi(\"{authorizationPolicy}\") names an authorization policy the host "
                + "does not define: add it with builder.Services.AddAuthorization(options => options.AddPolicy(...)), "
                + "requiring the administrators' authentication scheme and role.");
        }
    }

    private static void WriteSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        headers.XFrameOptions = "DENY";
    }

    private static async Task<IResult> ListAsync(HttpContext context, string path)
    {
        var links = Links(context, path);
        var fields = ClientFilterFields.Parse(name => context.Request.Query[name].FirstOrDefault());
        var deleted = int.TryParse(context.Request.Query[DeletedParameter], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : (int?)null;
        if (!fields.IsValid)
        {
            return AdminUiPages.Clients(context, links, fields, page: null, deleted, StatusCodes.Status400BadRequest);
        }

        var administration = context.RequestServices.GetRequiredService<IClientAdministration>();
        ClientPage page;
        try
        {
            page = await administration.ListAsync(new ClientQuery
            {
                Filter = fields.Filter,
                Order = fields.SelectedOrder,
                Limit = fields.PageSize,
                Cursor = fields.CursorValue,
            }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (fields.CursorValue is not null && exception is ArgumentException or FormatException)
        {
            // A cursor is opaque and only this server makes them: one that does not parse was edited or is stale.
            return AdminUiPages.Message(context, links, "Page link not valid", StatusCodes.Status400BadRequest,
                "This page link is no longer valid. Start again from the first page.", links.Clients(fields.FilterParameters(true)), "First page");
        }

        return AdminUiPages.Clients(context, links, fields, page, deleted, StatusCodes.Status200OK);
    }

    private static async Task<IResult> DetailAsync(HttpContext context, string path)
    {
        var links = Links(context, path);
        var clientId = context.Request.Query[ClientIdField].FirstOrDefault();
        var client = string.IsNullOrEmpty(clientId)
            ? null
            : await context.RequestServices.GetRequiredService<IClientAdministration>()
                .FindAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            return NotFound(context, links);
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return AdminUiPages.Client(context, links, client, antiforgery);
    }

    private static async Task<IResult> DeleteOneAsync(HttpContext context, string path)
    {
        var links = Links(context, path);
        if (await RefuseForgedAsync(context, links).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var clientId = form[ClientIdField].FirstOrDefault();
        var deleted = !string.IsNullOrEmpty(clientId)
            && await context.RequestServices.GetRequiredService<IClientAdministration>()
                .DeleteAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        return deleted
            ? SeeOther(context, links.Clients([new(DeletedParameter, "1")]))
            : NotFound(context, links);
    }

    private static async Task<IResult> ConfirmDeleteManyAsync(HttpContext context, string path)
    {
        var links = Links(context, path);
        var fields = ClientFilterFields.Parse(name => context.Request.Query[name].FirstOrDefault());
        if (RefuseBulkFilter(context, links, fields) is { } refused)
        {
            return refused;
        }

        var dryRun = await context.RequestServices.GetRequiredService<IClientAdministration>()
            .DeleteManyAsync(fields.Filter, dryRun: true, context.RequestAborted).ConfigureAwait(false);
        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return AdminUiPages.ConfirmDeleteMany(context, links, fields, dryRun.Matched, antiforgery);
    }

    private static async Task<IResult> DeleteManyAsync(HttpContext context, string path)
    {
        var links = Links(context, path);
        if (await RefuseForgedAsync(context, links).ConfigureAwait(false) is { } forged)
        {
            return forged;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var fields = ClientFilterFields.Parse(name => form[name].FirstOrDefault());
        if (RefuseBulkFilter(context, links, fields) is { } refused)
        {
            return refused;
        }

        var result = await context.RequestServices.GetRequiredService<IClientAdministration>()
            .DeleteManyAsync(fields.Filter, dryRun: false, context.RequestAborted).ConfigureAwait(false);
        return SeeOther(context, links.Clients(fields.FilterParameters(true)
            .Append(new(DeletedParameter, result.Deleted.ToString(CultureInfo.InvariantCulture)))));
    }

    /// <summary>A bulk delete needs a valid, non-empty filter: an empty one would delete every client.</summary>
    private static IResult? RefuseBulkFilter(HttpContext context, AdminUiLinks links, ClientFilterFields fields)
    {
        if (!fields.IsValid)
        {
            return AdminUiPages.Message(context, links, "Filter not valid", StatusCodes.Status400BadRequest,
                "The filter of this bulk delete is not valid: " + string.Join(" ", fields.Errors.Select(error =>
                    $"{ClientFilterFields.Label(error.Key)}: {error.Value}")),
                links.Clients(fields.FilterParameters(true)), "Back to the clients");
        }

        if (fields.Filter.IsEmpty)
        {
            return AdminUiPages.Message(context, links, "Choose a filter first", StatusCodes.Status400BadRequest,
                "A bulk delete needs at least one filter, so that it can never delete every client by accident.",
                links.Clients(), "Back to the clients");
        }

        return null;
    }

    private static async Task<IResult?> RefuseForgedAsync(HttpContext context, AdminUiLinks links)
    {
        if (context.Request.HasFormContentType
            && await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return null;
        }

        return AdminUiPages.Message(context, links, "Form not accepted", StatusCodes.Status400BadRequest,
            "This form was not sent from this admin page, or it has expired. Nothing was deleted. Reload the page and try again.",
            links.Clients(), "Back to the clients");
    }

    private static IResult NotFound(HttpContext context, AdminUiLinks links) =>
        AdminUiPages.Message(context, links, "Client not found", StatusCodes.Status404NotFound,
            "No client of this server has that client ID: it may have been deleted meanwhile.", links.Clients(), "Back to the clients");

    /// <summary>303: after a POST the browser fetches the next page with GET, and a reload does not post again.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static readonly Lazy<string> StyleSheetText = new(() =>
    {
        using var stream = typeof(AdminUiEndpoints).Assembly.GetManifestResourceStream(StyleSheetResource)
            ?? throw new InvalidOperationException($"The embedded resource {StyleSheetResource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static IResult StyleSheet() => Results.Text(StyleSheetText.Value, "text/css; charset=utf-8");

    private static AdminUiLinks Links(HttpContext context, string path) =>
        new(context.Request.PathBase.Add(path),
            context.RequestServices.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value.Admin.SignOutPath is { } signOut
                ? context.Request.PathBase + signOut
                : null);
}
