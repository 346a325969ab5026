using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Testing;
using Dcr.IdentityServerExtensions.Tests.TestSupport;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

/// <summary>
/// The descriptions the reader gives, word for word (the endpoint documentation quotes them): the serializer's
/// exception is mapped to the member and the type the contract declares for it.
/// </summary>
public class ClientMetadataJsonDescriptionTests
{
    // The expected description names its id; the assertion checks both the id and the whole text.
    private static string Description(string json, string expected) =>
        ClientMetadataJson.ReadRequest(Encoding.UTF8.GetBytes(json)).ShouldFailWith("invalid_client_metadata", ErrorIds.Of(expected)).Description;

    [Theory]
    [InlineData("""{"client_name":1}""", "The 'client_name' member must be a string. (DCR2007)")]
    [InlineData("""{"software_statement":{}}""", "The 'software_statement' member must be a string. (DCR2007)")]
    [InlineData("""{"grant_types":"client_credentials"}""", "The 'grant_types' member must be an array of strings. (DCR2010)")]
    [InlineData("""{"redirect_uris":["https://a.example/cb",1]}""", "The 'redirect_uris' member must be an array of strings. (DCR2010)")]
    [InlineData("""{"contacts":[null]}""", "The 'contacts' member must be an array of strings. (DCR2010)")]
    [InlineData("""{"default_max_age":1.5}""", "The 'default_max_age' member must be a non-negative integer. (DCR2008)")]
    [InlineData("""{"default_max_age":-1}""", "The 'default_max_age' member must be a non-negative integer. (DCR2008)")]
    [InlineData("""{"default_max_age":"60"}""", "The 'default_max_age' member must be a non-negative integer. (DCR2008)")]
    [InlineData("""{"require_auth_time":"true"}""", "The 'require_auth_time' member must be a boolean. (DCR2009)")]
    [InlineData("""{"jwks":[]}""", "The 'jwks' member must be a JSON object. (DCR2011)")]
    [InlineData("""{"client_name":"a","client_name":"b"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"jwks":{"keys":[],"keys":[]}}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"client_name":"a\ud800"}""", "The request body contains a string that is not valid Unicode. (DCR2005)")]
    [InlineData("""{"redirect_uris":["\udfff"]}""", "The request body contains a string that is not valid Unicode. (DCR2005)")]
    [InlineData("""{"\udc00":"x"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"client_name":5,"\udc00":"x"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"sector_identifier_uri":"\ud800"}""", "The request body contains a string that is not valid Unicode. (DCR2005)")]
    [InlineData("""["client_name"]""", "The request body must be a JSON object of client metadata. (DCR2006)")]
    public void each_refusal_has_its_description(string json, string description)
    {
        Description(json, description).Should().Be(description);
    }

    [Fact]
    public void a_body_that_is_not_utf8_is_described_as_such()
    {
        ClientMetadataJson.ReadRequest(new byte[] { 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D }).ShouldFailWith("invalid_client_metadata", "DCR2002")
            .Description.Should().Be("The request body is not valid UTF-8. (DCR2002)");
    }

    [Theory]
    [InlineData("""{"client_name":"a","client_name":"b"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"client_name":5,"\udc00":"x"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"\udc00":"x"}""", "The request body is not a well-formed JSON document without duplicate member names. (DCR2003)")]
    [InlineData("""{"sector_identifier_uri":"\ud800"}""", "The request body contains a string that is not valid Unicode. (DCR2005)")]
    [InlineData("""{"client_name":5}""", "The 'client_name' member must be a string. (DCR2007)")]
    public void an_element_from_a_parser_without_the_request_rules_is_refused_as_a_body_would_be(string json, string description)
    {
        // Software statements merge claims parsed without the request's rules.
        using var lenient = JsonDocument.Parse(json);

        ClientMetadataJson.ReadRequest(lenient.RootElement).ShouldFailWith("invalid_client_metadata", ErrorIds.Of(description)).Description.Should().Be(description);
    }

    [Fact]
    public async Task a_streamed_body_is_read_with_the_same_rules()
    {
        using var duplicate = new MemoryStream(Encoding.UTF8.GetBytes("""{"a":1,"a":2}"""));
        (await ClientMetadataJson.ParseAsync(duplicate, CancellationToken.None)).ShouldFailWith("invalid_client_metadata", "DCR2003");

        using var deep = new MemoryStream(Encoding.UTF8.GetBytes("{\"x\":" + new string('[', 40) + new string(']', 40) + "}"));
        (await ClientMetadataJson.ParseAsync(deep, CancellationToken.None)).ShouldFailWith("invalid_client_metadata", "DCR2003");

        using var notUtf8 = new MemoryStream([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]);
        (await ClientMetadataJson.ParseAsync(notUtf8, CancellationToken.None)).ShouldFailWith("invalid_client_metadata", "DCR2002")
            .Description.Should().Be("The request body is not valid UTF-8. (DCR2002)");

        using var good = new MemoryStream(Encoding.UTF8.GetBytes("""{"client_name":"a"}"""));
        using var document = (await ClientMetadataJson.ParseAsync(good, CancellationToken.None)).ShouldSucceed();
        ClientMetadataJson.ReadRequest(document.RootElement).ShouldSucceed().Metadata.ClientName.Should().Be("a");
    }
}
