using System.Text.Json;
using System.Text.Json.Nodes;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.OpenIddict;

public class RegistrationDocumentSourceTests
{
    private static StoredClient Client() => new()
    {
        ClientId = "https://client.example.com/metadata.json",
        ClientIdIssuedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        Metadata = new ClientMetadata { TokenEndpointAuthMethod = "none", RedirectUris = ["http://127.0.0.1/callback"] },
        RegisteredAnonymously = true,
        RequirePkce = true,
    };

    [Fact]
    public void a_metadata_document_client_keeps_its_source_and_freshness_through_the_stored_document()
    {
        var freshUntil = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        var client = Client() with { Source = ClientSources.MetadataDocument, MetadataDocumentFreshUntil = freshUntil };

        var read = RegistrationDocument.Read(RegistrationDocument.Write(client, "v1"), client.ClientId, null);

        read.Source.Should().Be("cimd");
        read.MetadataDocumentFreshUntil.Should().Be(freshUntil);
        read.RegistrationAccessTokenHash.Should().BeNull();
        read.ClientSecretHash.Should().BeNull();
    }

    [Fact]
    public void a_registered_client_is_of_source_dcr_and_a_document_written_before_sources_existed_reads_as_dcr()
    {
        var written = RegistrationDocument.Write(Client(), "v1");
        RegistrationDocument.Read(written, "id", null).Source.Should().Be("dcr");

        var old = JsonNode.Parse(written.GetRawText())!.AsObject();
        old.Remove("source");
        using var document = JsonDocument.Parse(old.ToJsonString());
        var read = RegistrationDocument.Read(document.RootElement, "id", null);

        read.Source.Should().Be(ClientSources.Registration);
        read.MetadataDocumentFreshUntil.Should().BeNull();
    }
}
