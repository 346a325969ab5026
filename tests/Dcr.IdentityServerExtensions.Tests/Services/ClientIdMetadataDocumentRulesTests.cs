using System.Net.Http.Headers;
using Dcr.IdentityServerExtensions.Network;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Secrets;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Testing;
using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Tests.Services;

/// <summary>Issue #16, behaviours 2 and 6: which client ids are document URLs, and how long a document is fresh.</summary>
public class ClientIdMetadataDocumentRulesTests
{
    [Theory]
    [InlineData("https://client.example.com/oauth/metadata.json")]
    [InlineData("https://client.example.com/")]
    [InlineData("https://client.example.com")]
    [InlineData("https://client.example.com:8443/metadata")]
    [InlineData("https://client.example.com/metadata?version=2")]
    [InlineData("https://client.example.com/a.b/..c/metadata")]
    public void an_https_url_without_fragment_user_information_or_dot_segments_is_a_document_url(string clientId)
    {
        ClientIdMetadataDocuments.LooksLikeUrl(clientId).Should().BeTrue();
        ClientIdMetadataDocuments.CheckUrl(clientId, out var uri).Should().BeNull();
        uri.Should().NotBeNull();
    }

    [Theory]
    [InlineData("http://client.example.com/metadata.json", "DCR2800")]
    [InlineData("HTTPS://client.example.com/metadata.json", "DCR2800")]
    [InlineData("https://client.example.com/metadata.json#x", "DCR2802")]
    [InlineData("https://client.example.com/metadata.json#", "DCR2802")]
    [InlineData("https://user@client.example.com/metadata.json", "DCR2804")]
    [InlineData("https://user:secret@client.example.com/", "DCR2804")]
    [InlineData("https://client.example.com/./metadata.json", "DCR2805")]
    [InlineData("https://client.example.com/a/../metadata.json", "DCR2805")]
    [InlineData("https://client.example.com/a/..", "DCR2805")]
    [InlineData("https://client.example.com/a/%2e%2E/metadata.json", "DCR2805")]
    [InlineData("https://client.example.com/meta data.json", "DCR2803")]
    [InlineData("https://client.example.com\\metadata.json", "DCR2803")]
    [InlineData("https:///metadata.json", "DCR2806")]
    [InlineData("https://[::1/metadata.json", "DCR2806")]
    public void a_client_id_that_looks_like_a_url_but_breaks_a_rule_is_refused_with_the_rule(string clientId, string id)
    {
        ClientIdMetadataDocuments.LooksLikeUrl(clientId).Should().BeTrue();
        ClientIdMetadataDocuments.CheckUrl(clientId, out _).ShouldEndWithId(id);
    }

    [Fact]
    public void a_client_id_longer_than_400_characters_is_refused_before_anything_else_is_checked()
    {
        var clientId = "https://client.example.com/" + new string('a', 400 - "https://client.example.com/".Length);
        ClientIdMetadataDocuments.MaxUrlLength.Should().Be(400);
        ClientIdMetadataDocuments.CheckUrl(clientId, out _).Should().BeNull();

        ClientIdMetadataDocuments.CheckUrl(clientId + "a#", out _).ShouldEndWithId("DCR2801");
    }

    [Theory]
    [InlineData("my-client")]
    [InlineData("urn:example:client")]
    [InlineData("httpsclient")]
    public void other_client_ids_are_not_urls(string clientId) =>
        ClientIdMetadataDocuments.LooksLikeUrl(clientId).Should().BeFalse();

    [Fact]
    public void client_ids_this_product_generates_never_look_like_urls()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            ClientIdMetadataDocuments.LooksLikeUrl(RegistrationSecrets.CreateClientId()).Should().BeFalse();
        }
    }

    [Theory]
    [InlineData("client.example.com", "https://client.example.com/m", true)]
    [InlineData("client.example.com", "https://CLIENT.example.com/m", true)]
    [InlineData("client.example.com", "https://other.example.com/m", false)]
    [InlineData("*.example.com", "https://a.b.example.com/m", true)]
    [InlineData("*.example.com", "https://example.com/m", false)]
    [InlineData("*.example.com", "https://evilexample.com/m", false)]
    public void allowed_hosts_match_exactly_or_by_subdomain_wildcard(string entry, string url, bool allowed) =>
        ClientIdMetadataDocuments.IsHostAllowed(new Uri(url), [entry]).Should().Be(allowed);

    [Fact]
    public void an_empty_allow_list_allows_any_host() =>
        ClientIdMetadataDocuments.IsHostAllowed(new Uri("https://anything.test/m"), []).Should().BeTrue();

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private static TimeSpan Lifetime(string? cacheControl = null, DateTimeOffset? expires = null, DateTimeOffset? date = null, TimeSpan? age = null) =>
        ClientIdMetadataDocuments.CacheLifetime(
            new FetchResult.Succeeded([], "application/json")
            {
                CacheControl = cacheControl is null ? null : CacheControlHeaderValue.Parse(cacheControl),
                Expires = expires,
                Date = date,
                Age = age,
            },
            Now, new ClientIdMetadataDocumentOptions());

    [Theory]
    [InlineData("max-age=0", 300)]
    [InlineData("max-age=299", 300)]
    [InlineData("max-age=301", 301)]
    [InlineData("max-age=3600", 3600)]
    [InlineData("max-age=86400", 86400)]
    [InlineData("max-age=86401", 86400)]
    [InlineData("max-age=31536000", 86400)]
    [InlineData("s-maxage=7200, max-age=600", 7200)]
    [InlineData("no-store", 300)]
    [InlineData("no-cache", 300)]
    [InlineData("no-store, max-age=3600", 300)]
    [InlineData("private, max-age=1200", 1200)]
    public void the_lifetime_is_the_max_age_clamped_to_the_minimum_and_maximum(string cacheControl, int seconds) =>
        Lifetime(cacheControl).Should().Be(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void without_caching_headers_the_lifetime_is_the_minimum() =>
        Lifetime().Should().Be(ClientIdMetadataDocumentOptions.DefaultMinCacheDuration);

    [Fact]
    public void expires_counts_from_the_answer_date() =>
        Lifetime(expires: Now.AddHours(3), date: Now.AddMinutes(-10)).Should().Be(TimeSpan.FromHours(3) + TimeSpan.FromMinutes(10));

    [Fact]
    public void expires_without_a_date_counts_from_now() =>
        Lifetime(expires: Now.AddHours(2)).Should().Be(TimeSpan.FromHours(2));

    [Fact]
    public void an_invalid_or_past_expires_means_the_minimum()
    {
        Lifetime(expires: DateTimeOffset.MinValue).Should().Be(TimeSpan.FromMinutes(5));
        Lifetime(expires: Now.AddHours(-1)).Should().Be(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void max_age_wins_over_expires() =>
        Lifetime("max-age=1800", expires: Now.AddHours(10)).Should().Be(TimeSpan.FromMinutes(30));

    [Fact]
    public void the_age_of_a_cached_answer_is_subtracted() =>
        Lifetime("max-age=3600", age: TimeSpan.FromMinutes(20)).Should().Be(TimeSpan.FromMinutes(40));
}
