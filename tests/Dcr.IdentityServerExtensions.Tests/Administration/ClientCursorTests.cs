using Dcr.IdentityServerExtensions.Administration;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.Administration;

public sealed class ClientCursorTests
{
    [Theory]
    [InlineData(ClientOrder.CreatedDescending)]
    [InlineData(ClientOrder.CreatedAscending)]
    [InlineData(ClientOrder.LastUsedDescending)]
    [InlineData(ClientOrder.LastUsedAscending)]
    public void a_cursor_decodes_to_its_position_for_its_own_order_only(ClientOrder order)
    {
        var position = new ClientListPosition(1_796_303_664, "https://app.example.com/client.json?x=\"y\"");

        var cursor = ClientCursor.Encode(order, position);

        cursor.Should().MatchRegex("^[A-Za-z0-9_-]+$");
        ClientCursor.TryDecode(cursor, order, out var decoded).Should().BeTrue();
        decoded.Should().Be(position);
        foreach (var other in Enum.GetValues<ClientOrder>().Where(other => other != order))
        {
            ClientCursor.TryDecode(cursor, other, out _).Should().BeFalse();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("%%%")]
    [InlineData("bm90LWpzb24")]
    [InlineData("eyJvIjowfQ")]
    [InlineData("eyJvIjowLCJ2IjoieCIsImkiOiJhIn0")]
    [InlineData("eyJvIjowLCJ2IjoxLCJpIjoiIn0")]
    public void a_malformed_cursor_is_refused(string cursor)
    {
        ClientCursor.TryDecode(cursor, ClientOrder.CreatedDescending, out _).Should().BeFalse();
    }
}
