using System.Reflection;
using System.Text.RegularExpressions;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Testing;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

/// <summary>The catalog of error descriptions: one id per rule, the wire format, and docs/errors.md listing exactly its ids.</summary>
public class RegistrationErrorDescriptionsTests
{
    // Entries that quote another description and end with its id rather than one of their own.
    private static readonly HashSet<string> Frames = new(StringComparer.Ordinal)
    {
        nameof(RegistrationErrorDescriptions.RedirectUriInvalid),
        nameof(RegistrationErrorDescriptions.PostLogoutRedirectUriInvalid),
        nameof(RegistrationErrorDescriptions.MetadataDocumentRefused),
    };

    // The refusals of a metadata document that quote a detail, which carries the id.
    private static readonly HashSet<ClientIdMetadataDocumentRefusal> DetailedRefusals =
    [
        ClientIdMetadataDocumentRefusal.InvalidUrl,
        ClientIdMetadataDocumentRefusal.ForbiddenAuthMethod,
        ClientIdMetadataDocumentRefusal.InvalidRedirectUri,
        ClientIdMetadataDocumentRefusal.InvalidMetadata,
    ];

    /// <summary>Every description the catalog gives, by the entry that gave it, with sample arguments.</summary>
    private static IEnumerable<(string Entry, string Description)> Descriptions()
    {
        var entries = typeof(RegistrationErrorDescriptions).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(method => method.ReturnType == typeof(RegistrationError) || method.ReturnType == typeof(string));
        foreach (var entry in entries)
        {
            if (entry.Name == nameof(RegistrationErrorDescriptions.MetadataDocumentRefused))
            {
                foreach (var reason in Enum.GetValues<ClientIdMetadataDocumentRefusal>().Where(reason => !DetailedRefusals.Contains(reason)))
                {
                    yield return ($"{entry.Name}({reason})", RegistrationErrorDescriptions.MetadataDocumentRefused(reason, null));
                }

                continue;
            }

            if (Frames.Contains(entry.Name))
            {
                continue;
            }

            var arguments = entry.GetParameters().Select(parameter => SampleOf(parameter.ParameterType)).ToArray();
            var result = entry.Invoke(null, arguments);
            yield return (entry.Name, result is RegistrationError error ? error.Description : (string)result!);
        }

        static object? SampleOf(Type type) =>
            type == typeof(string) ? "sample"
            : type == typeof(int) ? 7
            : type == typeof(long) ? 7L
            : type.IsAssignableFrom(typeof(List<string>)) ? new List<string> { "sample" }
            : throw new InvalidOperationException($"No sample argument of type {type} for a catalog entry.");
    }

    [Fact]
    public void every_entry_ends_with_exactly_one_id_in_the_wire_format_and_no_two_entries_share_an_id()
    {
        var descriptions = Descriptions().ToList();

        descriptions.Should().HaveCountGreaterThan(100);
        foreach (var (entry, description) in descriptions)
        {
            description.Should().MatchRegex(@"^[^\r\n]+ \(DCR[23][0-9]{3}\)$", entry);
            Regex.Matches(description, "DCR[0-9]{4}").Should().ContainSingle(entry);
        }

        descriptions.GroupBy(pair => ErrorIds.Of(pair.Description)).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(pair => pair.Entry))}")
            .Should().BeEmpty("an id names one rule");
    }

    [Fact]
    public void a_frame_ends_with_the_id_of_the_description_it_quotes()
    {
        var problem = RegistrationErrorDescriptions.RedirectUriHasFragment();

        RegistrationErrorDescriptions.RedirectUriInvalid("https://client.example.com/#x", problem).Description
            .Should().Be("redirect_uri 'https://client.example.com/#x' is invalid: it must not contain a fragment. (DCR2102)");
        RegistrationErrorDescriptions.PostLogoutRedirectUriInvalid("https://client.example.com/#x", problem).Code
            .Should().Be(RegistrationErrorCodes.InvalidClientMetadata);
        RegistrationErrorDescriptions.MetadataDocumentRefused(ClientIdMetadataDocumentRefusal.InvalidRedirectUri, problem)
            .ShouldEndWithId("DCR2102");
        RegistrationErrorDescriptions.MetadataDocumentRefused(ClientIdMetadataDocumentRefusal.InvalidUrl, null)
            .ShouldEndWithId("DCR2800");
    }

    [Fact]
    public void docs_errors_md_lists_exactly_the_catalog_s_ids()
    {
        var catalog = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Dcr.IdentityServerExtensions", "Protocol", "RegistrationErrorDescriptions.cs"));
        var documented = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "errors.md"))
            .Select(line => Regex.Match(line, @"^\| `(DCR[0-9]{4})` \|"))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value)
            .ToList();

        documented.Should().OnlyHaveUniqueItems();
        documented.Should().BeEquivalentTo(Regex.Matches(catalog, "\"(DCR[0-9]{4})\"").Select(match => match.Groups[1].Value).Distinct());
    }

    [Fact]
    public void a_quoted_value_is_bounded_without_splitting_a_surrogate_pair()
    {
        var value = new string('a', RegistrationErrorDescriptions.MaxQuotedLength - 1) + "\U0001F600" + "tail";

        var quoted = RegistrationErrorDescriptions.Quote(value);

        quoted.Should().Be(new string('a', RegistrationErrorDescriptions.MaxQuotedLength - 1) + "…");
        RegistrationErrorDescriptions.Quote("short").Should().Be("short");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dcr.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Dcr.sln) was not found.");
    }
}
