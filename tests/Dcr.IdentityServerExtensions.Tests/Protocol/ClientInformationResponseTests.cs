using System.Text.Json;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

public class ClientInformationResponseTests
{
    private const long IssuedAtSeconds = 1_700_000_000;
    private const string SecretHash = "$dcr-sha256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY";
    private const string TokenHash = "$dcr-sha256$ZmVkY2JhWllYV1ZVVFNSUVBPTk1MS0pJSEdGRURDQkE";

    private static StoredClient Client(DateTimeOffset? secretExpiresAt = null) => new()
    {
        ClientId = "s6BhdRkqt3",
        ClientIdIssuedAt = DateTimeOffset.FromUnixTimeSeconds(IssuedAtSeconds),
        ClientSecretHash = SecretHash,
        ClientSecretExpiresAt = secretExpiresAt,
        RegistrationAccessTokenHash = TokenHash,
        CreatedBy = "registrar",
        Version = "v1",
        Metadata = new ClientMetadata
        {
            RedirectUris = ["https://client.example.com/cb"],
            TokenEndpointAuthMethod = "client_secret_basic",
            GrantTypes = ["authorization_code"],
            ResponseTypes = ["code"],
            ApplicationType = "web",
            ClientName = "Example",
            Scope = "openid api",
        },
    };

    private static JsonDocument Write(ClientInformationResponse response)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            response.WriteTo(writer);
        }

        return JsonDocument.Parse(buffer.ToArray());
    }

    [Fact]
    public void a_full_response_has_the_rfc_7591_and_7592_member_names_and_values()
    {
        var response = new ClientInformationResponse
        {
            Client = Client(),
            ClientSecret = "cf136dc3c1fc93f31185e5885805d",
            RegistrationAccessToken = "reg-23410913-abewfq.123483",
            RegistrationClientUri = new Uri("https://as.example.com/connect/register/s6BhdRkqt3"),
        };

        using var document = Write(response);
        var root = document.RootElement;

        root.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
            "registration_access_token", "registration_client_uri",
            "redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types", "application_type",
            "client_name", "scope");
        root.GetProperty("client_id").GetString().Should().Be("s6BhdRkqt3");
        root.GetProperty("client_secret").GetString().Should().Be("cf136dc3c1fc93f31185e5885805d");
        root.GetProperty("registration_access_token").GetString().Should().Be("reg-23410913-abewfq.123483");
        root.GetProperty("registration_client_uri").GetString().Should().Be("https://as.example.com/connect/register/s6BhdRkqt3");
        root.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()).Should().Equal("https://client.example.com/cb");
        root.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_basic");
        root.GetProperty("grant_types").EnumerateArray().Select(e => e.GetString()).Should().Equal("authorization_code");
        root.GetProperty("response_types").EnumerateArray().Select(e => e.GetString()).Should().Equal("code");
        root.GetProperty("application_type").GetString().Should().Be("web");
        root.GetProperty("client_name").GetString().Should().Be("Example");
        root.GetProperty("scope").GetString().Should().Be("openid api");
    }

    [Fact]
    public void client_id_issued_at_is_written_as_a_number_of_unix_seconds()
    {
        using var document = Write(new ClientInformationResponse { Client = Client() with { ClientIdIssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(IssuedAtSeconds * 1000 + 999) } });

        var issuedAt = document.RootElement.GetProperty("client_id_issued_at");
        issuedAt.ValueKind.Should().Be(JsonValueKind.Number);
        issuedAt.GetInt64().Should().Be(IssuedAtSeconds);
    }

    [Fact]
    public void client_secret_expires_at_is_zero_when_the_secret_does_not_expire()
    {
        using var document = Write(new ClientInformationResponse { Client = Client(secretExpiresAt: null), ClientSecret = "secret" });

        var expiresAt = document.RootElement.GetProperty("client_secret_expires_at");
        expiresAt.ValueKind.Should().Be(JsonValueKind.Number);
        expiresAt.GetInt64().Should().Be(0);
    }

    [Fact]
    public void client_secret_expires_at_is_the_expiry_in_unix_seconds_when_the_secret_expires()
    {
        var expiry = DateTimeOffset.FromUnixTimeSeconds(IssuedAtSeconds + 90 * 86_400);

        using var document = Write(new ClientInformationResponse { Client = Client(expiry), ClientSecret = "secret" });

        document.RootElement.GetProperty("client_secret_expires_at").GetInt64().Should().Be(IssuedAtSeconds + 90 * 86_400);
    }

    [Fact]
    public void client_secret_registration_access_token_and_registration_client_uri_are_absent_when_not_issued()
    {
        using var document = Write(new ClientInformationResponse { Client = Client() });
        var root = document.RootElement;

        root.TryGetProperty("client_secret", out _).Should().BeFalse();
        root.TryGetProperty("registration_access_token", out _).Should().BeFalse();
        root.TryGetProperty("registration_client_uri", out _).Should().BeFalse();
        root.GetProperty("client_id").GetString().Should().Be("s6BhdRkqt3");
        root.GetProperty("client_secret_expires_at").GetInt64().Should().Be(0);
    }

    [Fact]
    public void the_response_never_contains_the_stored_hashes_or_bookkeeping()
    {
        var response = new ClientInformationResponse
        {
            Client = Client(),
            ClientSecret = "plain-secret",
            RegistrationAccessToken = "plain-token",
            RegistrationClientUri = new Uri("https://as.example.com/connect/register/s6BhdRkqt3"),
        };

        using var document = Write(response);
        var raw = document.RootElement.GetRawText();

        raw.Should().NotContain(SecretHash).And.NotContain(TokenHash).And.NotContain("$dcr-sha256$");
        raw.Should().NotContain("registrar").And.NotContain("\"version\"");
    }

    [Fact]
    public void writing_to_a_null_writer_throws_argument_null_exception()
    {
        var act = () => new ClientInformationResponse { Client = Client() }.WriteTo(null!);

        act.Should().Throw<ArgumentNullException>();
    }
}
