using System.Buffers.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Administration;

/// <summary>
/// The opaque <c>cursor</c> of a listing: base64url of a small JSON object naming the order and the position (sort key
/// and client id) of the last client of the previous page. Not tamper-proof, and need not be: it only says where to go
/// on, and whoever holds it may list everything anyway. A cursor that does not decode, or was made for another order,
/// is refused.
/// </summary>
internal static class ClientCursor
{
    public static string Encode(ClientOrder order, ClientListPosition position)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("o", (int)order);
            writer.WriteNumber("v", position.SortValue);
            writer.WriteString("i", position.ClientId);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    public static bool TryDecode(string cursor, ClientOrder order, out ClientListPosition position)
    {
        position = default;
        if (cursor.Length is 0 or > 1024)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor));
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("o", out var encodedOrder) && encodedOrder.ValueKind == JsonValueKind.Number
                && encodedOrder.TryGetInt32(out var orderValue) && orderValue == (int)order
                && root.TryGetProperty("v", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var sortValue)
                && root.TryGetProperty("i", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } clientId)
            {
                position = new ClientListPosition(sortValue, clientId);
                return true;
            }
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
        }

        return false;
    }

    /// <summary>The position of <paramref name="record"/> in <paramref name="order"/>.</summary>
    public static ClientListPosition PositionOf(ClientRecord record, ClientOrder order) => new(
        order is ClientOrder.LastUsedAscending or ClientOrder.LastUsedDescending
            ? record.LastUsedAt?.ToUnixTimeSeconds() ?? 0
            : record.ClientIdIssuedAt.ToUnixTimeSeconds(),
        record.ClientId);
}
