using System.Net;
using System.Security.Claims;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The registration quotas (<c>Policies:MaxClientsPerCaller</c>, <c>:MaxClientsPerInitialAccessToken</c>,
/// <c>:MaxAnonymousClients</c>): counted from the catalog's real columns, never from text the client controls, and taken
/// atomically with the registration, so that concurrent registrations on two instances over one database create exactly
/// the limit. A refusal is 400 <c>invalid_client_metadata</c>, as every policy refusal of a registration is.
/// </summary>
/// <remarks>
/// Alone: on SQLite, twelve registrations from two instances over one file meet SQLite's busy handler, which sleeps on
/// pool threads; run beside the other classes it would slow their requests (and they its).
/// </remarks>
[Collection(RunsAlone.Name)]
public sealed class QuotaTests : IDisposable
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
    private readonly TestDatabase _database;

    public QuotaTests()
    {
        Directory.CreateDirectory(_directory);
        _database = TestDatabase.Create(_directory);
    }

    public void Dispose()
    {
        _database.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Dictionary<string, string?> Limit(string key, int limit, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? []) { ["DynamicClientRegistration:Policies:" + key] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return settings;
    }

    private static Dictionary<string, string?> Second(SampleHost first, Dictionary<string, string?> settings) =>
        new(settings) { ["Sample:KeysPath"] = first.KeysPath };

    [Fact]
    public async Task twelve_concurrent_registrations_of_one_caller_on_two_instances_at_a_limit_of_three_create_exactly_three()
    {
        var settings = Limit("MaxClientsPerCaller", 3);
        using var a = new SampleHost(settings, database: _database);
        using var b = new SampleHost(Second(a, settings), database: _database);
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        var tokens = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? onA : onB).InitialAccessTokenAsync()));

        var responses = await Task.WhenAll(tokens.Select((token, i) => (i % 2 == 0 ? onA : onB).PostRegistrationAsync(ServiceClient, token)));

        responses.Count(response => response.Status == HttpStatusCode.Created).Should().Be(3, string.Join("\n", responses.Select(r => r.Body)));
        foreach (var refused in responses.Where(response => response.Status != HttpStatusCode.Created))
        {
            refused.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");
        }

        (await a.CatalogCountAsync()).Should().Be(3);
        var admin = await onA.AdminTokenAsync();
        (await onA.AdminAsync(HttpMethod.Get, "/clients?created_by=dcr-admin", admin)).ClientIds().Should().HaveCount(3);
    }

    [Fact]
    public async Task twelve_concurrent_registrations_with_one_initial_access_token_on_two_instances_at_a_limit_of_three_create_exactly_three()
    {
        var settings = Limit("MaxClientsPerInitialAccessToken", 3);
        using var a = new SampleHost(settings, database: _database);
        using var b = new SampleHost(Second(a, settings), database: _database);
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        var token = await onA.InitialAccessTokenAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? onA : onB).PostRegistrationAsync(ServiceClient, token)));

        responses.Count(response => response.Status == HttpStatusCode.Created).Should().Be(3, string.Join("\n", responses.Select(r => r.Body)));
        (await a.CatalogCountAsync()).Should().Be(3);
    }

    [Fact]
    public async Task twelve_concurrent_anonymous_registrations_on_two_instances_at_a_limit_of_three_create_exactly_three()
    {
        var settings = Limit("MaxAnonymousClients", 3, new() { ["DynamicClientRegistration:RequireInitialAccessToken"] = "false" });
        using var a = new SampleHost(settings, database: _database);
        using var b = new SampleHost(Second(a, settings), database: _database);
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? onA : onB).PostRegistrationAsync(
            """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""", bearer: null)));

        responses.Count(response => response.Status == HttpStatusCode.Created).Should().Be(3, string.Join("\n", responses.Select(r => r.Body)));
        (await a.CatalogCountAsync()).Should().Be(3);
    }

    [Fact]
    public async Task an_initial_access_token_performs_at_most_its_registrations_and_deleting_a_client_gives_none_back()
    {
        using var host = new SampleHost(Limit("MaxClientsPerInitialAccessToken", 2), database: _database);
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var first = RegisteredClient.From((await client.PostRegistrationAsync(ServiceClient, token)).Json);
        (await client.PostRegistrationAsync(ServiceClient, token)).Status.Should().Be(HttpStatusCode.Created);

        var third = await client.PostRegistrationAsync(ServiceClient, token);
        third.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2505");
        third.Json.GetProperty("error_description").GetString().Should().Contain("initial access token");

        (await client.ManageAsync(HttpMethod.Delete, first.RegistrationClientUri!, first.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.NoContent);
        (await client.PostRegistrationAsync(ServiceClient, token)).ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2505");

        // Another token of the same caller has registrations of its own.
        (await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync())).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task anonymous_clients_are_limited_together_and_deleting_one_frees_a_place()
    {
        using var host = new SampleHost(Limit("MaxAnonymousClients", 2, new() { ["DynamicClientRegistration:RequireInitialAccessToken"] = "false" }),
            database: _database);
        using var client = host.CreateDcrClient();
        const string Anonymous = """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""";
        var first = RegisteredClient.From((await client.PostRegistrationAsync(Anonymous, bearer: null)).Json);
        (await client.PostRegistrationAsync(Anonymous, bearer: null)).Status.Should().Be(HttpStatusCode.Created);

        (await client.PostRegistrationAsync(Anonymous, bearer: null)).ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2506");

        // Callers with an initial access token are not anonymous and not counted.
        (await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync())).Status.Should().Be(HttpStatusCode.Created);

        (await client.ManageAsync(HttpMethod.Delete, first.RegistrationClientUri!, first.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.NoContent);
        (await client.PostRegistrationAsync(Anonymous, bearer: null)).Status.Should().Be(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("partner+eu")]
    [InlineData("a&b=c")]
    [InlineData("o'brien")]
    [InlineData("<script>")]
    [InlineData("partenaire-é-ü-日本")]
    [InlineData("quote\"and\\backslash")]
    public async Task a_caller_id_with_special_or_non_ascii_characters_is_counted_exactly(string callerId)
    {
        using var host = new SampleHost(Limit("MaxClientsPerCaller", 1), database: _database);
        using var client = host.CreateDcrClient();
        var token = await host.CallerTokenAsync(client, callerId);

        (await client.PostRegistrationAsync(ServiceClient, token)).Status.Should().Be(HttpStatusCode.Created);
        (await client.PostRegistrationAsync(ServiceClient, await host.CallerTokenAsync(client, callerId)))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");

        var admin = await client.AdminTokenAsync();
        var listed = await client.AdminAsync(HttpMethod.Get, "/clients?created_by=" + Uri.EscapeDataString(callerId), admin);
        listed.Json.GetProperty("clients").EnumerateArray().Single().GetProperty("created_by").GetString().Should().Be(callerId);
    }

    /// <summary>
    /// A host's own validator that names one token's caller and the token itself longer than the catalog's columns hold;
    /// every other token (the admin API's) is OpenIddict's.
    /// </summary>
    private sealed class LongNamesValidator : IInitialAccessTokenValidator
    {
        public const string Bearer = "long-names-token";
        public static readonly string CallerId = "caller-" + new string('c', 993);
        public static readonly string TokenId = "token-" + new string('t', 494);

        private readonly OpenIddictInitialAccessTokenValidator _host = new();

        public Task<InitialAccessTokenResult> ValidateAsync(HttpContext context, string requiredScope) =>
            context.Request.Headers.Authorization.ToString() == "Bearer " + Bearer
                ? Task.FromResult(new InitialAccessTokenResult(InitialAccessTokenStatus.Valid,
                    new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", CallerId)], "test")), CallerId) { TokenId = TokenId })
                : _host.ValidateAsync(context, requiredScope);
    }

    [Fact]
    public async Task a_custom_validators_caller_and_token_ids_longer_than_their_columns_are_kept_hashed_and_still_counted_as_one()
    {
        var settings = Limit("MaxClientsPerCaller", 2, Limit("MaxClientsPerInitialAccessToken", 5));
        using var host = new SampleHost(settings, services => services.AddSingleton<IInitialAccessTokenValidator, LongNamesValidator>(),
            database: _database);
        using var client = host.CreateDcrClient();

        var first = await client.PostRegistrationAsync(ServiceClient, LongNamesValidator.Bearer);
        var second = await client.PostRegistrationAsync(ServiceClient, LongNamesValidator.Bearer);
        var third = await client.PostRegistrationAsync(ServiceClient, LongNamesValidator.Bearer);

        first.Status.Should().Be(HttpStatusCode.Created, first.Body);
        second.Status.Should().Be(HttpStatusCode.Created, second.Body);
        third.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");
        var registered = RegisteredClient.From(first.Json);
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
        var row = await host.CatalogRowAsync(registered.ClientId);
        row!.CreatedBy.Should().Be(RegistrationCaller.BoundCallerId(LongNamesValidator.CallerId))
            .And.StartWith("sha256:").And.HaveLength(7 + 43);
        row.InitialAccessTokenId.Should().Be(InitialAccessTokenResult.HashToken(LongNamesValidator.TokenId));
        var admin = await client.AdminTokenAsync();
        (await client.AdminAsync(HttpMethod.Get, "/clients?created_by=" + Uri.EscapeDataString(row.CreatedBy!), admin)).ClientIds()
            .Should().BeEquivalentTo([registered.ClientId, RegisteredClient.From(second.Json).ClientId]);
    }

    [Fact]
    public async Task created_by_planted_in_jwks_or_in_object_valued_extended_metadata_counts_against_nobody()
    {
        var settings = Limit("MaxClientsPerCaller", 1, new()
        {
            ["DynamicClientRegistration:ExtendedMetadata:tenant:Type"] = "Object",
        });
        using var host = new SampleHost(settings, database: _database);
        using var client = host.CreateDcrClient();
        var attacker = await host.CallerTokenAsync(client, "attacker");
        var jwks = SoftwareStatementTests.PublicJwks(SoftwareStatementTests.NewKey("k1"))
            .Replace("{\"kty\"", "{\"created_by\":\"victim\",\"kty\"", StringComparison.Ordinal);

        var planted = await client.PostRegistrationAsync(
            $$$"""{"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256","jwks":{{{jwks}}},"tenant":{"created_by":"victim","anonymous":false}}""",
            attacker);
        planted.Status.Should().Be(HttpStatusCode.Created, planted.Body);
        planted.Body.Should().Contain("\"created_by\":\"victim\"", "the planted text is stored with the client, where the old LIKE found it");

        (await client.PostRegistrationAsync(ServiceClient, await host.CallerTokenAsync(client, "victim"))).Status
            .Should().Be(HttpStatusCode.Created, "the victim's first registration is its first");
        (await client.PostRegistrationAsync(ServiceClient, await host.CallerTokenAsync(client, "victim")))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");
    }
}
