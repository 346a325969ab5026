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
    /// Asserts that <paramref name="description"/> ends with <paramref name="expectedId"/>; a null id asserts a
    /// description that is not the product's (a host's policy, OpenIddict's own answers) and so carries none.
    /// </summary>
    public static void ShouldEndWithId(this string? description, string? expectedId)
    {
        description.Should().NotBeNullOrWhiteSpace();
        Of(description).Should().Be(expectedId, "the description is \"{0}\"", description);
    }
}
