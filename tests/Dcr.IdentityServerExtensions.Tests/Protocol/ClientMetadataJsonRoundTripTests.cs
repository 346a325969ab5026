using System.Text.Json;
using Dcr.IdentityServerExtensions.Protocol;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

public class ClientMetadataJsonRoundTripTests
{
    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static ClientMetadata FullMetadata() => new()
    {
        RedirectUris = ["https://client.example.com/cb", "https://client.example.com/cb2"],
        TokenEndpointAuthMethod = "client_secret_post",
        GrantTypes = ["authorization_code", "refresh_token"],
        ResponseTypes = ["code"],
        ClientName = "Café \"Example\" 😀",
        ClientUri = "https://client.example.com",
        LogoUri = "https://client.example.com/logo.png",
        Scope = "openid api",
        Contacts = ["admin@example.com", "ops@example.com"],
        TosUri = "https://client.example.com/tos",
        PolicyUri = "https://client.example.com/policy",
        Jwks = Json("""{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"""),
        SoftwareId = "4NRB1-0XZABZI9E6-5SM3R",
        SoftwareVersion = "2.1",
        PostLogoutRedirectUris = ["https://client.example.com/bye"],
        ApplicationType = "web",
    };

    private static void ShouldBeEquivalent(ClientMetadata actual, ClientMetadata expected)
    {
        actual.Should().BeEquivalentTo(expected, options => options
            .Excluding(m => m.Jwks)
            .Excluding(m => m.ExtendedMetadata)
            .WithStrictOrdering());

        actual.Jwks.HasValue.Should().Be(expected.Jwks.HasValue);
        if (expected.Jwks is { } jwks)
        {
            JsonElement.DeepEquals(actual.Jwks!.Value, jwks).Should().BeTrue("jwks must survive the round trip unchanged");
        }

        actual.ExtendedMetadata.Keys.Should().BeEquivalentTo(expected.ExtendedMetadata.Keys);
        foreach (var (name, value) in expected.ExtendedMetadata)
        {
            JsonElement.DeepEquals(actual.ExtendedMetadata[name], value).Should().BeTrue($"extended member '{name}' must survive the round trip");
        }
    }

    [Fact]
    public void serialized_metadata_with_every_member_reads_back_equivalent()
    {
        var metadata = FullMetadata();

        var readBack = ClientMetadataJson.ReadStoredMetadata(ClientMetadataJson.SerializeMetadata(metadata));

        ShouldBeEquivalent(readBack, metadata);
    }

    [Fact]
    public void serialized_metadata_of_a_client_credentials_client_keeps_its_empty_response_types()
    {
        var metadata = new ClientMetadata
        {
            TokenEndpointAuthMethod = "client_secret_basic",
            GrantTypes = ["client_credentials"],
            ResponseTypes = [],
            ApplicationType = "web",
            Scope = "api",
        };

        var readBack = ClientMetadataJson.ReadStoredMetadata(ClientMetadataJson.SerializeMetadata(metadata));

        ShouldBeEquivalent(readBack, metadata);
        readBack.ResponseTypes.Should().NotBeNull("an empty response_types must not read back as omitted (which means [\"code\"])");
    }

    [Fact]
    public void serialized_metadata_with_every_member_omitted_reads_back_with_every_member_omitted()
    {
        var metadata = new ClientMetadata();

        var json = ClientMetadataJson.SerializeMetadata(metadata);
        var readBack = ClientMetadataJson.ReadStoredMetadata(json);

        json.Should().Be("{}");
        ShouldBeEquivalent(readBack, metadata);
    }

    [Fact]
    public void serialized_extended_metadata_reads_back_from_the_stored_form()
    {
        // Extended metadata is only ever stored after it was accepted, so the stored form must keep it.
        var metadata = FullMetadata() with
        {
            ExtendedMetadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["tenant"] = Json("\"contoso\""),
                ["features"] = Json("""["a",{"b":1}]"""),
            },
        };

        var readBack = ClientMetadataJson.ReadStoredMetadata(ClientMetadataJson.SerializeMetadata(metadata));

        ShouldBeEquivalent(readBack, metadata);
    }

    [Fact]
    public void serialization_uses_the_rfc_member_names()
    {
        using var document = JsonDocument.Parse(ClientMetadataJson.SerializeMetadata(FullMetadata()));

        document.RootElement.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types", "application_type",
            "client_name", "client_uri", "logo_uri", "scope", "contacts", "tos_uri", "policy_uri", "jwks",
            "software_id", "software_version", "post_logout_redirect_uris");
    }

    [Fact]
    public void reading_stored_metadata_that_is_not_valid_throws_invalid_operation_exception()
    {
        var act = () => ClientMetadataJson.ReadStoredMetadata("""{"client_name":1}""");

        act.Should().Throw<InvalidOperationException>();
    }
}
