using System.Text.Json;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.OpenIddict;

/// <summary>
/// The registration document is stored in databases: documents written by earlier versions must read, and the
/// document written today must be the same text, member for member (a store finds a creator's clients by a substring).
/// </summary>
public class RegistrationDocumentFormatTests
{
    // Written by the hand-written Utf8JsonWriter code that preceded the source-generated contract, for Client() below.
    private const string StoredFullDocument = """
        {"version":"v-7f3a","client_id_issued_at":"2026-03-01T09:30:15+00:00","client_secret_expires_at":"2026-09-01T09:30:15+00:00","retained_client_secret_hash":"cmV0YWluZWQ","retained_client_secret_expires_at":"2026-03-02T09:30:15+00:00","registration_access_token_hash":"dG9rZW4taGFzaA","created_by":"iat-client \u00E9","caller_claims":[["client_id","iat-client"],["tenant","contoso"]],"anonymous":false,"require_pkce":true,"source":"dcr","metadata":{"redirect_uris":["https://client.example.com/cb"],"token_endpoint_auth_method":"private_key_jwt","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"application_type":"web","client_name":"Caf\u00E9 \u003CExample\u003E \u0022q\u0022 \uD83D\uDE00","client_uri":"https://client.example.com","logo_uri":"https://client.example.com/logo.png","scope":"openid api","contacts":["admin@example.com"],"tos_uri":"https://client.example.com/tos","policy_uri":"https://client.example.com/policy","jwks":{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]},"software_id":"4NRB1-0XZABZI9E6-5SM3R","software_version":"2.1","post_logout_redirect_uris":["https://client.example.com/bye"],"token_endpoint_auth_signing_alg":"ES256","id_token_signed_response_alg":"RS256","request_object_signing_alg":"ES256","default_max_age":3600,"require_auth_time":true,"subject_type":"public","software_statement":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln","features":["a",{"b":1}],"tenant":"contoso"}}
        """;

    // The same code for a Client ID Metadata Document client: no secret, no token, no creator, a freshness limit.
    private const string StoredMetadataDocumentClient = """
        {"version":"v1","client_id_issued_at":"2026-03-01T09:30:15.25+00:00","anonymous":true,"require_pkce":false,"source":"cimd","metadata_document_fresh_until":"2026-03-01T10:30:15+00:00","metadata":{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code"],"response_types":["code"],"application_type":"native","client_name":"App"}}
        """;

