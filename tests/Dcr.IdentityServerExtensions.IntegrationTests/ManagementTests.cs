using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel.Client;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>RFC 7592 read, update and delete with the sample's settings: management on, both rotations on, delete allowed.</summary>
public sealed class ManagementTests : IClassFixture<ManagementTests.Host>
{
    public sealed class Host : IDisposable
    {
        public SampleHost Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }

    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Service","contacts":["ops@example.com"]}""";
    private readonly SampleHost _host;
    private readonly DcrTestClient _client;

    public ManagementTests(Host host)
    {
        _host = host.Server;
        _client = host.Server.CreateDcrClient();
    }

    [Fact]
    public async Task get_returns_200_with_the_current_metadata_and_the_server_members()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);

        read.Status.Should().Be(HttpStatusCode.OK, read.Body);
        read.CacheControl.Should().Be("no-store");
        var json = read.Json;
        json.GetProperty("client_id").GetString().Should().Be(registered.ClientId);
        json.GetProperty("client_id_issued_at").GetInt64().Should().Be(registered.Json.GetProperty("client_id_issued_at").GetInt64());
        json.GetProperty("client_secret_expires_at").GetInt64().Should().Be(0);
        json.GetProperty("registration_client_uri").GetString().Should().Be(registered.RegistrationClientUri);
        json.GetProperty("client_name").GetString().Should().Be("Service");
        json.GetProperty("scope").GetString().Should().Be("api");
        json.GetProperty("contacts")[0].GetString().Should().Be("ops@example.com");
        json.GetProperty("grant_types")[0].GetString().Should().Be("client_credentials");
    }

    [Fact]
    public async Task a_missing_wrong_or_foreign_token_and_an_unknown_client_all_get_the_same_401()
    {
        var first = await _client.RegisterAsync(ServiceClient);
        var second = await _client.RegisterAsync(ServiceClient);

        var answers = new[]
        {
            await _client.ManageAsync(HttpMethod.Get, first.RegistrationClientUri!, null),
            await _client.ManageAsync(HttpMethod.Get, first.RegistrationClientUri!, "wrong-token"),
            await _client.ManageAsync(HttpMethod.Get, first.RegistrationClientUri!, second.RegistrationAccessToken),
            await _client.ManageAsync(HttpMethod.Get, "/connect/register/no-such-client", second.RegistrationAccessToken),
            await _client.ManageAsync(HttpMethod.Put, first.RegistrationClientUri!, second.RegistrationAccessToken, $$"""{"client_id":"{{first.ClientId}}"}"""),
            await _client.ManageAsync(HttpMethod.Delete, first.RegistrationClientUri!, second.RegistrationAccessToken),
        };

        foreach (var answer in answers)
        {
            answer.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
            answer.Body.Should().Be(answers[0].Body);
            answer.Headers.WwwAuthenticate.ToString().Should().Be(answers[0].Headers.WwwAuthenticate.ToString()).And.StartWith("Bearer ");
        }

        // The foreign token was not spent on the wrong client: it still manages its own.
        (await _client.ManageAsync(HttpMethod.Get, second.RegistrationClientUri!, second.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task put_is_a_full_replacement_in_which_omitted_members_revert_to_defaults()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var updated = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"client_name":"Renamed"}""");

        updated.Status.Should().Be(HttpStatusCode.OK, updated.Body);
        updated.CacheControl.Should().Be("no-store");
        var json = updated.Json;
        json.GetProperty("client_name").GetString().Should().Be("Renamed");
        json.TryGetProperty("scope", out _).Should().BeFalse();
        json.TryGetProperty("contacts", out _).Should().BeFalse();
        json.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_basic");

        var current = RegisteredClient.From(json);
        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, current.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be("Renamed");

        // The host's permissions follow the stored metadata: the dropped scope is no longer granted.
        var latest = RegisteredClient.From(read.Json);
        (await _client.ClientCredentialsAsync(registered.ClientId, latest.ClientSecret, "api")).ShouldBeProtocolError("invalid_request", null);
        (await _client.ClientCredentialsAsync(registered.ClientId, latest.ClientSecret, null)).ShouldSucceed();
    }

    [Fact]
    public async Task put_without_client_id_is_rejected_with_invalid_request()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var response = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            """{"grant_types":["client_credentials"]}""");

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR2606");
    }

    [Fact]
    public async Task put_with_mismatched_client_id_is_rejected_with_invalid_request()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var response = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            """{"client_id":"someone-else","grant_types":["client_credentials"]}""");

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR2607");
    }

    [Theory]
    [InlineData("registration_access_token", "\"x\"")]
    [InlineData("registration_client_uri", "\"https://x.example\"")]
    [InlineData("client_secret_expires_at", "0")]
    [InlineData("client_id_issued_at", "0")]
    public async Task put_with_a_server_issued_member_is_rejected_with_invalid_request(string member, string value)
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var response = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"{{member}}":{{value}}}""");

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR2605");
        response.Json.GetProperty("error_description").GetString().Should().Contain(member);
    }

    [Fact]
    public async Task put_with_a_client_secret_must_send_the_current_one()
    {
        var registered = await _client.RegisterAsync(ServiceClient);
        var body = (string secret) => $$"""{"client_id":"{{registered.ClientId}}","client_secret":"{{secret}}","grant_types":["client_credentials"]}""";

        var wrong = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, body("not-the-secret"));
        wrong.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR2608");

        // A rejected update stores nothing and spends nothing: the same token and secret still work.
        var right = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, body(registered.ClientSecret!));
        right.Status.Should().Be(HttpStatusCode.OK, right.Body);
    }

    [Fact]
    public async Task put_is_validated_like_a_registration()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        var response = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","redirect_uris":["http://insecure.example/cb"]}""");

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri", "DCR2112");
        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be("Service", "the rejected update changed nothing");
    }

    [Fact]
    public async Task put_with_malformed_json_or_wrong_content_type_is_rejected()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        (await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, "{not json"))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2003");

        using var request = new HttpRequestMessage(HttpMethod.Put, registered.RegistrationClientUri) { Content = new StringContent("x") };
        request.Headers.Authorization = new("Bearer", registered.RegistrationAccessToken);
        (await WireResponse.ReadAsync(await _client.Http.SendAsync(request))).ShouldBeError(HttpStatusCode.UnsupportedMediaType, "invalid_request", "DCR2000");
    }

    [Fact]
    public async Task a_public_client_that_turns_confidential_gets_its_first_secret()
    {
        var registered = await _client.RegisterAsync("""{"redirect_uris":["http://127.0.0.1:5555/cb"],"application_type":"native","token_endpoint_auth_method":"none"}""");
        registered.ClientSecret.Should().BeNull();

        var updated = await _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api"}""");

        updated.Status.Should().Be(HttpStatusCode.OK, updated.Body);
        var secret = updated.Json.GetProperty("client_secret").GetString();
        (await _client.ClientCredentialsAsync(registered.ClientId, secret, "api")).ShouldSucceed();
    }

    [Fact]
    public async Task delete_answers_204_and_the_client_its_token_and_its_issued_tokens_stop_working()
    {
        var registered = await _client.RegisterAsync("""
            {"redirect_uris":["https://app.example.com/cb"],"grant_types":["authorization_code","refresh_token","client_credentials"],
             "scope":"openid offline_access api"}
            """);
        var accessToken = await _client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        accessToken.ShouldSucceed();
        var refreshToken = await CodeFlowRefreshTokenAsync(registered);
        (await _client.CallApiAsync(accessToken.AccessToken!)).Should().Be(HttpStatusCode.OK);

        var deleted = await _client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken);

        deleted.Status.Should().Be(HttpStatusCode.NoContent);
        deleted.CacheControl.Should().Be("no-store");
        (await _client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldBeProtocolError("invalid_client", null);
        (await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        (await _client.CallApiAsync(accessToken.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
        var refreshed = await _client.Http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = registered.ClientId,
            ClientSecret = registered.ClientSecret,
            RefreshToken = refreshToken,
        });
        refreshed.IsError.Should().BeTrue();
    }

    private async Task<string> CodeFlowRefreshTokenAsync(RegisteredClient registered)
    {
        var tokens = await _client.AuthorizationCodeAsync(registered.ClientId, registered.ClientSecret, "https://app.example.com/cb",
            "openid offline_access");
        tokens.ShouldSucceed();
        return tokens.RefreshToken!;
    }

    [Fact]
    public async Task two_simultaneous_reads_with_the_same_token_under_rotation_let_exactly_one_succeed()
    {
        var registered = await _client.RegisterAsync(ServiceClient);

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var token = registered.RegistrationAccessToken;
            var answers = await Task.WhenAll(
                _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, token),
                _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, token));

            answers.Count(answer => answer.Status == HttpStatusCode.OK).Should().Be(1, string.Join(" | ", answers.Select(a => a.Body)));
            answers.Single(answer => answer.Status != HttpStatusCode.OK).ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");

            // The winner's token and secret are the stored ones: the client is whole, not a mix of the two.
            registered = RegisteredClient.From(answers.Single(answer => answer.Status == HttpStatusCode.OK).Json);
            (await _client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        }

        (await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task two_simultaneous_updates_with_the_same_token_let_exactly_one_succeed_and_store_it_whole()
    {
        var registered = await _client.RegisterAsync(ServiceClient);
        var body = (string name) => $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api","client_name":"{{name}}"}""";

        var answers = await Task.WhenAll(
            _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, body("first")),
            _client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken, body("second")));

        answers.Count(answer => answer.Status == HttpStatusCode.OK).Should().Be(1, string.Join(" | ", answers.Select(a => a.Body)));
        answers.Single(answer => answer.Status != HttpStatusCode.OK).ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        var winner = answers.Single(answer => answer.Status == HttpStatusCode.OK);
        var winnerClient = RegisteredClient.From(winner.Json);
        var read = await _client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, winnerClient.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be(winner.Json.GetProperty("client_name").GetString());
    }
}
