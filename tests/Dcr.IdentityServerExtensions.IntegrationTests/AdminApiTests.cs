using System.Net;
using System.Text.Json;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The operators' admin API (<c>MapDynamicClientRegistrationAdmin()</c>, <c>/admin/dcr</c>): RFC 6750 answers without
/// the admin scope, the listing's members, filters, order and paging, reading and deleting one client, and the bulk
/// delete that revokes everything one initial access token created. Deleted clients' tokens stop working.
/// </summary>
public sealed class AdminApiTests
{
    private static readonly string[] ClientMembers =
    [
        "client_id", "client_name", "source", "created_by", "initial_access_token_id", "client_id_issued_at", "last_used_at",
        "grant_types", "redirect_uris", "token_endpoint_auth_method", "scope",
    ];

    private static string Service(string name) => $$"""{"client_name":"{{name}}","grant_types":["client_credentials"],"scope":"api"}""";

    private static string TokenId(string accessToken) => new JsonWebToken(accessToken).Id;

    [Fact]
    public async Task without_a_valid_token_the_api_answers_401_and_without_the_admin_scope_403_as_rfc_6750_says()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();

        var none = await client.AdminAsync(HttpMethod.Get, "/clients", bearer: null);
        none.ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR3000");
        none.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"");

        (await client.AdminAsync(HttpMethod.Get, "/clients", "not-a-token")).ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR3000");

        // An initial access token (scope dcr) is a valid token of this host without the admin scope.
        var registrar = await client.AdminAsync(HttpMethod.Delete, "/clients/anything", await client.InitialAccessTokenAsync());
        registrar.ShouldBeError(HttpStatusCode.Forbidden, "insufficient_scope", "DCR3001");
        registrar.Headers.WwwAuthenticate.ToString().Should().Contain("scope=\"dcr:admin\"");

        (await client.AdminAsync(HttpMethod.Get, "/clients", await client.AdminTokenAsync())).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_listed_client_has_exactly_the_documented_members_from_its_registration_and_never_a_secret()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var registration = await client.PostRegistrationAsync(
            """{"client_name":"Listed","redirect_uris":["https://app.example.com/cb"],"grant_types":["authorization_code","refresh_token"],"scope":"openid api"}""",
            token);
        var registered = RegisteredClient.From(registration.Json);

        var listing = await client.AdminAsync(HttpMethod.Get, "/clients", await client.AdminTokenAsync());

        listing.Status.Should().Be(HttpStatusCode.OK, listing.Body);
        listing.CacheControl.Should().Be("no-store");
        listing.ContentHeaders!.ContentType!.MediaType.Should().Be("application/json");
        listing.Json.EnumerateObject().Select(member => member.Name).Should().Equal("clients", "next_cursor");
        listing.Json.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
        var listed = listing.Json.GetProperty("clients").EnumerateArray().Single();
        listed.EnumerateObject().Select(member => member.Name).Should().Equal(ClientMembers);
        listed.GetProperty("client_id").GetString().Should().Be(registered.ClientId);
        listed.GetProperty("client_name").GetString().Should().Be("Listed");
        listed.GetProperty("source").GetString().Should().Be("dcr");
        listed.GetProperty("created_by").GetString().Should().Be("dcr-admin");
        listed.GetProperty("initial_access_token_id").GetString().Should().Be(TokenId(token));
        listed.GetProperty("client_id_issued_at").GetInt64().Should().Be(registration.Json.GetProperty("client_id_issued_at").GetInt64());
        listed.GetProperty("last_used_at").ValueKind.Should().Be(JsonValueKind.Null);
        listed.GetProperty("grant_types").EnumerateArray().Select(value => value.GetString()).Should().Equal("authorization_code", "refresh_token");
        listed.GetProperty("redirect_uris").EnumerateArray().Select(value => value.GetString()).Should().Equal("https://app.example.com/cb");
        listed.GetProperty("token_endpoint_auth_method").GetString().Should().Be("client_secret_basic");
        listed.GetProperty("scope").GetString().Should().Be("openid api");
        listing.Body.Should().NotContain(registered.ClientSecret!).And.NotContain(registered.RegistrationAccessToken!).And.NotContain("$dcr-sha256$");

        var one = await client.AdminAsync(HttpMethod.Get, "/clients/" + registered.ClientId, await client.AdminTokenAsync());
        one.Status.Should().Be(HttpStatusCode.OK);
        one.CacheControl.Should().Be("no-store");
        one.Json.EnumerateObject().Select(member => member.Name).Should().Equal(ClientMembers);
        one.Json.GetProperty("client_id").GetString().Should().Be(registered.ClientId);

        (await client.AdminAsync(HttpMethod.Get, "/clients/unknown-client", await client.AdminTokenAsync()))
            .ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR3002");
    }

    [Fact]
    public async Task an_update_changes_what_the_listing_says_of_the_metadata_and_keeps_who_created_it()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(Service("Before"));

        var update = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","client_name":"After","grant_types":["client_credentials"],"scope":"api openid"}""");
        update.Status.Should().Be(HttpStatusCode.OK, update.Body);

        var one = (await client.AdminAsync(HttpMethod.Get, "/clients/" + registered.ClientId, await client.AdminTokenAsync())).Json;
        one.GetProperty("client_name").GetString().Should().Be("After");
        one.GetProperty("scope").GetString().Should().Be("api openid");
        one.GetProperty("created_by").GetString().Should().Be("dcr-admin");
    }

    [Fact]
    public async Task every_filter_selects_exactly_its_clients()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var firstToken = await client.InitialAccessTokenAsync();
        var early = RegisteredClient.From((await client.PostRegistrationAsync(Service("Early Bird"), firstToken)).Json);
        var second = RegisteredClient.From((await client.PostRegistrationAsync(Service("100% Pure"), firstToken)).Json);
        host.Time.Advance(TimeSpan.FromHours(1));
        var boundary = host.Time.GetUtcNow().ToUnixTimeSeconds();
        var partnerToken = await host.CallerTokenAsync(client, "partner");
        var late = RegisteredClient.From((await client.PostRegistrationAsync(Service("Late Comer"), partnerToken)).Json);
        (await client.ClientCredentialsAsync(late.ClientId, late.ClientSecret, "api")).ShouldSucceed();
        var admin = await client.AdminTokenAsync();

        async Task<List<string>> List(string query) => (await client.AdminAsync(HttpMethod.Get, "/clients?" + query, admin)).ClientIds();

        (await List("source=dcr")).Should().BeEquivalentTo([early.ClientId, second.ClientId, late.ClientId]);
        (await List("source=cimd")).Should().BeEmpty();
        (await List("created_by=partner")).Should().Equal(late.ClientId);
        (await List("created_by=PARTNER")).Should().BeEmpty("created_by is an exact match");
        (await List("initial_access_token_id=" + Uri.EscapeDataString(TokenId(firstToken)))).Should().BeEquivalentTo([early.ClientId, second.ClientId]);
        (await List("created_after=" + boundary)).Should().Equal(late.ClientId);
        (await List("created_after=0" + boundary)).Should().Equal([late.ClientId], "leading zeros are still seconds");
        (await List("created_before=" + boundary)).Should().BeEquivalentTo([early.ClientId, second.ClientId]);
        (await List("unused_since=" + boundary)).Should().BeEquivalentTo([early.ClientId, second.ClientId], "the late client was used at the boundary");
        (await List("unused_since=" + (boundary + 1))).Should().HaveCount(3, "a second later, its last use is before the bound too");
        (await List("q=bird")).Should().Equal(early.ClientId);
        (await List("q=" + Uri.EscapeDataString("100%"))).Should().Equal([second.ClientId], "q is a plain substring, '%' no wildcard");
        (await List("q=" + Uri.EscapeDataString("%"))).Should().Equal(second.ClientId);
        (await List("q=early_bird")).Should().BeEmpty("'_' is no wildcard either (a LIKE would match 'Early Bird')");
        (await List("q=" + late.ClientId[..12].ToLowerInvariant())).Should().Contain(late.ClientId, "q searches the client id too");
        (await List("created_by=dcr-admin&q=pure")).Should().Equal(second.ClientId);
    }

    [Fact]
    public async Task pages_follow_next_cursor_in_every_order_and_end_with_null()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var clients = new List<RegisteredClient>();
        for (var i = 0; i < 5; i++)
        {
            clients.Add(await client.RegisterAsync(Service("Client " + i)));
            host.Time.Advance(TimeSpan.FromSeconds(i % 2 == 0 ? 0 : 5)); // some share a second: the client id breaks ties
        }

        var ids = clients.Select(registered => registered.ClientId).ToList();

        // Used in the order 3, 1 (one a second later than the other); the others never.
        foreach (var used in new[] { 3, 1 })
        {
            host.Time.Advance(TimeSpan.FromMinutes(1));
            (await client.ClientCredentialsAsync(clients[used].ClientId, clients[used].ClientSecret, "api")).ShouldSucceed();
        }

        var admin = await client.AdminTokenAsync();
        async Task<List<string>> All(string order)
        {
            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = await client.AdminAsync(HttpMethod.Get,
                    $"/clients?limit=2&order={order}" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)), admin);
                page.Status.Should().Be(HttpStatusCode.OK, page.Body);
                seen.AddRange(page.ClientIds());
                cursor = page.Json.GetProperty("next_cursor").GetString();
                pages++;
            }
            while (cursor is not null);

            pages.Should().Be(3);
            return seen;
        }

        var created = await All("created_asc");
        created.Should().BeEquivalentTo(ids);
        (await All("created_desc")).Should().Equal(Enumerable.Reverse(created));
        var lastUsedDescending = await All("last_used_desc");
        lastUsedDescending.Take(2).Should().Equal(ids[1], ids[3]);
        lastUsedDescending.Should().BeEquivalentTo(ids);
        var lastUsedAscending = await All("last_used_asc");
        lastUsedAscending.TakeLast(2).Should().Equal(ids[3], ids[1]);
        lastUsedAscending.Should().BeEquivalentTo(ids);

        // A cursor is tied to its order, and a made-up one is refused.
        var first = await client.AdminAsync(HttpMethod.Get, "/clients?limit=2&order=created_asc", admin);
        var next = first.Json.GetProperty("next_cursor").GetString()!;
        (await client.AdminAsync(HttpMethod.Get, "/clients?limit=2&order=created_desc&cursor=" + Uri.EscapeDataString(next), admin))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR3008");
        (await client.AdminAsync(HttpMethod.Get, "/clients?cursor=bm90LWEtY3Vyc29y", admin)).ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", "DCR3008");
    }

    [Fact]
    public async Task the_last_use_orders_put_never_used_clients_last_or_first()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var never = await client.RegisterAsync(Service("Never"));
        var older = await client.RegisterAsync(Service("Older"));
        var newer = await client.RegisterAsync(Service("Newer"));
        (await client.ClientCredentialsAsync(older.ClientId, older.ClientSecret, "api")).ShouldSucceed();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        (await client.ClientCredentialsAsync(newer.ClientId, newer.ClientSecret, "api")).ShouldSucceed();
        var admin = await client.AdminTokenAsync();

        (await client.AdminAsync(HttpMethod.Get, "/clients?order=last_used_desc", admin)).ClientIds()
            .Should().Equal(newer.ClientId, older.ClientId, never.ClientId);
        (await client.AdminAsync(HttpMethod.Get, "/clients?order=last_used_asc", admin)).ClientIds()
            .Should().Equal(never.ClientId, older.ClientId, newer.ClientId);
    }

    [Theory]
    [InlineData("unknown=1", "DCR3003")]
    [InlineData("created_by=a&created_by=b", "DCR3004")]
    [InlineData("source=other", "DCR3005")]
    [InlineData("created_after=yesterday", "DCR3005")]
    [InlineData("created_after=-1", "DCR3005")]
    [InlineData("created_before=1.5", "DCR3005")]
    [InlineData("created_before=99999999999999999999", "DCR3005")]
    [InlineData("unused_since=1e3", "DCR3005")]
    [InlineData("unused_since=", "DCR3005")]
    [InlineData("limit=0", "DCR3007")]
    [InlineData("limit=501", "DCR3007")]
    [InlineData("limit=ten", "DCR3007")]
    [InlineData("order=newest", "DCR3006")]
    [InlineData("cursor=%%%", "DCR3008")]
    public async Task an_unknown_parameter_or_a_bad_value_is_refused_with_400(string query, string id)
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();

        var response = await client.AdminAsync(HttpMethod.Get, "/clients?" + query, await client.AdminTokenAsync());

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", id);
    }

    [Fact]
    public async Task limit_defaults_to_50_and_accepts_500()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        await Task.WhenAll(Enumerable.Range(0, 51).Select(_ => client.PostRegistrationAsync(Service("Many"), token)));
        var admin = await client.AdminTokenAsync();

        var page = await client.AdminAsync(HttpMethod.Get, "/clients", admin);
        page.ClientIds().Should().HaveCount(50);
        page.Json.GetProperty("next_cursor").GetString().Should().NotBeNullOrEmpty();
        (await client.AdminAsync(HttpMethod.Get, "/clients?limit=500", admin)).ClientIds().Should().HaveCount(51);
    }

    [Fact]
    public async Task delete_answers_204_then_404_and_the_client_and_its_tokens_stop_working()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(Service("Doomed"));
        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        token.ShouldSucceed();
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK);
        var admin = await client.AdminTokenAsync();

        var deleted = await client.AdminAsync(HttpMethod.Delete, "/clients/" + registered.ClientId, admin);

        deleted.Status.Should().Be(HttpStatusCode.NoContent);
        deleted.CacheControl.Should().Be("no-store");
        (await client.AdminAsync(HttpMethod.Delete, "/clients/" + registered.ClientId, admin)).ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR3002");
        (await client.AdminAsync(HttpMethod.Get, "/clients/" + registered.ClientId, admin)).ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR3002");
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.Unauthorized);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
        (await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken))
            .ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2603");
        (await host.HasApplicationAsync(registered.ClientId)).Should().BeFalse();
        (await host.CatalogRowAsync(registered.ClientId)).Should().BeNull();

        // The host's own clients are not this product's to delete.
        (await client.AdminAsync(HttpMethod.Delete, "/clients/dcr-admin", admin)).ShouldBeError(HttpStatusCode.NotFound, "invalid_request", "DCR3002");
        (await host.HasApplicationAsync("dcr-admin")).Should().BeTrue();
    }

    [Fact]
    public async Task a_bulk_delete_by_initial_access_token_revokes_everything_that_token_created_and_nothing_else()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var leaked = await client.InitialAccessTokenAsync();
        var victims = new List<RegisteredClient>();
        for (var i = 0; i < 3; i++)
        {
            victims.Add(RegisteredClient.From((await client.PostRegistrationAsync(Service("Leaked " + i), leaked)).Json));
        }

        var bystander = await client.RegisterAsync(Service("Bystander"));
        var tokens = new List<string>();
        foreach (var victim in victims.Append(bystander))
        {
            var issued = await client.ClientCredentialsAsync(victim.ClientId, victim.ClientSecret, "api");
            issued.ShouldSucceed();
            tokens.Add(issued.AccessToken!);
        }

        var admin = await client.AdminTokenAsync();
        var filter = "{\"initial_access_token_id\":\"" + TokenId(leaked) + "\"";

        var dryRun = await client.AdminAsync(HttpMethod.Post, "/clients/delete", admin, filter + ""","dry_run":true}""");
        dryRun.Status.Should().Be(HttpStatusCode.OK, dryRun.Body);
        dryRun.CacheControl.Should().Be("no-store");
        dryRun.Json.EnumerateObject().Select(member => $"{member.Name}={member.Value.GetInt32()}").Should().Equal("matched=3", "deleted=0");
        (await host.CatalogCountAsync()).Should().Be(4);

        var deleted = await client.AdminAsync(HttpMethod.Post, "/clients/delete", admin, filter + "}");

        deleted.Status.Should().Be(HttpStatusCode.OK, deleted.Body);
        deleted.Json.EnumerateObject().Select(member => $"{member.Name}={member.Value.GetInt32()}").Should().Equal("matched=3", "deleted=3");
        for (var i = 0; i < victims.Count; i++)
        {
            (await client.CallApiAsync(tokens[i])).Should().Be(HttpStatusCode.Unauthorized);
            (await client.ClientCredentialsAsync(victims[i].ClientId, victims[i].ClientSecret, "api")).ProtocolError().Should().Be("invalid_client");
            (await host.HasApplicationAsync(victims[i].ClientId)).Should().BeFalse();
        }

        (await client.CallApiAsync(tokens[^1])).Should().Be(HttpStatusCode.OK);
        (await client.AdminAsync(HttpMethod.Get, "/clients", admin)).ClientIds().Should().Equal(bystander.ClientId);
    }

    [Theory]
    [InlineData("{}", "DCR3011")]
    [InlineData("""{"dry_run":true}""", "DCR3011")]
    [InlineData("""{"unknown":"x"}""", "DCR3003")]
    [InlineData("""{"limit":5}""", "DCR3003")]
    [InlineData("""{"created_by":5}""", "DCR3005")]
    [InlineData("""{"created_after":"1700000000"}""", "DCR3005")]
    [InlineData("""{"created_after":1.5}""", "DCR3005")]
    [InlineData("""{"source":"all"}""", "DCR3005")]
    [InlineData("""{"created_by":""}""", "DCR3005")]
    [InlineData("""{"created_by":"a","created_by":"b"}""", "DCR3004")]
    [InlineData("""{"created_by":"a","dry_run":"yes"}""", "DCR3010")]
    [InlineData("""["created_by"]""", "DCR3009")]
    [InlineData("not json", "DCR3009")]
    public async Task a_bulk_delete_without_a_filter_or_with_an_unknown_member_or_a_bad_value_is_refused_with_400_and_deletes_nothing(string body, string id)
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        await client.RegisterAsync(Service("Safe"));

        var response = await client.AdminAsync(HttpMethod.Post, "/clients/delete", await client.AdminTokenAsync(), body);

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_request", id);
        (await host.CatalogCountAsync()).Should().Be(1);
    }

    [Fact]
    public async Task a_registered_client_can_never_obtain_the_admin_scope()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:RequireInitialAccessToken"] = "false" });
        using var client = host.CreateDcrClient();

        (await client.PostRegistrationAsync("""{"grant_types":["client_credentials"],"scope":"api dcr:admin"}""", await client.InitialAccessTokenAsync()))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2224");
        (await client.PostRegistrationAsync("""{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","scope":"dcr:admin"}""", bearer: null))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2224");

        var registered = await client.RegisterAsync(Service("Ambitious"));
        // OpenIddict refuses a scope the client has no permission for (invalid_request, ID2051) before the host sees it.
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "dcr:admin")).ProtocolError()
            .Should().BeOneOf("invalid_scope", "invalid_request");
    }
}
