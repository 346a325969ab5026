using System.Text.RegularExpressions;

namespace Dcr.IdentityServerExtensions.Testing;

/// <summary>
/// The stable ids that end the product's error descriptions (<c>"… (DCR2112)"</c>, see docs/errors.md), as the tests
/// assert them: every error assertion names the one rule it expects, so a rule cannot pass on a neighbour's error.
/// Linked into the unit and the integration tests.
/// </summary>
internal static partial class ErrorIds
{
    [GeneratedRegex(@" \((DCR[0-9]{4})\)$")]
    private static partial Regex TrailingId();

    /// <summary>The id <paramref name="description"/> ends with, or null.</summary>
    public static string? Of(string? description) =>
        description is not null && TrailingId().Match(description) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>
    /// The catalog's ids for the descriptions of the JSON reader (<c>Protocol/ClientMetadataJson.cs</c>), which its
    /// rewrite wires; until then those descriptions carry no id, and the assertion checks the words that tell them
    /// apart instead. Once the reader uses the catalog, delete this table: every id is then asserted as it is.
    /// </summary>
    private static readonly Dictionary<string, string> NotYetWired = new(StringComparer.Ordinal)
    {
        ["DCR2002"] = "is not valid UTF-8.",
        ["DCR2003"] = "is not a well-formed JSON document",
        ["DCR2004"] = "without duplicate member names.",
        ["DCR2005"] = "contains a string that is not valid Unicode.",
        ["DCR2006"] = "must be a JSON object of client metadata.",
        ["DCR2007"] = "member must be a string.",
        ["DCR2008"] = "member must be a non-negative integer.",
        ["DCR2009"] = "member must be a boolean.",
        ["DCR2010"] = "member must be an array of strings.",
        ["DCR2011"] = "member must be a JSON object.",
    };

    /// <summary>
    /// Asserts that <paramref name="description"/> ends with <paramref name="expectedId"/>; a null id asserts a
    /// description that is not the product's (a host's policy, OpenIddict's own answers) and so carries none.
    /// </summary>
    public static void ShouldEndWithId(this string? description, string? expectedId)
    {
        description.Should().NotBeNullOrWhiteSpace();
        if (expectedId is not null && NotYetWired.TryGetValue(expectedId, out var words) && Of(description) is null)
        {
            description.Should().Contain(words, "the JSON reader does not give ids yet; its {0} description says so", expectedId);
            return;
        }

        Of(description).Should().Be(expectedId, "the description is \"{0}\"", description);
    }
}
