using System.Globalization;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Stores;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dcr.IdentityServerExtensions.AdminUi;

/// <summary>
/// The pages' HTML. For keyboards and screen readers: a language, a skip link to the main content, one <c>h1</c> per
/// page and <c>h2</c> per section, a <c>label</c> for every field, tables with a caption, column headers and row headers,
/// real buttons and links, and messages in a status region. No script: forms do everything.
/// </summary>
internal static class AdminUiPages
{
    public const string StyleSheetName = "admin.css";

    private const string Product = "Dynamic client registration";

    public static IResult Clients(HttpContext context, AdminUiLinks links, ClientFilterFields fields, ClientPage? page,
        int? deleted, int statusCode)
    {
        var body = new HtmlBuilder();
        body.Append($"<h1>Registered clients</h1>\n");
        if (deleted is { } count)
        {
            body.Append($"<p role=\"status\" class=\"notice\">{Count(count, "client")} deleted.</p>\n");
        }

        if (!fields.IsValid)
        {
            body.Append($"<div role=\"alert\" class=\"error\" id=\"filter-errors\"><h2>The filters are not valid</h2><ul>");
            foreach (var (name, error) in fields.Errors)
            {
                body.Append($"<li><a href=\"#{FieldId(name)}\">{ClientFilterFields.Label(name)}</a>: {error}</li>");
            }

            body.Append($"</ul></div>\n");
        }

        body.Append($"{FilterForm(links, fields)}");
        if (page is not null)
        {
            body.Append($"{ClientTable(links, fields, page)}");
            body.Append($"{Paging(links, fields, page)}");
            body.Append($"{BulkDeleteEntry(links, fields)}");
        }

        return Page(context, links, "Registered clients", body, statusCode);
    }

    public static IResult Client(HttpContext context, AdminUiLinks links, ClientSummary client, AntiforgeryTokenSet antiforgery)
    {
        var name = client.ClientName ?? client.ClientId;
        var body = new HtmlBuilder();
        body.Append($"<p><a href=\"{links.Clients()}\">All clients</a></p>\n");
        body.Append($"<h1>Client {name}</h1>\n<dl class=\"details\">\n");
        Term(body, "Client ID", new HtmlBuilder().Append($"<code>{client.ClientId}</code>"));
        Term(body, "Name", new HtmlBuilder().Text(client.ClientName ?? "(no name)"));
        Term(body, "Source", new HtmlBuilder().Text(SourceLabel(client.Source)));
        Term(body, "Created", Instant(client.ClientIdIssuedAt));
        Term(body, "Last used", client.LastUsedAt is { } used ? Instant(used) : new HtmlBuilder().Text("Never"));
        Term(body, "Created by (caller)", new HtmlBuilder().Text(client.CreatedBy ?? "Anonymous registration"));
        Term(body, "Initial access token ID", client.InitialAccessTokenId is { } token
            ? new HtmlBuilder().Append($"<code>{token}</code>")
            : new HtmlBuilder().Text("None"));
        Term(body, "Grant types", List(client.GrantTypes));
        Term(body, "Redirect URIs", List(client.RedirectUris));
        Term(body, "Token endpoint authentication", new HtmlBuilder().Text(client.TokenEndpointAuthMethod ?? "(not set)"));
        Term(body, "Scope", new HtmlBuilder().Text(string.IsNullOrEmpty(client.Scope) ? "(none)" : client.Scope));
        body.Append($"</dl>\n");

        body.Append($"<section aria-labelledby=\"delete-heading\" class=\"danger\"><h2 id=\"delete-heading\">Delete this client</h2>\n");
        body.Append($"<p>Deleting the client removes its registration; its secret, its registration access token and the tokens issued to it stop working. This cannot be undone.</p>\n");
        body.Append($"<form method=\"post\" action=\"{links.DeleteClient}\">{AntiforgeryField(antiforgery)}");
        body.Append($"<input type=\"hidden\" name=\"{AdminUiEndpoints.ClientIdField}\" value=\"{client.ClientId}\">");
        body.Append($"<button type=\"submit\" class=\"destructive\">Delete client {name}</button></form>\n</section>\n");
        return Page(context, links, "Client " + name, body, StatusCodes.Status200OK);
    }

