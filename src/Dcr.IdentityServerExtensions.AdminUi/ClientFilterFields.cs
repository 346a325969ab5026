using System.Globalization;
using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.AdminUi;

/// <summary>
/// The pages' filter, order and paging fields, named as the admin API's query parameters (<c>source</c>,
/// <c>created_by</c>, <c>initial_access_token_id</c>, <c>created_after</c>, <c>created_before</c>, <c>unused_since</c>,
/// <c>q</c>, <c>limit</c>, <c>cursor</c>) so that a page's address reads like an API call; <c>order</c> is the pages'
/// own. Parsed from a query string (listing, confirmation) or a posted form (bulk delete) alike.
/// </summary>
internal sealed class ClientFilterFields
{
    public const string Source = "source";
    public const string CreatedBy = "created_by";
    public const string InitialAccessTokenId = "initial_access_token_id";
    public const string CreatedAfter = "created_after";
    public const string CreatedBefore = "created_before";
    public const string UnusedSince = "unused_since";
    public const string Text = "q";
    public const string Order = "order";
    public const string Limit = "limit";
    public const string Cursor = "cursor";

    /// <summary>The filter members, in the order the form shows them.</summary>
    public static readonly string[] FilterNames = [Text, Source, CreatedBy, InitialAccessTokenId, CreatedAfter, CreatedBefore, UnusedSince];

    /// <summary>The page sizes the form offers; any size from 1 to <see cref="ClientQuery.MaxLimit"/> is accepted.</summary>
    public static readonly int[] PageSizes = [10, 25, 50, 100, 200, ClientQuery.MaxLimit];

    /// <summary>The orders, as the <c>order</c> field spells them, and how the pages describe them.</summary>
    public static readonly (ClientOrder Order, string Value, string Label)[] Orders =
    [
        (ClientOrder.CreatedDescending, "created_desc", "Newest first"),
        (ClientOrder.CreatedAscending, "created_asc", "Oldest first"),
        (ClientOrder.LastUsedDescending, "last_used_desc", "Most recently used first"),
        (ClientOrder.LastUsedAscending, "last_used_asc", "Least recently used first (never used first)"),
    ];

    // The longest value a text field takes: longer ones are no client's id or caller, and would only fill the page.
    private const int MaxFieldLength = 2048;

    // What an <input type="datetime-local" step="1"> submits, with or without seconds, or a bare date; always UTC.
    private static readonly string[] DateFormats = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"];

    private ClientFilterFields(Dictionary<string, string> values, ClientFilter filter, ClientOrder order, int limit,
        string? cursor, Dictionary<string, string> errors)
    {
        Values = values;
        Filter = filter;
        SelectedOrder = order;
        PageSize = limit;
        CursorValue = cursor;
        Errors = errors;
    }

    /// <summary>The fields as the operator typed them (non-empty ones only), to show them again.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    public ClientFilter Filter { get; }

    public ClientOrder SelectedOrder { get; }

    public int PageSize { get; }

    public string? CursorValue { get; }

    /// <summary>Field name → what is wrong with its value, in words an operator can act on.</summary>
    public IReadOnlyDictionary<string, string> Errors { get; }

    public bool IsValid => Errors.Count == 0;

    public string OrderValue => Orders.First(order => order.Order == SelectedOrder).Value;

    public string OrderLabel => Orders.First(order => order.Order == SelectedOrder).Label;

    /// <summary>Reads the fields through <paramref name="read"/> (a query string or a form); empty fields are unset.</summary>
    public static ClientFilterFields Parse(Func<string, string?> read)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in FilterNames.Append(Order).Append(Limit).Append(Cursor))
        {
            var value = read(name);
            if (name == Text)
            {
                value = value?.Trim();
            }

            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            values[name] = value;
            if (value.Length > MaxFieldLength)
            {
                errors[name] = $"At most {MaxFieldLength} characters.";
            }
        }

        var source = values.GetValueOrDefault(Source);
        if (source is not null && source != ClientSources.Registration && source != ClientSources.MetadataDocument)
        {
            errors[Source] = $"Either '{ClientSources.Registration}' or '{ClientSources.MetadataDocument}'.";
        }

        var order = ClientOrder.CreatedDescending;
        if (values.TryGetValue(Order, out var orderValue))
        {
            var known = Orders.Where(candidate => candidate.Value == orderValue).ToList();
            if (known.Count == 1)
            {
                order = known[0].Order;
            }
            else
            {
                errors[Order] = "Not an order these pages know.";
            }
        }

        var limit = ClientQuery.DefaultLimit;
        if (values.TryGetValue(Limit, out var limitValue)
            && !(int.TryParse(limitValue, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= ClientQuery.MaxLimit))
        {
            limit = ClientQuery.DefaultLimit;
            errors[Limit] = $"A whole number from 1 to {ClientQuery.MaxLimit}.";
        }

        var filter = new ClientFilter
        {
            Source = source,
            CreatedBy = values.GetValueOrDefault(CreatedBy),
            InitialAccessTokenId = values.GetValueOrDefault(InitialAccessTokenId),
            CreatedAfter = ParseInstant(values, errors, CreatedAfter),
            CreatedBefore = ParseInstant(values, errors, CreatedBefore),
            UnusedSince = ParseInstant(values, errors, UnusedSince),
            Text = values.GetValueOrDefault(Text),
        };
        return new ClientFilterFields(values, filter, order, limit, values.GetValueOrDefault(Cursor), errors);
    }

    /// <summary>
    /// The fields that select the same clients in the same order and page size (not the cursor): for links to other
    /// pages of the listing and for the hidden fields of the bulk delete form. Unset fields are left out.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> FilterParameters(bool withOrderAndLimit)
    {
        foreach (var name in FilterNames)
        {
            if (Values.TryGetValue(name, out var value))
            {
                yield return new(name, value);
            }
        }

        if (withOrderAndLimit && SelectedOrder != ClientOrder.CreatedDescending)
        {
            yield return new(ClientFilterFields.Order, OrderValue);
        }

        if (withOrderAndLimit && PageSize != ClientQuery.DefaultLimit)
        {
            yield return new(ClientFilterFields.Limit, PageSize.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>How a filter field is labelled on the pages.</summary>
    public static string Label(string name) => name switch
    {
        Text => "Name or client ID contains",
        Source => "Source",
        CreatedBy => "Created by (caller)",
        InitialAccessTokenId => "Initial access token ID",
        CreatedAfter => "Created at or after (UTC)",
        CreatedBefore => "Created before (UTC)",
        UnusedSince => "Not used since (UTC)",
        Order => "Order",
        Limit => "Clients per page",
        _ => name,
    };

    /// <summary>An instant as the date fields show it (UTC, to the second).</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseInstant(Dictionary<string, string> values, Dictionary<string, string> errors, string name)
    {
        if (!values.TryGetValue(name, out var value))
        {
            return null;
        }

        if (DateTime.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return new DateTimeOffset(instant, TimeSpan.Zero);
        }

        errors[name] = "A date and time in UTC, as 2026-12-31T23:59:59 (seconds optional) or 2026-12-31.";
        return null;
    }
}
