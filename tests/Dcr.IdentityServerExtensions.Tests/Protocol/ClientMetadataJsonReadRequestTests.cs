using System.Text;
using System.Text.Json;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Tests.TestSupport;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

public class ClientMetadataJsonReadRequestTests
{
    private const string InvalidClientMetadata = "invalid_client_metadata";

    private static RegistrationResult<ClientRegistrationRequest> Read(string json, IReadOnlySet<string>? extendedMetadataNames = null) =>
        ClientMetadataJson.ReadRequest(Encoding.UTF8.GetBytes(json), extendedMetadataNames);

    private static RegistrationResult<ClientRegistrationRequest> Read(byte[] body) => ClientMetadataJson.ReadRequest(body);

    public static readonly TheoryData<string> StringMembers =
    [
        "token_endpoint_auth_method",
        "client_name",
        "client_uri",
        "logo_uri",
        "scope",
        "tos_uri",
        "policy_uri",
        "jwks_uri",
        "software_id",
        "software_version",
        "application_type",
        "client_id",
        "client_secret",
    ];

    public static readonly TheoryData<string> ArrayMembers =
    [
        "redirect_uris",
        "grant_types",
        "response_types",
        "contacts",
        "post_logout_redirect_uris",
    ];

    public static TheoryData<string, string> StringMembersWithWrongValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var member in StringMembers)
        {
            foreach (var value in new[] { "1", "1.5", "[]", "[\"a\"]", "{}", "true", "false" })
            {
                data.Add(member, value);
            }
        }

        return data;
    }

    public static TheoryData<string, string> ArrayMembersWithWrongValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var member in ArrayMembers)
        {
            foreach (var value in new[] { "\"https://client.example.com/cb\"", "1", "{}", "true", "[\"a\",1]", "[null]", "[[\"a\"]]", "[{}]", "[true]" })
            {
                data.Add(member, value);
            }
        }

        return data;
    }

    // ---- malformed bodies ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"client_name\":}")]
    [InlineData("{\"client_name\":\"a\",}")]
    [InlineData("{'client_name':'a'}")]
    [InlineData("{} {}")]
    [InlineData("/* comment */ {}")]
    [InlineData("{\"client_name\":\"unterminated}")]
    public void a_malformed_json_body_is_rejected_with_invalid_client_metadata(string body)
    {
        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2003");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"client_name\":\"a\"}]")]
    [InlineData("\"client\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    public void a_body_whose_root_is_not_a_json_object_is_rejected_with_invalid_client_metadata(string body)
    {
        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2006");
    }

    [Theory]
    [InlineData("""{"client_name":"a","client_name":"b"}""")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"redirect_uris":["https://b.example/cb"]}""")]
    [InlineData("""{"unknown":1,"unknown":2}""")]
    [InlineData("""{"jwks":{"keys":[],"keys":[{"kty":"RSA"}]}}""")]
    public void a_body_with_duplicate_member_names_at_any_depth_is_rejected_with_invalid_client_metadata(string body)
    {
        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2003");
    }

    [Fact]
    public void a_body_nested_deeper_than_the_maximum_depth_is_rejected_with_invalid_client_metadata()
    {
        var body = "{\"unknown\":" + new string('[', 40) + new string(']', 40) + "}";

        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2003");
    }

    // ---- invalid text -------------------------------------------------------------------------------------------

    [Fact]
    public void a_body_that_is_not_utf8_at_the_top_level_is_rejected_with_invalid_client_metadata()
    {
        Read([0xFF, 0xFE, 0x7B, 0x7D]).ShouldFailWith(InvalidClientMetadata, "DCR2002");
    }

    [Fact]
    public void invalid_utf8_bytes_inside_a_string_value_are_rejected_with_invalid_client_metadata_rather_than_thrown()
    {
        byte[] body = [.. "{\"client_name\":\"a"u8, 0xFF, 0xFE, .. "\"}"u8];

        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2002");
    }

    [Fact]
    public void invalid_utf8_bytes_inside_a_member_name_are_rejected_with_invalid_client_metadata_rather_than_thrown()
    {
        byte[] body = [.. "{\"client_"u8, 0xC3, 0x28, .. "name\":\"a\"}"u8];

        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2002");
    }

    [Fact]
    public void an_overlong_utf8_encoding_inside_a_string_value_is_rejected_with_invalid_client_metadata_rather_than_thrown()
    {
        // 0xC0 0xAF is an overlong encoding of '/', a classic filter bypass.
        byte[] body = [.. "{\"redirect_uris\":[\"https:"u8, 0xC0, 0xAF, 0xC0, 0xAF, .. "client.example.com/cb\"]}"u8];

        Read(body).ShouldFailWith(InvalidClientMetadata, "DCR2002");
    }

    [Fact]
    public void an_unpaired_surrogate_escape_in_a_string_value_is_rejected_with_invalid_client_metadata_rather_than_thrown()
    {
        Read("""{"client_name":"a\ud800b"}""").ShouldFailWith(InvalidClientMetadata, "DCR2005");
    }

    [Fact]
    public void escaped_and_multilingual_strings_are_read_exactly()
    {
        var request = Read("""{"client_name":"Caf\u00e9 \u65e5\u672c \ud83d\ude00 \"q\""}""").ShouldSucceed();

        request.Metadata.ClientName.Should().Be("Café 日本 😀 \"q\"");
    }

    // ---- member types -------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(StringMembersWithWrongValues))]
    public void a_string_member_given_a_non_string_is_rejected_with_invalid_client_metadata_naming_the_member(string member, string value)
    {
        var error = Read($$"""{"{{member}}":{{value}}}""").ShouldFailWith(InvalidClientMetadata, "DCR2007");

        error.Description.Should().Contain($"'{member}'");
    }

    [Theory]
    [MemberData(nameof(ArrayMembersWithWrongValues))]
    public void an_array_member_given_anything_but_an_array_of_strings_is_rejected_with_invalid_client_metadata_naming_the_member(string member, string value)
    {
        var error = Read($$"""{"{{member}}":{{value}}}""").ShouldFailWith(InvalidClientMetadata, "DCR2010");

        error.Description.Should().Contain($"'{member}'");
    }

    [Theory]
    [InlineData("\"{\\\"keys\\\":[]}\"")]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("true")]
    public void jwks_given_anything_but_an_object_is_rejected_with_invalid_client_metadata_naming_the_member(string value)
    {
        var error = Read($$"""{"jwks":{{value}}}""").ShouldFailWith(InvalidClientMetadata, "DCR2011");

        error.Description.Should().Contain("'jwks'");
    }

    [Fact]
    public void a_type_error_is_reported_even_after_valid_members()
    {
        Read("""{"client_name":"a","redirect_uris":["https://client.example.com/cb"],"scope":["api"]}""").ShouldFailWith(InvalidClientMetadata, "DCR2007");
    }

    // ---- reading values -----------------------------------------------------------------------------------------

    [Fact]
    public void every_rfc_member_is_read_into_its_property()
    {
        var request = Read("""
            {
              "redirect_uris": ["https://client.example.com/cb", "https://client.example.com/cb2"],
              "token_endpoint_auth_method": "client_secret_post",
              "grant_types": ["authorization_code", "refresh_token"],
              "response_types": ["code"],
              "client_name": "Example",
              "client_uri": "https://client.example.com",
              "logo_uri": "https://client.example.com/logo.png",
              "scope": "openid api",
              "contacts": ["admin@example.com"],
              "tos_uri": "https://client.example.com/tos",
              "policy_uri": "https://client.example.com/policy",
              "jwks_uri": "https://client.example.com/jwks.json",
              "software_id": "4NRB1-0XZABZI9E6-5SM3R",
              "software_version": "2.1",
              "post_logout_redirect_uris": ["https://client.example.com/bye"],
              "application_type": "web"
            }
            """).ShouldSucceed();

        var metadata = request.Metadata;
        metadata.RedirectUris.Should().Equal("https://client.example.com/cb", "https://client.example.com/cb2");
        metadata.TokenEndpointAuthMethod.Should().Be("client_secret_post");
        metadata.GrantTypes.Should().Equal("authorization_code", "refresh_token");
        metadata.ResponseTypes.Should().Equal("code");
        metadata.ClientName.Should().Be("Example");
        metadata.ClientUri.Should().Be("https://client.example.com");
        metadata.LogoUri.Should().Be("https://client.example.com/logo.png");
        metadata.Scope.Should().Be("openid api");
        metadata.Contacts.Should().Equal("admin@example.com");
        metadata.TosUri.Should().Be("https://client.example.com/tos");
        metadata.PolicyUri.Should().Be("https://client.example.com/policy");
        metadata.JwksUri.Should().Be("https://client.example.com/jwks.json");
        metadata.SoftwareId.Should().Be("4NRB1-0XZABZI9E6-5SM3R");
        metadata.SoftwareVersion.Should().Be("2.1");
        metadata.PostLogoutRedirectUris.Should().Equal("https://client.example.com/bye");
        metadata.ApplicationType.Should().Be("web");
        metadata.Jwks.Should().BeNull();
        request.ClientId.Should().BeNull();
        request.ClientSecret.Should().BeNull();
        request.ServerIssuedMembers.Should().BeEmpty();
    }

    [Fact]
    public void jwks_is_read_as_the_json_object_sent()
    {
        const string Jwks = """{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}""";

        var request = Read($$"""{"jwks":{{Jwks}}}""").ShouldSucceed();

        using var expected = JsonDocument.Parse(Jwks);
        request.Metadata.Jwks.Should().NotBeNull();
        JsonElement.DeepEquals(request.Metadata.Jwks!.Value, expected.RootElement).Should().BeTrue();
    }

    [Fact]
    public void an_empty_object_reads_as_metadata_with_every_member_omitted()
    {
        var metadata = Read("{}").ShouldSucceed().Metadata;

        metadata.Should().BeEquivalentTo(new ClientMetadata());
        metadata.GrantTypes.Should().BeNull();
        metadata.ResponseTypes.Should().BeNull();
        metadata.TokenEndpointAuthMethod.Should().BeNull();
    }

    [Fact]
    public void json_null_is_treated_as_an_omitted_member()
    {
        var request = Read("""
            {
              "redirect_uris": null, "token_endpoint_auth_method": null, "grant_types": null, "response_types": null,
              "client_name": null, "client_uri": null, "logo_uri": null, "scope": null, "contacts": null,
              "tos_uri": null, "policy_uri": null, "jwks_uri": null, "jwks": null, "software_id": null,
              "software_version": null, "post_logout_redirect_uris": null, "application_type": null,
              "client_id": null, "client_secret": null
            }
            """).ShouldSucceed();

        request.Metadata.Should().BeEquivalentTo(new ClientMetadata());
        request.Metadata.GrantTypes.Should().BeNull("a null grant_types must get the RFC default, not an empty list");
        request.Metadata.ResponseTypes.Should().BeNull();
        request.Metadata.Jwks.Should().BeNull();
        request.ClientId.Should().BeNull();
        request.ClientSecret.Should().BeNull();
    }

    [Fact]
    public void unknown_members_are_ignored_and_not_stored()
    {
        var request = Read("""
            {"client_name":"a","x_custom":"b","nested":{"deep":[1,2,{"x":null}]},"number":3}
            """).ShouldSucceed();

        request.Metadata.ClientName.Should().Be("a");
        request.Metadata.ExtendedMetadata.Should().BeEmpty();
        ClientMetadataJson.SerializeMetadata(request.Metadata).Should().NotContain("x_custom").And.NotContain("nested");
    }

    [Fact]
    public void member_names_are_matched_case_sensitively()
    {
        var request = Read("""{"Client_Name":"a","REDIRECT_URIS":7}""").ShouldSucceed();

        request.Metadata.ClientName.Should().BeNull();
        request.Metadata.RedirectUris.Should().BeEmpty();
    }

    [Fact]
    public void configured_extended_members_are_kept_and_others_are_not()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "tenant", "features" };

        var request = Read("""{"tenant":"contoso","features":["a",1],"other":"dropped"}""", names).ShouldSucceed();

        request.Metadata.ExtendedMetadata.Keys.Should().BeEquivalentTo("tenant", "features");
        request.Metadata.ExtendedMetadata["tenant"].GetString().Should().Be("contoso");
        request.Metadata.ExtendedMetadata["features"].GetArrayLength().Should().Be(2);
    }

    [Fact]
    public void a_null_extended_member_is_treated_as_omitted()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "tenant" };

        Read("""{"tenant":null}""", names).ShouldSucceed().Metadata.ExtendedMetadata.Should().BeEmpty();
    }

    [Fact]
    public void server_issued_members_are_collected_in_order_and_not_stored_as_metadata()
    {
        var request = Read("""
            {
              "registration_access_token": "rat",
              "client_name": "a",
              "registration_client_uri": "https://as.example.com/connect/register/abc",
              "client_secret_expires_at": 0,
              "client_id_issued_at": 1700000000
            }
            """).ShouldSucceed();

        request.ServerIssuedMembers.Should().Equal(
            "registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at");
        request.Metadata.ClientName.Should().Be("a");
        ClientMetadataJson.SerializeMetadata(request.Metadata).Should().NotContain("registration_").And.NotContain("issued_at");
    }

    [Fact]
    public void a_server_issued_member_is_collected_whatever_its_value()
    {
        var request = Read("""{"client_id_issued_at":null,"registration_access_token":{"x":1}}""").ShouldSucceed();

        request.ServerIssuedMembers.Should().Equal("client_id_issued_at", "registration_access_token");
    }

    [Fact]
    public void client_id_and_client_secret_are_read_outside_the_metadata()
    {
        var request = Read("""{"client_id":"s6BhdRkqt3","client_secret":"cf136dc3c1fc93f31185e5885805d","client_name":"a"}""").ShouldSucceed();

        request.ClientId.Should().Be("s6BhdRkqt3");
        request.ClientSecret.Should().Be("cf136dc3c1fc93f31185e5885805d");
        var stored = ClientMetadataJson.SerializeMetadata(request.Metadata);
        stored.Should().NotContain("s6BhdRkqt3").And.NotContain("cf136dc3c1fc93f31185e5885805d");
    }

    [Fact]
    public void reading_from_a_parsed_element_rejects_a_non_object_with_invalid_client_metadata()
    {
        using var document = JsonDocument.Parse("[1,2]");

        ClientMetadataJson.ReadRequest(document.RootElement).ShouldFailWith(InvalidClientMetadata, "DCR2006");
    }

    [Fact]
    public void reading_from_a_parsed_element_with_an_unpaired_surrogate_escape_is_rejected_with_invalid_client_metadata_rather_than_thrown()
    {
        // The element overload is public and returns a result like the byte overload, which already maps this case
        // to invalid_client_metadata; the parser accepts the escape and only GetString() throws.
        using var document = JsonDocument.Parse("""{"client_name":"a\ud800b"}""");

        var read = () => ClientMetadataJson.ReadRequest(document.RootElement);

        read.Should().NotThrow().Which.ShouldFailWith(InvalidClientMetadata, "DCR2005");
    }

    [Fact]
    public void the_read_request_does_not_depend_on_the_body_buffer_afterwards()
    {
        var body = Encoding.UTF8.GetBytes("""{"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"BB"}]},"client_name":"a"}""");

        var request = ClientMetadataJson.ReadRequest(body).ShouldSucceed();
        Array.Clear(body);

        request.Metadata.Jwks!.Value.GetProperty("keys")[0].GetProperty("kty").GetString().Should().Be("EC");
        request.Metadata.ClientName.Should().Be("a");
    }
}