    public static IResult ConfirmDeleteMany(HttpContext context, AdminUiLinks links, ClientFilterFields fields, int matched,
        AntiforgeryTokenSet antiforgery)
    {
        var back = links.Clients(fields.FilterParameters(true));
        var body = new HtmlBuilder();
        body.Append($"<h1>Delete matching clients</h1>\n");
        body.Append($"<h2>Filters</h2>\n<dl class=\"details\">\n");
        foreach (var (name, value) in fields.FilterParameters(false))
        {
            Term(body, ClientFilterFields.Label(name), new HtmlBuilder().Text(value));
        }

        body.Append($"</dl>\n");
        if (matched == 0)
        {
            body.Append($"<p role=\"status\" class=\"notice\">No client matches these filters. Nothing to delete.</p>\n");
            body.Append($"<p><a href=\"{back}\">Back to the clients</a></p>\n");
            return Page(context, links, "Delete matching clients", body, StatusCodes.Status200OK);
        }

        body.Append($"<p class=\"warning\" id=\"matched\"><strong>{Count(matched, "client")}</strong> {(matched == 1 ? "matches" : "match")} these filters. Deleting them removes their registrations and stops their tokens. This cannot be undone.</p>\n");
        body.Append($"<form method=\"post\" action=\"{links.ClientsAction}/delete\">{AntiforgeryField(antiforgery)}");
        foreach (var (name, value) in fields.FilterParameters(true))
        {
            body.Append($"<input type=\"hidden\" name=\"{name}\" value=\"{value}\">");
        }

        body.Append($"<button type=\"submit\" class=\"destructive\" aria-describedby=\"matched\">Delete {Count(matched, "client")}</button> ");
        body.Append($"<a href=\"{back}\">Cancel</a></form>\n");
        return Page(context, links, "Delete matching clients", body, StatusCodes.Status200OK);
    }

    public static IResult Message(HttpContext context, AdminUiLinks links, string title, int statusCode, string message,
        string next, string nextLabel)
    {
        var body = new HtmlBuilder();
        body.Append($"<h1>{title}</h1>\n<p>{message}</p>\n<p><a href=\"{next}\">{nextLabel}</a></p>\n");
        return Page(context, links, title, body, statusCode);
    }

    private static HtmlBuilder FilterForm(AdminUiLinks links, ClientFilterFields fields)
    {
        var form = new HtmlBuilder();
        form.Append($"<section aria-labelledby=\"filters-heading\"><h2 id=\"filters-heading\">Filters</h2>\n");
        form.Append($"<form method=\"get\" action=\"{links.ClientsAction}\" role=\"search\" aria-labelledby=\"filters-heading\" class=\"filters\">\n");
        TextField(form, fields, ClientFilterFields.Text, "search");
        form.Append($"<div class=\"field\"><label for=\"{FieldId(ClientFilterFields.Source)}\">{ClientFilterFields.Label(ClientFilterFields.Source)}</label>");
        form.Append($"<select id=\"{FieldId(ClientFilterFields.Source)}\" name=\"{ClientFilterFields.Source}\"{Invalid(fields, ClientFilterFields.Source)}>");
        var source = fields.Values.GetValueOrDefault(ClientFilterFields.Source);
        Option(form, string.Empty, "Any", source is null);
        Option(form, ClientSources.Registration, SourceLabel(ClientSources.Registration), source == ClientSources.Registration);
        Option(form, ClientSources.MetadataDocument, SourceLabel(ClientSources.MetadataDocument), source == ClientSources.MetadataDocument);
        form.Append($"</select></div>\n");
        TextField(form, fields, ClientFilterFields.CreatedBy, "text");
        TextField(form, fields, ClientFilterFields.InitialAccessTokenId, "text");
        TextField(form, fields, ClientFilterFields.CreatedAfter, "datetime-local");
        TextField(form, fields, ClientFilterFields.CreatedBefore, "datetime-local");
        TextField(form, fields, ClientFilterFields.UnusedSince, "datetime-local");

        form.Append($"<div class=\"field\"><label for=\"{FieldId(ClientFilterFields.Order)}\">{ClientFilterFields.Label(ClientFilterFields.Order)}</label>");
        form.Append($"<select id=\"{FieldId(ClientFilterFields.Order)}\" name=\"{ClientFilterFields.Order}\">");
        foreach (var (order, value, label) in ClientFilterFields.Orders)
        {
            Option(form, value, label, order == fields.SelectedOrder);
        }

        form.Append($"</select></div>\n");
        form.Append($"<div class=\"field\"><label for=\"{FieldId(ClientFilterFields.Limit)}\">{ClientFilterFields.Label(ClientFilterFields.Limit)}</label>");
        form.Append($"<select id=\"{FieldId(ClientFilterFields.Limit)}\" name=\"{ClientFilterFields.Limit}\">");
        foreach (var size in ClientFilterFields.PageSizes.Append(fields.PageSize).Distinct().Order())
        {
            Option(form, size.ToString(CultureInfo.InvariantCulture), size.ToString(CultureInfo.InvariantCulture), size == fields.PageSize);
        }

        form.Append($"</select></div>\n");
        form.Append($"<div class=\"actions\"><button type=\"submit\">Apply filters</button> <a href=\"{links.Clients()}\">Clear filters</a></div>\n");
        form.Append($"</form></section>\n");
        return form;
    }