    // A document of the first versions: no anonymous flag, caller claims, PKCE flag or source.
    private const string StoredFirstVersionDocument = """
        {"version":"v0","client_id_issued_at":"2025-11-14T22:13:20+00:00","registration_access_token_hash":"aGFzaA","created_by":"dcr-admin","metadata":{"token_endpoint_auth_method":"client_secret_basic","grant_types":["client_credentials"],"response_types":[],"scope":"api"}}
        """;

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static StoredClient Client() => new()
    {
        ClientId = "s6BhdRkqt3",
        ClientIdIssuedAt = new DateTimeOffset(2026, 3, 1, 9, 30, 15, TimeSpan.Zero),
        ClientSecretHash = "held-by-openiddict",
        ClientSecretExpiresAt = new DateTimeOffset(2026, 9, 1, 9, 30, 15, TimeSpan.Zero),
        RetainedClientSecret = new RetainedClientSecret("cmV0YWluZWQ", new DateTimeOffset(2026, 3, 2, 9, 30, 15, TimeSpan.Zero)),
        RegistrationAccessTokenHash = "dG9rZW4taGFzaA",
        CreatedBy = "iat-client é",
        CallerClaims = [KeyValuePair.Create("client_id", "iat-client"), KeyValuePair.Create("tenant", "contoso")],
        RegisteredAnonymously = false,
        RequirePkce = true,
        Source = ClientSources.Registration,
        Version = "v-7f3a",
        Metadata = new ClientMetadata
        {
            RedirectUris = ["https://client.example.com/cb"],
            TokenEndpointAuthMethod = "private_key_jwt",
            GrantTypes = ["authorization_code", "refresh_token"],
            ResponseTypes = ["code"],
            ApplicationType = "web",
            ClientName = "Café <Example> \"q\" 😀",
            ClientUri = "https://client.example.com",
            LogoUri = "https://client.example.com/logo.png",
            Scope = "openid api",
            Contacts = ["admin@example.com"],
            TosUri = "https://client.example.com/tos",
            PolicyUri = "https://client.example.com/policy",
            Jwks = Json("""{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"""),
            SoftwareId = "4NRB1-0XZABZI9E6-5SM3R",
            SoftwareVersion = "2.1",
            PostLogoutRedirectUris = ["https://client.example.com/bye"],
            TokenEndpointAuthSigningAlg = "ES256",
            IdTokenSignedResponseAlg = "RS256",
            RequestObjectSigningAlg = "ES256",
            DefaultMaxAge = 3600,
            RequireAuthTime = true,
            SubjectType = "public",
            SoftwareStatement = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
            ExtendedMetadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["tenant"] = Json("\"contoso\""),
                ["features"] = Json("""["a",{"b":1}]"""),
            },
        },
    };

    [Fact]
    public void a_document_is_written_exactly_as_the_previous_code_wrote_it()
    {
        RegistrationDocument.Write(Client(), "v-7f3a").GetRawText().Should().Be(StoredFullDocument);
    }

    [Fact]
    public void a_metadata_document_client_is_written_exactly_as_the_previous_code_wrote_it()
    {
        var client = new StoredClient
        {
            ClientId = "https://app.example.com/client.json",
            ClientIdIssuedAt = new DateTimeOffset(2026, 3, 1, 9, 30, 15, 250, TimeSpan.Zero),
            RegisteredAnonymously = true,
            Source = ClientSources.MetadataDocument,
            MetadataDocumentFreshUntil = new DateTimeOffset(2026, 3, 1, 10, 30, 15, TimeSpan.Zero),
            Metadata = new ClientMetadata
            {
                RedirectUris = ["http://127.0.0.1/callback"],
                TokenEndpointAuthMethod = "none",
                GrantTypes = ["authorization_code"],
                ResponseTypes = ["code"],
                ApplicationType = "native",
                ClientName = "App",
            },
        };

        RegistrationDocument.Write(client, "v1").GetRawText().Should().Be(StoredMetadataDocumentClient);
    }

    [Fact]
    public void a_stored_document_of_the_previous_code_reads_back_as_the_client_it_was_written_for()
    {
        var read = RegistrationDocument.Read(Json(StoredFullDocument), "s6BhdRkqt3", "held-by-openiddict");

        read.Should().BeEquivalentTo(Client(), options => options
            .Excluding(client => client.Metadata.Jwks)
            .Excluding(client => client.Metadata.ExtendedMetadata)
            .WithStrictOrdering());
        JsonElement.DeepEquals(read.Metadata.Jwks!.Value, Client().Metadata.Jwks!.Value).Should().BeTrue();
        read.Metadata.ExtendedMetadata.Keys.Should().BeEquivalentTo("tenant", "features");
        JsonElement.DeepEquals(read.Metadata.ExtendedMetadata["features"], Json("""["a",{"b":1}]""")).Should().BeTrue();
    }

    [Fact]
    public void a_stored_metadata_document_client_reads_back_with_its_source_and_freshness()
    {
        var read = RegistrationDocument.Read(Json(StoredMetadataDocumentClient), "https://app.example.com/client.json", null);

        read.Source.Should().Be(ClientSources.MetadataDocument);
        read.MetadataDocumentFreshUntil.Should().Be(new DateTimeOffset(2026, 3, 1, 10, 30, 15, TimeSpan.Zero));
        read.ClientIdIssuedAt.Should().Be(new DateTimeOffset(2026, 3, 1, 9, 30, 15, 250, TimeSpan.Zero));
        read.RegisteredAnonymously.Should().BeTrue();
        read.CreatedBy.Should().BeNull();
        read.RegistrationAccessTokenHash.Should().BeNull();
        read.ClientSecretExpiresAt.Should().BeNull();
        read.RetainedClientSecret.Should().BeNull();
        read.CallerClaims.Should().BeEmpty();
        read.Metadata.RedirectUris.Should().Equal("http://127.0.0.1/callback");
        read.Metadata.Contacts.Should().BeEmpty();
    }

    [Fact]
    public void a_document_of_the_first_versions_reads_with_the_defaults_of_the_members_it_lacks()
    {
        var read = RegistrationDocument.Read(Json(StoredFirstVersionDocument), "old-client", "hash");

        read.Version.Should().Be("v0");
        read.Source.Should().Be(ClientSources.Registration);
        read.RegisteredAnonymously.Should().BeFalse("a document without the flag was anonymous only when it named no creator");
        read.RequirePkce.Should().BeFalse();
        read.CallerClaims.Should().BeEmpty();
        read.CreatedBy.Should().Be("dcr-admin");
        read.RegistrationAccessTokenHash.Should().Be("aGFzaA");
        read.Metadata.GrantTypes.Should().Equal("client_credentials");
        read.Metadata.ResponseTypes.Should().NotBeNull().And.BeEmpty();
        read.Metadata.RedirectUris.Should().BeEmpty();
    }

    [Fact]
    public void the_token_endpoint_reads_the_secret_state_and_the_assertion_key_set_uri_of_a_stored_document()
    {
        var (secretExpiresAt, retained) = RegistrationDocument.ReadSecretState(Json(StoredFullDocument));
        secretExpiresAt.Should().Be(new DateTimeOffset(2026, 9, 1, 9, 30, 15, TimeSpan.Zero));
        retained.Should().Be(new RetainedClientSecret("cmV0YWluZWQ", new DateTimeOffset(2026, 3, 2, 9, 30, 15, TimeSpan.Zero)));
        RegistrationDocument.ReadSecretState(Json(StoredMetadataDocumentClient)).Should().Be((null, null));

        RegistrationDocument.ReadAssertionKeySetUri(Json(StoredFullDocument)).Should().BeNull("the client has inline jwks, no jwks_uri");
        var withKeySetUri = StoredFullDocument.Replace(
            "\"tos_uri\"", "\"jwks_uri\":\"https://client.example.com/jwks.json\",\"tos_uri\"", StringComparison.Ordinal);
        RegistrationDocument.ReadAssertionKeySetUri(Json(withKeySetUri)).Should().Be(new Uri("https://client.example.com/jwks.json"));
    }
}
