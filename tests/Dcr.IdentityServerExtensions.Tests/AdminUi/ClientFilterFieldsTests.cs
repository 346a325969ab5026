using Dcr.IdentityServerExtensions.AdminUi;
using Dcr.IdentityServerExtensions.Administration;

namespace Dcr.IdentityServerExtensions.Tests.AdminUi;

public sealed class ClientFilterFieldsTests
{
    private static ClientFilterFields Parse(params (string Name, string Value)[] fields) =>
        ClientFilterFields.Parse(name => fields.Where(field => field.Name == name).Select(field => field.Value).FirstOrDefault());

    [Fact]
    public void empty_fields_as_an_html_form_sends_them_select_nothing_and_keep_the_defaults()
    {
        var fields = Parse(("q", "  "), ("source", ""), ("created_by", ""), ("initial_access_token_id", ""), ("created_after", ""),
            ("order", ""), ("limit", ""), ("cursor", ""));

        fields.IsValid.Should().BeTrue();
        fields.Filter.IsEmpty.Should().BeTrue();
        fields.SelectedOrder.Should().Be(ClientOrder.CreatedDescending);
        fields.PageSize.Should().Be(ClientQuery.DefaultLimit);
        fields.CursorValue.Should().BeNull();
        fields.FilterParameters(withOrderAndLimit: true).Should().BeEmpty();
    }

    [Fact]
    public void every_filter_is_read_with_dates_in_utc_and_written_back_for_the_next_page()
    {
        var fields = Parse(("q", " Alpha "), ("source", "cimd"), ("created_by", "partner+eu & co"), ("initial_access_token_id", "jti-1"),
            ("created_after", "2026-11-01T10:20"), ("created_before", "2026-11-02T10:20:30"), ("unused_since", "2026-10-01"),
            ("order", "last_used_asc"), ("limit", "10"), ("cursor", "abc"));

        fields.IsValid.Should().BeTrue();
        fields.Filter.Should().Be(new ClientFilter
        {
            Text = "Alpha",
            Source = "cimd",
            CreatedBy = "partner+eu & co",
            InitialAccessTokenId = "jti-1",
            CreatedAfter = new DateTimeOffset(2026, 11, 1, 10, 20, 0, TimeSpan.Zero),
            CreatedBefore = new DateTimeOffset(2026, 11, 2, 10, 20, 30, TimeSpan.Zero),
            UnusedSince = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero),
        });
        fields.SelectedOrder.Should().Be(ClientOrder.LastUsedAscending);
        fields.PageSize.Should().Be(10);
        fields.CursorValue.Should().Be("abc");
        fields.FilterParameters(withOrderAndLimit: true).Select(parameter => parameter.Key).Should().Equal(
            "q", "source", "created_by", "initial_access_token_id", "created_after", "created_before", "unused_since", "order", "limit");
    }

    [Theory]
    [InlineData("source", "DCR")]
    [InlineData("created_after", "2026-13-01")]
    [InlineData("created_before", "yesterday")]
    [InlineData("unused_since", "2026-11-01T10:20:30+02:00")]
    [InlineData("order", "name")]
    [InlineData("limit", "0")]
    [InlineData("limit", "501")]
    [InlineData("limit", "-1")]
    public void a_bad_value_is_an_error_of_its_field(string name, string value)
    {
        var fields = Parse((name, value));

        fields.IsValid.Should().BeFalse();
        fields.Errors.Keys.Should().Equal(name);
    }

    [Fact]
    public void a_value_longer_than_2048_characters_is_an_error()
    {
        Parse(("created_by", new string('a', 2049))).Errors.Keys.Should().Equal("created_by");
        Parse(("created_by", new string('a', 2048))).IsValid.Should().BeTrue();
    }
}
