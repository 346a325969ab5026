using System.Text.Json;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Tests.TestSupport;
using Dcr.IdentityServerExtensions.Validation;

namespace Dcr.IdentityServerExtensions.Tests.Validation;

public class ClientMetadataValidatorTests
{
    private const string InvalidClientMetadata = "invalid_client_metadata";
    private const string InvalidRedirectUri = "invalid_redirect_uri";
    private const string WebRedirectUri = "https://client.example.com/cb";

    // Well past any sensible limit on array entries (ClientMetadataValidator.MaxArrayLength was 64) and on string length
    // (MaxStringLength was 2048), without pinning the exact limit, which later versions make configurable.
    private const int TooManyEntries = 1_000;
    private const int TooLongString = 100_000;

    private static ClientMetadataValidator CreateValidator(Action<DynamicClientRegistrationOptions>? configure = null)
    {
        var options = new DynamicClientRegistrationOptions();
        options.AllowedScopes.Add("openid");
        options.AllowedScopes.Add("profile");
        options.AllowedScopes.Add("api");
        configure?.Invoke(options);
        return new ClientMetadataValidator(new FixedOptionsMonitor<DynamicClientRegistrationOptions>(options));
    }

    private static RegistrationResult<ClientMetadata> Validate(ClientMetadata metadata, Action<DynamicClientRegistrationOptions>? configure = null) =>
        CreateValidator(configure).Validate(metadata);

    private static ClientMetadata WebClient() => new() { RedirectUris = [WebRedirectUri] };

    private static ClientMetadata MachineClient() => new() { GrantTypes = ["client_credentials"] };

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    // ---- RFC 7591 defaults -------------------------------------------------------------------------------------

    [Fact]
    public void omitted_token_endpoint_auth_method_defaults_to_client_secret_basic()
    {
        var validated = Validate(WebClient()).ShouldSucceed();

        validated.TokenEndpointAuthMethod.Should().Be("client_secret_basic");
        validated.UsesClientSecret.Should().BeTrue();
    }

    [Fact]
    public void omitted_grant_types_default_to_authorization_code()
    {
        var validated = Validate(WebClient()).ShouldSucceed();

        validated.GrantTypes.Should().Equal("authorization_code");
    }

    [Fact]
    public void omitted_response_types_default_to_code_for_an_authorization_code_client()
    {
        var validated = Validate(WebClient() with { GrantTypes = ["authorization_code", "refresh_token"] }).ShouldSucceed();

        validated.ResponseTypes.Should().Equal("code");
    }

    [Fact]
    public void omitted_response_types_default_to_none_for_a_client_credentials_only_client()
    {
        var validated = Validate(MachineClient()).ShouldSucceed();

        validated.ResponseTypes.Should().NotBeNull().And.BeEmpty();
    }

    [Fact]
    public void omitted_application_type_defaults_to_web()
    {
        var validated = Validate(WebClient()).ShouldSucceed();

        validated.ApplicationType.Should().Be("web");
    }

    [Fact]
    public void omitted_scope_stays_omitted()
    {
        var validated = Validate(WebClient()).ShouldSucceed();

        validated.Scope.Should().BeNull();
    }

    [Fact]
    public void explicit_values_are_kept_rather_than_replaced_by_defaults()
    {
        var metadata = new ClientMetadata
        {
            RedirectUris = ["com.example.app:/cb"],
            ApplicationType = "native",
            TokenEndpointAuthMethod = "none",
            GrantTypes = ["authorization_code", "refresh_token"],
            ResponseTypes = ["code"],
        };

        var validated = Validate(metadata).ShouldSucceed();

        validated.ApplicationType.Should().Be("native");
        validated.TokenEndpointAuthMethod.Should().Be("none");
        validated.GrantTypes.Should().Equal("authorization_code", "refresh_token");
        validated.IsPublicClient.Should().BeTrue();
    }

    [Theory]
    [InlineData("browser")]
    [InlineData("Web")]
    [InlineData("")]
    public void an_application_type_other_than_web_or_native_is_rejected_with_invalid_client_metadata(string applicationType)
    {
        Validate(WebClient() with { ApplicationType = applicationType }).ShouldFailWith(InvalidClientMetadata, "DCR2200");
    }