    private static HtmlBuilder ClientTable(AdminUiLinks links, ClientFilterFields fields, ClientPage page)
    {
        var table = new HtmlBuilder();
        var createdSort = SortState(fields.SelectedOrder, ClientOrder.CreatedDescending, ClientOrder.CreatedAscending);
        var usedSort = SortState(fields.SelectedOrder, ClientOrder.LastUsedDescending, ClientOrder.LastUsedAscending);

        table.Append($"<section aria-labelledby=\"results-heading\"><h2 id=\"results-heading\">Results</h2>\n");
        if (page.Clients.Count == 0)
        {
            table.Append($"<p role=\"status\">No client matches these filters.</p></section>\n");
            return table;
        }

        table.Append($"<div class=\"table\"><table>\n<caption>Clients, {fields.OrderLabel.ToLowerInvariant()}: {Count(page.Clients.Count, "client")} on this page{(page.NextCursor is null ? "" : ", more on the next")}</caption>\n");
        table.Append($"<thead><tr><th scope=\"col\">Client ID</th><th scope=\"col\">Name</th><th scope=\"col\">Source</th>");
        table.Append($"<th scope=\"col\"").Append(createdSort).Append($">Created (UTC)</th><th scope=\"col\"").Append(usedSort);
        table.Append($">Last used (UTC)</th><th scope=\"col\">Created by</th><th scope=\"col\">Initial access token ID</th></tr></thead>\n<tbody>\n");
        foreach (var client in page.Clients)
        {
            table.Append($"<tr><th scope=\"row\"><a href=\"{links.Client(client.ClientId)}\">{client.ClientId}</a></th>");
            table.Append($"<td>{client.ClientName ?? ""}</td><td>{SourceLabel(client.Source)}</td>");
            table.Append($"<td>{Instant(client.ClientIdIssuedAt)}</td><td>{(client.LastUsedAt is { } used ? Instant(used) : new HtmlBuilder().Text("Never"))}</td>");
            table.Append($"<td>{client.CreatedBy ?? "Anonymous"}</td><td>{client.InitialAccessTokenId ?? ""}</td></tr>\n");
        }

        table.Append($"</tbody></table></div></section>\n");
        return table;
    }

    private static HtmlBuilder Paging(AdminUiLinks links, ClientFilterFields fields, ClientPage page)
    {
        var nav = new HtmlBuilder();
        if (fields.CursorValue is null && page.NextCursor is null)
        {
            return nav;
        }

        nav.Append($"<nav aria-label=\"Pages\" class=\"paging\"><ul>");
        if (fields.CursorValue is not null)
        {
            nav.Append($"<li><a href=\"{links.Clients(fields.FilterParameters(true))}\">First page</a></li>");
        }

        if (page.NextCursor is { } next)
        {
            var parameters = fields.FilterParameters(true).Append(new(ClientFilterFields.Cursor, next));
            nav.Append($"<li><a href=\"{links.Clients(parameters)}\" rel=\"next\">Next page</a></li>");
        }

        nav.Append($"</ul></nav>\n");
        return nav;
    }

    private static HtmlBuilder BulkDeleteEntry(AdminUiLinks links, ClientFilterFields fields)
    {
        var section = new HtmlBuilder();
        section.Append($"<section aria-labelledby=\"bulk-heading\"><h2 id=\"bulk-heading\">Delete in bulk</h2>\n");
        if (fields.Filter.IsEmpty)
        {
            section.Append($"<p>Apply at least one filter to delete every client it matches, on all pages.</p></section>\n");
            return section;
        }

        // A GET form: the next page counts the matching clients (a dry run) and asks before anything is deleted.
        section.Append($"<form method=\"get\" action=\"{links.ClientsAction}/delete\">");
        foreach (var (name, value) in fields.FilterParameters(true))
        {
            section.Append($"<input type=\"hidden\" name=\"{name}\" value=\"{value}\">");
        }

        section.Append($"<button type=\"submit\">Delete all clients matching these filters…</button></form></section>\n");
        return section;
    }

