using Dcr.IdentityServerExtensions.AdminUi;

namespace Dcr.IdentityServerExtensions.Tests.AdminUi;

public sealed class HtmlBuilderTests
{
    [Fact]
    public void interpolated_values_are_html_encoded_and_the_literal_markup_is_not()
    {
        const string name = "\"><script>alert('x')</script>&";

        var html = new HtmlBuilder().Append($"<p title=\"{name}\">{name}</p>").ToString();

        html.Should().Be("<p title=\"&quot;&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;\">"
            + "&quot;&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;</p>");
    }

    [Fact]
    public void letters_of_any_script_stay_readable_and_numbers_are_invariant()
    {
        var html = new HtmlBuilder().Append($"<td>{"Zürich 東京"}</td><td>{1234.5}</td><td>{(string?)null}</td>").ToString();

        html.Should().Be("<td>Zürich 東京</td><td>1234.5</td><td></td>");
    }

    [Fact]
    public void a_fragment_from_another_builder_is_inserted_as_it_is_once_encoded()
    {
        var inner = new HtmlBuilder().Append($"<code>{"<id>"}</code>");

        var html = new HtmlBuilder().Append($"<dd>{inner}</dd>").Append(inner).ToString();

        html.Should().Be("<dd><code>&lt;id&gt;</code></dd><code>&lt;id&gt;</code>");
    }
}