    [Fact]
    public void an_empty_grant_types_array_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { GrantTypes = [] }).ShouldFailWith(InvalidClientMetadata, "DCR2202");
    }

    // ---- grant type / response type consistency (RFC 7591 §2.1) -------------------------------------------------

    [Fact]
    public void response_type_code_without_the_authorization_code_grant_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { GrantTypes = ["client_credentials"], ResponseTypes = ["code"] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2206");
    }

    [Fact]
    public void the_authorization_code_grant_without_response_type_code_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { GrantTypes = ["authorization_code"], ResponseTypes = [] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2208");
    }

    [Theory]
    [InlineData("token")]
    [InlineData("id_token")]
    [InlineData("code id_token")]
    public void a_token_or_id_token_response_type_without_the_implicit_grant_is_rejected_with_invalid_client_metadata(string responseType)
    {
        var metadata = WebClient() with { GrantTypes = ["authorization_code"], ResponseTypes = ["code", responseType] };

        Validate(metadata, options => AllowImplicit(options)).ShouldFailWith(InvalidClientMetadata, "DCR2207");
    }

    [Fact]
    public void the_implicit_grant_with_response_type_token_is_accepted_when_implicit_is_allowed()
    {
        var metadata = WebClient() with { GrantTypes = ["implicit"], ResponseTypes = ["token"] };

        var validated = Validate(metadata, AllowImplicit).ShouldSucceed();

        validated.GrantTypes.Should().Equal("implicit");
        validated.ResponseTypes.Should().Equal("token");
    }

    [Fact]
    public void a_hybrid_response_type_is_accepted_with_both_the_authorization_code_and_implicit_grants()
    {
        var metadata = WebClient() with { GrantTypes = ["authorization_code", "implicit"], ResponseTypes = ["code id_token"] };

        Validate(metadata, AllowImplicit).ShouldSucceed().ResponseTypes.Should().Equal("code id_token");
    }

    [Fact]
    public void the_implicit_grant_without_a_token_or_id_token_response_type_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { GrantTypes = ["implicit"], ResponseTypes = null };

        Validate(metadata, AllowImplicit).ShouldFailWith(InvalidClientMetadata, "DCR2209");
    }

    [Fact]
    public void the_implicit_grant_is_rejected_with_invalid_client_metadata_when_the_allowed_grant_types_are_the_defaults()
    {
        var metadata = WebClient() with { GrantTypes = ["implicit"], ResponseTypes = ["token"] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2203");
    }

    [Theory]
    [InlineData("code token_id", "DCR2205")]
    [InlineData("device", "DCR2205")]
    [InlineData("", "DCR2204")]
    [InlineData(" ", "DCR2204")]
    public void an_unknown_or_empty_response_type_is_rejected_with_invalid_client_metadata(string responseType, string id)
    {
        var metadata = WebClient() with { ResponseTypes = ["code", responseType] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, id);
    }

    private static void AllowImplicit(DynamicClientRegistrationOptions options)
    {
        options.AllowedGrantTypes.Add("authorization_code");
        options.AllowedGrantTypes.Add("implicit");
    }

    // ---- redirect URIs ------------------------------------------------------------------------------------------

    [Fact]
    public void authorization_code_without_redirect_uri_is_rejected_with_invalid_redirect_uri()
    {
        Validate(new ClientMetadata()).ShouldFailWith(InvalidRedirectUri, "DCR2100");
    }

    [Fact]
    public void implicit_without_redirect_uri_is_rejected_with_invalid_redirect_uri()
    {
        var metadata = new ClientMetadata { GrantTypes = ["implicit"], ResponseTypes = ["id_token"] };

        Validate(metadata, AllowImplicit).ShouldFailWith(InvalidRedirectUri, "DCR2100");
    }

    [Fact]
    public void a_client_credentials_client_needs_no_redirect_uri()
    {
        Validate(MachineClient()).ShouldSucceed().RedirectUris.Should().BeEmpty();
    }

    [Fact]
    public void a_web_client_with_an_https_redirect_uri_is_accepted()
    {
        Validate(WebClient()).ShouldSucceed().RedirectUris.Should().Equal(WebRedirectUri);
    }

    [Theory]
    [InlineData("/cb", "DCR2109")]
    [InlineData("cb", "DCR2109")]
    [InlineData("https://client.example.com/cb#fragment", "DCR2102")]
    [InlineData("https://client.example.com/cb#", "DCR2102")]
    [InlineData("http://client.example.com/cb", "DCR2112")]
    [InlineData("http://127.0.0.1:1234/cb", "DCR2111")]
    [InlineData("com.example.app:/cb", "DCR2112")]
    [InlineData("javascript:alert(1)", "DCR2110")]
    [InlineData("data:text/html,<script>alert(1)</script>", "DCR2110")]
    [InlineData("file:///etc/passwd", "DCR2110")]
    [InlineData("https://user:password@client.example.com/cb", "DCR2106")]
    [InlineData("https://user@client.example.com/cb", "DCR2106")]
    [InlineData("https://client.example.com/c b", "DCR2103")]
    [InlineData("https://client.example.com/cb\n", "DCR2103")]
    public void a_web_client_redirect_uri_that_is_not_plain_absolute_https_is_rejected_with_invalid_redirect_uri(string redirectUri, string id)
    {
        Validate(WebClient() with { RedirectUris = [redirectUri] }).ShouldFailWith(InvalidRedirectUri, id);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1234/cb")]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://[::1]:8080/cb")]
    [InlineData("http://localhost/cb")]
    [InlineData("http://localhost:6274/oauth/callback")]
    public void a_public_code_client_may_use_an_http_loopback_redirect_uri_without_an_application_type(string redirectUri)
    {
        // The MCP TypeScript SDK's registration: no application_type, so 'web'.
        var metadata = new ClientMetadata
        {
            RedirectUris = [redirectUri],
            GrantTypes = ["authorization_code", "refresh_token"],
            ResponseTypes = ["code"],
            TokenEndpointAuthMethod = "none",
        };

        var validated = Validate(metadata).ShouldSucceed();

        validated.ApplicationType.Should().Be("web");
        validated.RedirectUris.Should().Equal(redirectUri);
    }

    [Theory]
    [InlineData("none", "http://client.example.com/cb", "authorization_code", "DCR2112")]
    [InlineData("none", "http://127.0.0.1.example.com/cb", "authorization_code", "DCR2112")]
    [InlineData("none", "http://localhost/cb#fragment", "authorization_code", "DCR2102")]
    [InlineData("client_secret_basic", "http://localhost/cb", "authorization_code", "DCR2111")]
    [InlineData("client_secret_post", "http://127.0.0.1/cb", "authorization_code", "DCR2111")]
    public void http_redirect_uris_stay_refused_for_web_clients_unless_loopback_public_and_code(string authMethod, string redirectUri, string grantType, string id)
    {
        var metadata = new ClientMetadata { RedirectUris = [redirectUri], GrantTypes = [grantType], TokenEndpointAuthMethod = authMethod };

        Validate(metadata).ShouldFailWith(InvalidRedirectUri, id);
    }

    [Fact]
    public void a_public_implicit_client_may_not_use_an_http_loopback_redirect_uri()
    {
        var metadata = new ClientMetadata
        {
            RedirectUris = ["http://localhost/cb"],
            GrantTypes = ["authorization_code", "implicit"],
            ResponseTypes = ["code", "token"],
            TokenEndpointAuthMethod = "none",
        };

        Validate(metadata, options =>
        {
            options.AllowedGrantTypes.Add("authorization_code");
            options.AllowedGrantTypes.Add("implicit");
        }).ShouldFailWith(InvalidRedirectUri, "DCR2111");
    }

    [Theory]
    [InlineData("http://127.0.0.1:1234/cb")]
    [InlineData("http://[::1]/cb")]
    [InlineData("http://localhost/cb")]
    [InlineData("com.example.app:/cb")]
    [InlineData("https://client.example.com/cb")]
    public void a_native_client_may_use_a_loopback_http_private_use_scheme_or_https_redirect_uri(string redirectUri)
    {
        var metadata = new ClientMetadata { ApplicationType = "native", RedirectUris = [redirectUri] };

        Validate(metadata).ShouldSucceed().RedirectUris.Should().Equal(redirectUri);
    }

    [Theory]
    [InlineData("http://example.com/cb", "DCR2113")]
    [InlineData("http://127.0.0.1.example.com/cb", "DCR2113")]
    [InlineData("http://localhost.example.com/cb", "DCR2113")]
    [InlineData("javascript:alert(1)", "DCR2110")]
    [InlineData("JavaScript:alert(1)", "DCR2110")]
    [InlineData("data:text/html,hi", "DCR2110")]
    [InlineData("file:///etc/passwd", "DCR2110")]
    [InlineData("vbscript:msgbox(1)", "DCR2110")]
    [InlineData("http://user:password@127.0.0.1/cb", "DCR2106")]
    [InlineData("com.example.app:/cb#fragment", "DCR2102")]
    [InlineData("/cb", "DCR2109")]
    public void a_native_client_redirect_uri_that_is_neither_loopback_http_private_use_nor_https_is_rejected_with_invalid_redirect_uri(string redirectUri, string id)
    {
        var metadata = new ClientMetadata { ApplicationType = "native", RedirectUris = [redirectUri] };

        Validate(metadata).ShouldFailWith(InvalidRedirectUri, id);
    }

    [Theory]
    [InlineData("chrome://settings")]
    [InlineData("ms-settings:privacy")]
    [InlineData("jar:file:/app.jar!/cb")]
    [InlineData("itms-services://?action=download-manifest")]
    [InlineData("myapp://callback")]
    [InlineData("com.:/cb")]
    public void a_native_private_use_scheme_outside_reverse_domain_form_is_rejected_unless_listed(string redirectUri)
    {
        var metadata = new ClientMetadata { ApplicationType = "native", RedirectUris = [redirectUri] };

        Validate(metadata).ShouldFailWith(InvalidRedirectUri, "DCR2114").Description.Should().Contain("reverse-domain form");
    }

    [Fact]
    public void a_private_use_scheme_listed_by_the_server_is_accepted_for_native_clients()
    {
        var metadata = new ClientMetadata { ApplicationType = "native", RedirectUris = ["myapp://callback"] };

        Validate(metadata, options => options.AllowedPrivateUseSchemes.Add("myapp")).ShouldSucceed().RedirectUris.Should().Equal("myapp://callback");
    }

    [Theory]
    [InlineData("https://ä.com/cb", "https://xn--4ca.com/cb")]
    [InlineData("https://MÜNCHEN.de:8443/cb?x=1", "https://xn--mnchen-3ya.de:8443/cb?x=1")]
    [InlineData("https://a\u3002example.com/cb", "https://a.example.com/cb")]
    public void an_internationalized_host_is_stored_in_its_a_label_form(string redirectUri, string stored)
    {
        redirectUri = System.Text.RegularExpressions.Regex.Unescape(redirectUri);

        Validate(WebClient() with { RedirectUris = [redirectUri] }).ShouldSucceed().RedirectUris.Should().Equal(stored);
    }

    [Theory]
    [InlineData("https://a\u2024example.com/cb", "DCR2107")]
    [InlineData("https://a_\u00e4.com/cb", "DCR2107")]
    [InlineData("https://xn--zz.example/cb", "DCR2107")]
    [InlineData("https://example.com/\u00e4", "DCR2105")]
    [InlineData("https://example.com/cb?q=\u00e4", "DCR2105")]
    [InlineData("com.example.\u00e4pp:/cb", "DCR2104")]
    [InlineData("https://\u00e4@example.com/cb", "DCR2106")]
    [InlineData("https://\u00e4.example:\uff18\uff10/cb", "DCR2108")]
    public void a_host_idna_refuses_or_raw_non_ascii_elsewhere_is_rejected_with_invalid_redirect_uri(string redirectUri, string id)
    {
        redirectUri = System.Text.RegularExpressions.Regex.Unescape(redirectUri);

        Validate(WebClient() with { RedirectUris = [redirectUri] }).ShouldFailWith(InvalidRedirectUri, id);
        Validate(new ClientMetadata { ApplicationType = "native", RedirectUris = [redirectUri] }).ShouldFailWith(InvalidRedirectUri, id);
    }

    [Fact]
    public void a_redirect_uri_longer_than_the_maximum_string_length_is_rejected_with_invalid_redirect_uri()
    {
        var longUri = "https://client.example.com/" + new string('a', TooLongString);

        Validate(WebClient() with { RedirectUris = [longUri] }).ShouldFailWith(InvalidRedirectUri, "DCR2101");
    }

    [Fact]
    public void one_bad_redirect_uri_among_good_ones_rejects_the_registration_with_invalid_redirect_uri()
    {
        var metadata = WebClient() with { RedirectUris = [WebRedirectUri, "https://client.example.com/other", "http://client.example.com/cb"] };

        Validate(metadata).ShouldFailWith(InvalidRedirectUri, "DCR2112");
    }

    [Fact]
    public void duplicate_redirect_uris_are_stored_once()
    {
        var metadata = WebClient() with { RedirectUris = [WebRedirectUri, "https://client.example.com/other", WebRedirectUri] };

        Validate(metadata).ShouldSucceed().RedirectUris.Should().Equal(WebRedirectUri, "https://client.example.com/other");
    }

    [Fact]
    public void a_web_post_logout_redirect_uri_over_http_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { PostLogoutRedirectUris = ["http://client.example.com/logged-out"] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2112");
    }

    [Fact]
    public void too_many_redirect_uris_are_rejected_with_invalid_client_metadata()
    {
        var uris = Enumerable.Range(0, TooManyEntries)
            .Select(i => $"https://client.example.com/cb{i}")
            .ToList();

        Validate(WebClient() with { RedirectUris = uris }).ShouldFailWith(InvalidClientMetadata, "DCR2211").Description.Should().StartWith("redirect_uris ");
    }

    [Fact]
    public void several_distinct_redirect_uris_are_accepted_and_kept_in_order()
    {
        var uris = Enumerable.Range(0, 5).Select(i => $"https://client.example.com/cb{i}").ToList();

        Validate(WebClient() with { RedirectUris = uris }).ShouldSucceed().RedirectUris.Should().Equal(uris);
    }

    [Fact]
    public void too_many_contacts_are_rejected_with_invalid_client_metadata()
    {
        var contacts = Enumerable.Range(0, TooManyEntries).Select(i => $"admin{i}@example.com").ToList();

        Validate(WebClient() with { Contacts = contacts }).ShouldFailWith(InvalidClientMetadata, "DCR2211").Description.Should().StartWith("contacts ");
    }

    // ---- keys ---------------------------------------------------------------------------------------------------

    private const string PublicRsaJwks = """{"keys":[{"kty":"RSA","kid":"1","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}]}""";

    [Fact]
    public void a_public_json_web_key_set_is_accepted_and_kept()
    {
        var validated = Validate(WebClient() with { Jwks = Json(PublicRsaJwks) }).ShouldSucceed();

        validated.Jwks.Should().NotBeNull();
        JsonElement.DeepEquals(validated.Jwks!.Value, Json(PublicRsaJwks)).Should().BeTrue();
    }

    [Fact]
    public void jwks_together_with_jwks_uri_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { Jwks = Json(PublicRsaJwks), JwksUri = "https://client.example.com/jwks.json" };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2301");
    }

    [Theory]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}""")]
    [InlineData("""{"keys":[{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","d":"X4cTteJY"}]}""")]
    [InlineData("""{"keys":[{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg"}]}""")]
    public void a_json_web_key_set_holding_private_or_symmetric_key_material_is_rejected_with_invalid_client_metadata(string jwks)
    {
        Validate(WebClient() with { Jwks = Json(jwks) }).ShouldFailWith(InvalidClientMetadata, "DCR2304");
    }

    [Theory]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}""")]
    [InlineData("""{"keys":[{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}]}""")]
    public void the_keys_of_the_private_key_cases_are_accepted_without_their_private_parts_so_only_those_parts_are_refused(string jwks)
    {
        Validate(WebClient() with { Jwks = Json(jwks) }).ShouldSucceed();
    }

    [Theory]
    [InlineData("{}", "DCR2302")]
    [InlineData("""{"keys":[]}""", "DCR2302")]
    [InlineData("""{"keys":{}}""", "DCR2302")]
    [InlineData("""{"keys":"RSA"}""", "DCR2302")]
    [InlineData("""{"keys":[{"kid":"no-kty"}]}""", "DCR2303")]
    [InlineData("""{"keys":["RSA"]}""", "DCR2303")]
    [InlineData("""{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}""", "DCR2305")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","x":"bad"}]}""", "DCR2305")]
    [InlineData("""{"keys":[{"kty":"oct-ish"}]}""", "DCR2305")]
    public void a_json_web_key_set_without_a_non_empty_keys_array_of_typed_usable_keys_is_rejected_with_invalid_client_metadata(string jwks, string id)
    {
        Validate(WebClient() with { Jwks = Json(jwks) }).ShouldFailWith(InvalidClientMetadata, id);
    }

    [Theory]
    [InlineData("http://client.example.com/jwks.json")]
    [InlineData("jwks.json")]
    public void a_jwks_uri_that_is_not_absolute_https_is_rejected_with_invalid_client_metadata(string jwksUri)
    {
        Validate(WebClient() with { JwksUri = jwksUri }).ShouldFailWith(InvalidClientMetadata, "DCR2300");
    }

    [Fact]
    public void a_private_key_jwt_client_may_give_its_keys_at_an_https_jwks_uri()
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "private_key_jwt", JwksUri = "https://client.example.com/jwks.json" };

        var validated = Validate(metadata).ShouldSucceed();

        validated.JwksUri.Should().Be("https://client.example.com/jwks.json");
        validated.Jwks.Should().BeNull();
    }

    [Fact]
    public void a_private_key_jwt_client_without_jwks_or_jwks_uri_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { TokenEndpointAuthMethod = "private_key_jwt" }).ShouldFailWith(InvalidClientMetadata, "DCR2306");
    }

    [Fact]
    public void a_private_key_jwt_client_may_give_its_keys_inline_in_jwks()
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "private_key_jwt", Jwks = Json(PublicRsaJwks) };

        Validate(metadata).ShouldSucceed().Jwks.Should().NotBeNull();
    }

    // Each rule about a private_key_jwt client's keys answers with its own id: the jwks_uri rule is the https rule of
    // every jwks_uri, the key rule is the one that needs keys, and both members together are refused as such.
    [Theory]
    [InlineData("http://client.example.com/jwks.json", false, "DCR2300")]
    [InlineData("https://client.example.com/jwks.json", true, "DCR2301")]
    [InlineData(null, false, "DCR2306")]
    public void each_rule_on_a_private_key_jwt_client_s_keys_refuses_with_its_own_id(string? jwksUri, bool inlineKeys, string id)
    {
        var metadata = WebClient() with
        {
            TokenEndpointAuthMethod = "private_key_jwt",
            JwksUri = jwksUri,
            Jwks = inlineKeys ? Json(PublicRsaJwks) : null,
        };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, id);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("PS512")]
    public void token_endpoint_auth_signing_alg_is_accepted_for_private_key_jwt_with_an_asymmetric_algorithm(string algorithm)
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "private_key_jwt", Jwks = Json(PublicRsaJwks), TokenEndpointAuthSigningAlg = algorithm };

        Validate(metadata).ShouldSucceed().TokenEndpointAuthSigningAlg.Should().Be(algorithm);
    }

    [Fact]
    public void token_endpoint_auth_signing_alg_for_another_auth_method_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { TokenEndpointAuthSigningAlg = "ES256" }).ShouldFailWith(InvalidClientMetadata, "DCR2307");
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    [InlineData("es256")]
    public void a_symmetric_or_unknown_token_endpoint_auth_signing_alg_is_rejected_with_invalid_client_metadata(string algorithm)
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "private_key_jwt", Jwks = Json(PublicRsaJwks), TokenEndpointAuthSigningAlg = algorithm };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2308");
    }

    // ---- server policy ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("password")]
    [InlineData("urn:ietf:params:oauth:grant-type:device_code")]
    [InlineData("implicit")]
    public void a_grant_type_outside_the_allowed_grant_types_is_rejected_with_invalid_client_metadata(string grantType)
    {
        var metadata = WebClient() with { GrantTypes = ["authorization_code", grantType] };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2203");
    }

    [Fact]
    public void a_grant_type_the_default_list_allows_is_rejected_when_the_configured_list_omits_it()
    {
        Validate(MachineClient(), options => options.AllowedGrantTypes.Add("authorization_code")).ShouldFailWith(InvalidClientMetadata, "DCR2203");
    }

    [Theory]
    [InlineData("client_secret_jwt")]
    [InlineData("tls_client_auth")]
    [InlineData("self_signed_tls_client_auth")]
    [InlineData("CLIENT_SECRET_BASIC")]
    [InlineData("")]
    public void an_unsupported_token_endpoint_auth_method_is_rejected_with_invalid_client_metadata(string authMethod)
    {
        Validate(WebClient() with { TokenEndpointAuthMethod = authMethod }).ShouldFailWith(InvalidClientMetadata, "DCR2201");
    }

    [Fact]
    public void private_key_jwt_is_rejected_with_invalid_client_metadata_when_not_an_allowed_auth_method()
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "private_key_jwt", Jwks = Json(PublicRsaJwks) };

        Validate(metadata, options =>
        {
            options.AllowedTokenEndpointAuthMethods.Add("client_secret_basic");
            options.AllowedTokenEndpointAuthMethods.Add("none");
        }).ShouldFailWith(InvalidClientMetadata, "DCR2201");
    }

    [Fact]
    public void an_auth_method_outside_the_configured_auth_methods_is_rejected_with_invalid_client_metadata()
    {
        var metadata = WebClient() with { TokenEndpointAuthMethod = "none" };

        Validate(metadata, options => options.AllowedTokenEndpointAuthMethods.Add("client_secret_basic")).ShouldFailWith(InvalidClientMetadata, "DCR2201");
    }

    [Fact]
    public void the_default_auth_method_is_rejected_when_the_configured_auth_methods_omit_it()
    {
        Validate(WebClient(), options => options.AllowedTokenEndpointAuthMethods.Add("client_secret_post")).ShouldFailWith(InvalidClientMetadata, "DCR2201");
    }

    [Fact]
    public void a_scope_outside_the_allowed_scopes_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { Scope = "openid admin" }).ShouldFailWith(InvalidClientMetadata, "DCR2224");
    }

    [Fact]
    public void the_initial_access_token_scope_is_rejected_with_invalid_client_metadata_when_it_is_not_an_allowed_scope()
    {
        Validate(WebClient() with { Scope = "openid dcr" }).ShouldFailWith(InvalidClientMetadata, "DCR2224");
    }

    [Fact]
    public void the_initial_access_token_scope_is_accepted_when_it_is_listed_as_an_allowed_scope()
    {
        Validate(WebClient() with { Scope = "dcr" }, options => options.AllowedScopes.Add("dcr")).ShouldSucceed().Scope.Should().Be("dcr");
    }

    [Fact]
    public void every_scope_is_rejected_with_invalid_client_metadata_when_no_scope_is_allowed()
    {
        var validator = new ClientMetadataValidator(new FixedOptionsMonitor<DynamicClientRegistrationOptions>(new DynamicClientRegistrationOptions()));

        validator.Validate(WebClient() with { Scope = "openid" }).ShouldFailWith(InvalidClientMetadata, "DCR2224");
    }

    [Fact]
    public void a_public_client_with_the_client_credentials_grant_is_rejected_with_invalid_client_metadata()
    {
        Validate(MachineClient() with { TokenEndpointAuthMethod = "none" }).ShouldFailWith(InvalidClientMetadata, "DCR2210");
    }

    [Fact]
    public void a_public_client_with_the_authorization_code_grant_is_accepted()
    {
        var validated = Validate(WebClient() with { TokenEndpointAuthMethod = "none" }).ShouldSucceed();

        validated.IsPublicClient.Should().BeTrue();
        validated.UsesClientSecret.Should().BeFalse();
    }

    // ---- strings ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("My\u0007App")]
    [InlineData("My\nApp")]
    [InlineData("My\u0000App")]
    [InlineData("My\u009BApp")]
    public void a_client_name_with_control_characters_is_rejected_with_invalid_client_metadata(string clientName)
    {
        Validate(WebClient() with { ClientName = clientName }).ShouldFailWith(InvalidClientMetadata, "DCR2212");
    }

    [Fact]
    public void a_client_name_longer_than_the_maximum_string_length_is_rejected_with_invalid_client_metadata()
    {
        var clientName = new string('a', TooLongString);

        Validate(WebClient() with { ClientName = clientName }).ShouldFailWith(InvalidClientMetadata, "DCR2212");
    }

    [Fact]
    public void a_long_but_reasonable_client_name_is_accepted()
    {
        var clientName = new string('a', 200);

        Validate(WebClient() with { ClientName = clientName }).ShouldSucceed().ClientName.Should().Be(clientName);
    }

    [Fact]
    public void an_empty_contact_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { Contacts = ["admin@example.com", ""] }).ShouldFailWith(InvalidClientMetadata, "DCR2213");
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://client.example.com/logo.png")]
    [InlineData("/logo.png")]
    [InlineData("https://user:password@client.example.com/logo.png")]
    public void a_logo_uri_that_is_not_absolute_http_or_https_is_rejected_with_invalid_client_metadata(string logoUri)
    {
        Validate(WebClient() with { LogoUri = logoUri }).ShouldFailWith(InvalidClientMetadata, "DCR2214");
    }

    [Theory]
    [InlineData("client_uri")]
    [InlineData("logo_uri")]
    [InlineData("tos_uri")]
    [InlineData("policy_uri")]
    public void every_web_page_uri_member_must_be_absolute_http_or_https(string member)
    {
        var metadata = member switch
        {
            "client_uri" => WebClient() with { ClientUri = "ftp://client.example.com/" },
            "logo_uri" => WebClient() with { LogoUri = "ftp://client.example.com/" },
            "tos_uri" => WebClient() with { TosUri = "ftp://client.example.com/" },
            _ => WebClient() with { PolicyUri = "ftp://client.example.com/" },
        };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2214").Description.Should().StartWith(member + " ");
    }

    [Theory]
    [InlineData("software_id")]
    [InlineData("software_version")]
    [InlineData("scope")]
    public void every_text_member_is_held_to_the_string_limit(string member)
    {
        var text = new string('a', TooLongString);
        var metadata = member switch
        {
            "software_id" => WebClient() with { SoftwareId = text },
            "software_version" => WebClient() with { SoftwareVersion = text },
            _ => WebClient() with { Scope = text },
        };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2212").Description.Should().StartWith(member + " ");
    }

    [Fact]
    public void a_post_logout_redirect_uri_is_held_to_the_redirect_uri_rules_with_their_ids_under_invalid_client_metadata()
    {
        Validate(WebClient() with { PostLogoutRedirectUris = ["https://client.example.com/out#x"] })
            .ShouldFailWith(InvalidClientMetadata, "DCR2102").Description.Should().StartWith("post_logout_redirect_uri ");
    }

    // ---- scope normalization ------------------------------------------------------------------------------------

    [Fact]
    public void duplicate_scope_values_are_stored_once_in_first_seen_order()
    {
        Validate(WebClient() with { Scope = "openid api openid profile api" }).ShouldSucceed().Scope.Should().Be("openid api profile");
    }

    [Fact]
    public void repeated_spaces_between_scope_values_are_collapsed()
    {
        Validate(WebClient() with { Scope = "  openid   api " }).ShouldSucceed().Scope.Should().Be("openid api");
    }

    [Fact]
    public void a_blank_scope_is_stored_as_omitted()
    {
        Validate(WebClient() with { Scope = "   " }).ShouldSucceed().Scope.Should().BeNull();
    }

    [Theory]
    [InlineData("openid\tapi", "DCR2212")] // a control character: refused as text before it is read as scope tokens
    [InlineData("openid \"api\"", "DCR2223")]
    [InlineData("openid api\\", "DCR2223")]
    public void a_scope_that_is_not_a_list_of_scope_tokens_is_rejected_with_invalid_client_metadata(string scope, string id)
    {
        Validate(WebClient() with { Scope = scope }).ShouldFailWith(InvalidClientMetadata, id);
    }

    [Theory]
    [InlineData("api", true)]
    [InlineData("openid", true)]
    [InlineData("!", true)]
    [InlineData("~", true)]
    [InlineData("urn:example:scope/read#[x]", true)]
    [InlineData("https://api.example.com/read", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData("a b", false)]
    [InlineData("a\"b", false)]
    [InlineData("a\\b", false)]
    [InlineData("a\tb", false)]
    [InlineData("a\u007Fb", false)]
    [InlineData("caf\u00E9", false)]
    public void is_scope_token_accepts_exactly_the_rfc_6749_scope_token_characters(string? value, bool expected)
    {
        ClientMetadataValidator.IsScopeToken(value).Should().Be(expected);
    }

    // ---- normalized output --------------------------------------------------------------------------------------

    [Fact]
    public void duplicate_grant_types_and_contacts_are_stored_once()
    {
        var metadata = WebClient() with
        {
            GrantTypes = ["authorization_code", "refresh_token", "authorization_code"],
            Contacts = ["admin@example.com", "admin@example.com"],
        };

        var validated = Validate(metadata).ShouldSucceed();

        validated.GrantTypes.Should().Equal("authorization_code", "refresh_token");
        validated.Contacts.Should().Equal("admin@example.com");
    }

    [Fact]
    public void members_the_validator_does_not_normalize_pass_through_unchanged()
    {
        var metadata = WebClient() with
        {
            ClientName = "Example",
            ClientUri = "https://client.example.com",
            LogoUri = "https://client.example.com/logo.png",
            TosUri = "https://client.example.com/tos",
            PolicyUri = "https://client.example.com/policy",
            SoftwareId = "4NRB1-0XZABZI9E6-5SM3R",
            SoftwareVersion = "2.1",
        };

        var validated = Validate(metadata).ShouldSucceed();

        validated.Should().BeEquivalentTo(metadata, options => options
            .Excluding(m => m.ApplicationType)
            .Excluding(m => m.TokenEndpointAuthMethod)
            .Excluding(m => m.GrantTypes)
            .Excluding(m => m.ResponseTypes)
            .Excluding(m => m.UsesClientSecret)
            .Excluding(m => m.IsPublicClient));
    }
    [Theory]
    [InlineData("post_logout_redirect_uris")]
    [InlineData("grant_types")]
    [InlineData("response_types")]
    public void every_other_array_is_held_to_the_array_limit(string member)
    {
        List<string> many = [.. Enumerable.Range(0, TooManyEntries).Select(i => $"https://client.example.com/out{i}")];
        var metadata = member switch
        {
            "post_logout_redirect_uris" => WebClient() with { PostLogoutRedirectUris = many },
            "grant_types" => WebClient() with { GrantTypes = [.. Enumerable.Repeat("authorization_code", TooManyEntries)] },
            _ => WebClient() with { ResponseTypes = [.. Enumerable.Repeat("code", TooManyEntries)] },
        };

        Validate(metadata).ShouldFailWith(InvalidClientMetadata, "DCR2211").Description.Should().StartWith(member + " ");
    }

    // ---- OpenID Connect members ---------------------------------------------------------------------------------

    private static void OpenIdConnectAlgorithms(DynamicClientRegistrationOptions options)
    {
        options.SupportedIdTokenSigningAlgorithms.Add("RS256");
        options.SupportedRequestObjectSigningAlgorithms.Add("ES256");
        options.SupportedSubjectTypes.Add("public");
        options.SupportedSubjectTypes.Add("pairwise");
    }

    [Fact]
    public void the_openid_connect_members_the_server_supports_are_accepted()
    {
        var metadata = WebClient() with { IdTokenSignedResponseAlg = "RS256", RequestObjectSigningAlg = "ES256", SubjectType = "pairwise" };

        Validate(metadata, OpenIdConnectAlgorithms).ShouldSucceed().SubjectType.Should().Be("pairwise");
    }

    [Fact]
    public void an_id_token_signing_algorithm_the_server_does_not_support_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { IdTokenSignedResponseAlg = "HS256" }, OpenIdConnectAlgorithms).ShouldFailWith(InvalidClientMetadata, "DCR2215");
    }

    [Fact]
    public void a_request_object_signing_algorithm_is_rejected_with_invalid_client_metadata_when_the_server_takes_no_request_objects()
    {
        Validate(WebClient() with { RequestObjectSigningAlg = "ES256" }).ShouldFailWith(InvalidClientMetadata, "DCR2216");
    }

    [Fact]
    public void a_request_object_signing_algorithm_the_server_does_not_support_is_rejected_with_invalid_client_metadata()
    {
        Validate(WebClient() with { RequestObjectSigningAlg = "RS256" }, OpenIdConnectAlgorithms).ShouldFailWith(InvalidClientMetadata, "DCR2217");
    }

    [Theory]
    [InlineData("pairwise", false)]
    [InlineData("private", true)]
    public void a_subject_type_the_server_does_not_support_is_rejected_with_invalid_client_metadata(string subjectType, bool pairwiseSupported)
    {
        Validate(WebClient() with { SubjectType = subjectType }, pairwiseSupported ? OpenIdConnectAlgorithms : null)
            .ShouldFailWith(InvalidClientMetadata, "DCR2218");
    }

    // ---- extended metadata --------------------------------------------------------------------------------------

    private static void Extended(DynamicClientRegistrationOptions options)
    {
        options.ExtendedMetadata["tenant"] = new ExtendedMetadataDefinition { Type = ExtendedMetadataType.String };
        options.ExtendedMetadata["tags"] = new ExtendedMetadataDefinition { Type = ExtendedMetadataType.String, MultiValued = true };
        options.ExtendedMetadata["settings"] = new ExtendedMetadataDefinition();
    }

    private static ClientMetadata WithExtended(string name, string json) =>
        WebClient() with { ExtendedMetadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [name] = Json(json) } };

    [Fact]
    public void an_extended_member_the_server_does_not_configure_is_rejected_with_invalid_client_metadata()
    {
        Validate(WithExtended("unknown", "\"x\""), Extended).ShouldFailWith(InvalidClientMetadata, "DCR2219");
    }

    // The limit is on the member's JSON text: four times Limits:MaxStringLength, whatever its type.
    [Theory]
    [InlineData("tenant", false)]
    [InlineData("tags", true)]
    [InlineData("settings", false)]
    public void an_extended_member_is_accepted_up_to_four_times_the_string_limit_and_rejected_past_it(string name, bool array)
    {
        const int maxStringLength = 256;
        void Configure(DynamicClientRegistrationOptions options)
        {
            Extended(options);
            options.Limits.MaxStringLength = maxStringLength;
        }

        // A string of n characters is n + 2 characters of JSON, an array of one such string n + 4.
        string Member(int jsonLength)
        {
            var text = $"\"{new string('a', jsonLength - (array ? 4 : 2))}\"";
            return array ? $"[{text}]" : text;
        }

        Validate(WithExtended(name, Member(4 * maxStringLength)), Configure).ShouldSucceed().ExtendedMetadata[name].GetRawText()
            .Should().HaveLength(4 * maxStringLength);
        Validate(WithExtended(name, Member((4 * maxStringLength) + 1)), Configure).ShouldFailWith(InvalidClientMetadata, "DCR2220");
    }

    [Theory]
    [InlineData("tags", "\"a\"", "DCR2221")]
    [InlineData("tags", "[\"a\",1]", "DCR2221")]
    [InlineData("tenant", "42", "DCR2222")]
    [InlineData("tenant", "[\"a\"]", "DCR2222")]
    [InlineData("settings", "null", "DCR2222")]
    public void an_extended_member_of_the_wrong_shape_is_rejected_with_invalid_client_metadata(string name, string json, string id)
    {
        Validate(WithExtended(name, json), Extended).ShouldFailWith(InvalidClientMetadata, id).Description.Should().StartWith($"'{name}' ");
    }

    [Fact]
    public void an_extended_array_longer_than_the_array_limit_is_rejected_with_invalid_client_metadata()
    {
        var json = "[" + string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"t{i}\"")) + "]";

        Validate(WithExtended("tags", json), Extended).ShouldFailWith(InvalidClientMetadata, "DCR2221");
    }
}
