using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>PingFederate's extended properties: configured extra metadata is validated, stored, echoed and replaced.</summary>
public sealed class ExtendedMetadataTests : IClassFixture<ExtendedMetadataTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:ExtendedMetadata:tenant_id:Type"] = "String",
            ["DynamicClientRegistration:ExtendedMetadata:tags:Type"] = "String",
            ["DynamicClientRegistration:ExtendedMetadata:tags:MultiValued"] = "true",
            ["DynamicClientRegistration:ExtendedMetadata:tier:Type"] = "Number",
        });

        public void Dispose() => Server.Dispose();
    }

    private readonly DcrTestClient _client;

    public ExtendedMetadataTests(Host host)
    {
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task configured_members_are_stored_and_echoed_on_registration_and_read()
    {
        var registered = await _client.RegisterAsync("""
            {"grant_types":["client_credentials"],"tenant_id":"acme","tags":["a","b"],"tier":2,"not_configured":"dropped"}
            """);

        registered.Json.GetProperty("tenant_id").GetString().Should().Be("acme");
        registered.Json.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()).Should().Equal("a", "b");
        registered.Json.GetProperty("tier").GetInt32().Should().Be(2);
        registered.Json.TryGetProperty("not_configured", out _).Should().BeFalse();

        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Json.GetProperty("tenant_id").GetString().Should().Be("acme");
        read.Json.GetProperty("tags").GetArrayLength().Should().Be(2);
        read.Json.TryGetProperty("not_configured", out _).Should().BeFalse();
    }

    [Fact]
    public async Task put_replaces_extended_members_and_drops_omitted_ones()
    {
        var registered = await _client.RegisterAsync("""{"grant_types":["client_credentials"],"tenant_id":"acme","tags":["a"]}""");

        var updated = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"tenant_id":"globex"}""");

        updated.Status.Should().Be(HttpStatusCode.OK, updated.Body);
        updated.Json.GetProperty("tenant_id").GetString().Should().Be("globex");
        updated.Json.TryGetProperty("tags", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("""{"grant_types":["client_credentials"],"tenant_id":42}""", "DCR2222")]
    [InlineData("""{"grant_types":["client_credentials"],"tenant_id":["acme"]}""", "DCR2222")]
    [InlineData("""{"grant_types":["client_credentials"],"tags":"a"}""", "DCR2221")]
    [InlineData("""{"grant_types":["client_credentials"],"tags":["a",1]}""", "DCR2221")]
    [InlineData("""{"grant_types":["client_credentials"],"tier":"gold"}""", "DCR2222")]
    public async Task a_value_of_the_wrong_type_is_rejected(string body, string id)
    {
        var response = await _client.PostRegistrationAsync(body, await _client.InitialAccessTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", id);
    }

    // Limits:MaxStringLength is 2048 here: an extended member's JSON text may be four times that, 8192 characters. Both
    // values are well within MaxRequestBodySize, so only the extended-metadata limit can refuse the second.
    [Theory]
    [InlineData("tenant_id", false)]
    [InlineData("tags", true)]
    public async Task an_extended_member_is_accepted_up_to_four_times_the_string_limit_and_refused_one_character_past_it(string member, bool array)
    {
        const int limit = 4 * 2048;
        string Body(int jsonLength)
        {
            var text = $"\"{new string('x', jsonLength - (array ? 4 : 2))}\"";
            return $$"""{"grant_types":["client_credentials"],"{{member}}":{{(array ? $"[{text}]" : text)}}}""";
        }

        var token = await _client.InitialAccessTokenAsync();
        var atLimit = await _client.PostRegistrationAsync(Body(limit), token);
        atLimit.Status.Should().Be(HttpStatusCode.Created, atLimit.Body);
        atLimit.Json.GetProperty(member).GetRawText().Should().HaveLength(limit);

        var pastLimit = await _client.PostRegistrationAsync(Body(limit + 1), token);
        pastLimit.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2220");
        pastLimit.Json.GetProperty("error_description").GetString().Should().StartWith($"'{member}' ");
    }
}