    private static void TextField(HtmlBuilder form, ClientFilterFields fields, string name, string type)
    {
        var id = FieldId(name);
        var value = fields.Values.GetValueOrDefault(name) ?? string.Empty;
        var step = type == "datetime-local" ? new HtmlBuilder().Append($" step=\"1\"") : new HtmlBuilder();
        form.Append($"<div class=\"field\"><label for=\"{id}\">{ClientFilterFields.Label(name)}</label>");
        form.Append($"<input id=\"{id}\" name=\"{name}\" type=\"{type}\" value=\"{value}\"").Append(step).Append(Invalid(fields, name));
        form.Append($"></div>\n");
    }

    /// <summary>The <c>aria-sort</c> of a column header, when the listing is ordered by that column.</summary>
    private static HtmlBuilder SortState(ClientOrder order, ClientOrder descending, ClientOrder ascending)
    {
        var state = new HtmlBuilder();
        if (order == descending)
        {
            state.Append($" aria-sort=\"descending\"");
        }
        else if (order == ascending)
        {
            state.Append($" aria-sort=\"ascending\"");
        }

        return state;
    }

    private static HtmlBuilder Invalid(ClientFilterFields fields, string name) => fields.Errors.ContainsKey(name)
        ? new HtmlBuilder().Append($" aria-invalid=\"true\" aria-describedby=\"filter-errors\"")
        : new HtmlBuilder();

    private static void Option(HtmlBuilder form, string value, string label, bool selected)
    {
        form.Append($"<option value=\"{value}\"");
        if (selected)
        {
            form.Append($" selected");
        }

        form.Append($">{label}</option>");
    }

    private static void Term(HtmlBuilder list, string term, HtmlBuilder definition) =>
        list.Append($"<dt>{term}</dt><dd>{definition}</dd>\n");

    private static HtmlBuilder List(IReadOnlyList<string> items)
    {
        var list = new HtmlBuilder();
        if (items.Count == 0)
        {
            return list.Text("(none)");
        }

        list.Append($"<ul>");
        foreach (var item in items)
        {
            list.Append($"<li><code>{item}</code></li>");
        }

        return list.Append($"</ul>");
    }

    private static HtmlBuilder Instant(DateTimeOffset instant) => new HtmlBuilder().Append(
        $"<time datetime=\"{instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\">{instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</time>");

    private static HtmlBuilder AntiforgeryField(AntiforgeryTokenSet tokens) =>
        new HtmlBuilder().Append($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");

    private static string FieldId(string name) => "filter-" + name.Replace('_', '-');

    private static string SourceLabel(string source) => source switch
    {
        ClientSources.Registration => "Registration (dcr)",
        ClientSources.MetadataDocument => "Metadata document (cimd)",
        _ => source,
    };

    private static string Count(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? string.Empty : "s");

    private static IResult Page(HttpContext context, AdminUiLinks links, string title, HtmlBuilder body, int statusCode)
    {
        var user = context.User.Identity?.Name;
        var page = new HtmlBuilder();
        page.Append($"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.Append($"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append($"<title>{title} – {Product} admin</title>\n<link rel=\"stylesheet\" href=\"{links.StyleSheet}\">\n</head>\n<body>\n");
        page.Append($"<a class=\"skip\" href=\"#main\">Skip to main content</a>\n");
        page.Append($"<header><p class=\"product\">{Product} admin</p>");
        if (!string.IsNullOrEmpty(user))
        {
            page.Append($"<p class=\"user\">Signed in as {user}</p>");
        }

        if (links.SignOut is { } signOut && context.User.Identity?.IsAuthenticated == true)
        {
            var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
            page.Append($"<form method=\"post\" action=\"{signOut}\" class=\"sign-out\">{AntiforgeryField(tokens)}<button type=\"submit\">Sign out</button></form>");
        }

        page.Append($"<nav aria-label=\"Admin\"><ul><li><a href=\"{links.Clients()}\">Clients</a></li></ul></nav></header>\n");
        page.Append($"<main id=\"main\" tabindex=\"-1\">\n{body}</main>\n</body>\n</html>\n");
        return Results.Content(page.ToString(), "text/html; charset=utf-8", statusCode: statusCode);
    }
}
