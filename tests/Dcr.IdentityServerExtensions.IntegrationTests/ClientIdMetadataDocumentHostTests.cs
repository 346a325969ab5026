using System.Diagnostics.Metrics;
using System.Net;
using Dcr.IdentityServerExtensions.Diagnostics;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Duende.IdentityModel;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// Issue #16 under settings other than the shared fixture's: documents off, the special-use allowance off, an allow-list
/// of hosts, and two instances over one database.
/// </summary>
public sealed class ClientIdMetadataDocumentHostTests : IAsyncLifetime
{
    private KeySetServer _documents = null!;

    public async Task InitializeAsync() => _documents = await KeySetServer.StartAsync();

    public async Task DisposeAsync() => await _documents.DisposeAsync();

    private string Publish(string path)
    {
        var clientId = _documents.Url(path).AbsoluteUri;
        _documents.Serve(path, ClientIdMetadataDocumentTests.Document(clientId));
        return clientId;
    }

    private static async Task<WireResponse> AuthorizeAsync(DcrTestClient client, string clientId) =>
        await WireResponse.ReadAsync(await client.AuthorizeAsync(clientId, "http://127.0.0.1:41234/callback", "openid",
            Pkce.Challenge(CryptoRandom.CreateUniqueId(32)), "S256"));

    [Fact]
    public async Task with_the_special_use_allowance_off_a_document_on_loopback_is_refused_and_no_request_reaches_it()
    {
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings.Remove("DynamicClientRegistration:Network:AllowSpecialUseAddresses");
        using var host = new SampleHost(settings, _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var clientId = Publish("special/metadata.json");

        var page = await AuthorizeAsync(client, clientId);

        page.ShouldBeErrorPage("invalid_request", "DCR2811");
        page.Body.Should().Contain("special-use address");
        _documents.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task a_host_outside_the_allowed_hosts_is_refused_without_a_fetch()
    {
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings["DynamicClientRegistration:ClientIdMetadataDocuments:AllowedHosts:0"] = "*.example.com";
        using var host = new SampleHost(settings, _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var clientId = Publish("allowed/metadata.json");

        var page = await AuthorizeAsync(client, clientId);

        page.ShouldBeErrorPage("invalid_request", "DCR2810");
        _documents.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task with_documents_off_a_url_client_id_is_an_unknown_client_and_nothing_is_fetched()
    {
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings["DynamicClientRegistration:ClientIdMetadataDocuments:Enabled"] = "false";
        using var host = new SampleHost(settings, _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var clientId = Publish("off/metadata.json");

        var page = await AuthorizeAsync(client, clientId);
        var discovery = await WireResponse.ReadAsync(await client.Http.GetAsync("/.well-known/openid-configuration"));

        // OpenIddict's own answer for an unknown client.
        page.ShouldBeErrorPage("invalid_request", null);
        _documents.Requests.Should().BeEmpty();
        discovery.Json.TryGetProperty("client_id_metadata_document_supported", out _).Should().BeFalse();
    }

    [Fact]
    public async Task fetches_cache_hits_and_refusals_are_logged_with_stable_ids_and_counted_by_reason_without_the_document()
    {
        var logs = new FakeLogCollector();
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings["Logging:LogLevel:Default"] = "Trace";
        using var host = new SampleHost(settings, services =>
        {
            _documents.TrustIn(services);
            services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs)));
        });
        using var client = host.CreateDcrClient();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var fetches = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.cimd.fetches");
        using var hits = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.cimd.cache_hits");
        using var refusals = new MetricCollector<long>(meterFactory, DynamicClientRegistrationMetrics.MeterName, "dcr.cimd.refusals");
        const string marker = "a-value-only-the-document-holds";
        var good = _documents.Url("observed/good.json").AbsoluteUri;
        _documents.Serve("observed/good.json", ClientIdMetadataDocumentTests.Document(good, extra: $"\"client_name_note\":\"{marker}\""));
        var mismatched = _documents.Url("observed/mismatch.json").AbsoluteUri;
        _documents.Serve("observed/mismatch.json", ClientIdMetadataDocumentTests.Document(good, extra: $"\"note\":\"{marker}\""));

        var tokens = await client.AuthorizationCodeAsync(good, null, "http://127.0.0.1:41234/callback", "openid offline_access", ClientIdMetadataDocumentTests.McpServer);
        tokens.ShouldSucceed();
        (await AuthorizeAsync(client, mismatched)).ShouldBeErrorPage("invalid_request", "DCR2818");
        (await AuthorizeAsync(client, "https://client.example.com/#fragment")).ShouldBeErrorPage("invalid_request", "DCR2802");

        fetches.GetMeasurementSnapshot().Select(m => m.Tags["outcome"]).Should().BeEquivalentTo(["valid", "client_id_mismatch"]);
        hits.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(1, "the token request found the client stored and fresh");
        refusals.GetMeasurementSnapshot().Select(m => m.Tags["reason"]).Should().BeEquivalentTo(["client_id_mismatch", "invalid_url"]);
        var events = logs.GetSnapshot().Where(entry => entry.Category?.StartsWith("Dcr.", StringComparison.Ordinal) == true).Select(entry => entry.Id.Id).ToList();
        events.Should().Contain([1206, 1207, 1208]);
        logs.GetSnapshot().Should().Contain(entry => entry.Id.Id == 1208 && entry.Message.Contains("client_id_mismatch", StringComparison.Ordinal));
        logs.AllText().Should().NotContain(marker, "no document body is logged");
        logs.AllText().Should().NotContain(tokens.AccessToken!);
        logs.AllText().Should().NotContain(tokens.RefreshToken!);
    }

    [Fact]
    public async Task a_private_key_jwt_document_makes_a_confidential_client_that_must_authenticate_with_its_keys_and_new_keys_apply_on_refetch()
    {
        // Anonymous limits apply to documents too: widened here to key-authenticated client_credentials clients.
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:0"] = "none";
        settings["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:1"] = "private_key_jwt";
        settings["DynamicClientRegistration:Anonymous:AllowedGrantTypes:0"] = "client_credentials";
        using var host = new SampleHost(settings, _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var oldKey = SoftwareStatementTests.NewKey("old");
        var clientId = _documents.Url("keys/metadata.json").AbsoluteUri;
        string KeyDocument(Microsoft.IdentityModel.Tokens.ECDsaSecurityKey key) => $$"""
            {"client_id":"{{clientId}}","grant_types":["client_credentials"],"scope":"api",
             "token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256",
             "jwks":{{SoftwareStatementTests.PublicJwks(key)}}}
            """;
        _documents.Serve("keys/metadata.json", KeyDocument(oldKey));

        (await client.TokenAsync(clientId, ClientAssertions.Create(oldKey, clientId, host.Time.GetUtcNow()))).ShouldSucceed();
        // A confidential client cannot get a token without authenticating: OpenIddict's own refusal.
        (await client.ClientCredentialsAsync(clientId, null, "api", Duende.IdentityModel.Client.ClientCredentialStyle.PostBody))
            .ShouldBeProtocolError("invalid_request", null);
        (await client.TokenAsync(clientId, ClientAssertions.Create(SoftwareStatementTests.NewKey("old"), clientId, host.Time.GetUtcNow())))
            .ShouldBeInvalidClient(null);

        var newKey = SoftwareStatementTests.NewKey("new");
        _documents.Serve("keys/metadata.json", KeyDocument(newKey));
        host.Time.Advance(TimeSpan.FromMinutes(5));

        (await client.TokenAsync(clientId, ClientAssertions.Create(newKey, clientId, host.Time.GetUtcNow()))).ShouldSucceed();
        (await client.TokenAsync(clientId, ClientAssertions.Create(oldKey, clientId, host.Time.GetUtcNow()))).ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task a_private_key_jwt_document_may_name_its_keys_by_jwks_uri()
    {
        var settings = ClientIdMetadataDocumentTests.Settings();
        settings["DynamicClientRegistration:Anonymous:AllowedTokenEndpointAuthMethods:0"] = "private_key_jwt";
        settings["DynamicClientRegistration:Anonymous:AllowedGrantTypes:0"] = "client_credentials";
        using var host = new SampleHost(settings, _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var key = SoftwareStatementTests.NewKey("remote");
        var clientId = _documents.Url("keys-at-uri/metadata.json").AbsoluteUri;
        _documents.Serve("keys-at-uri/jwks.json", SoftwareStatementTests.PublicJwks(key));
        _documents.Serve("keys-at-uri/metadata.json", $$"""
            {"client_id":"{{clientId}}","grant_types":["client_credentials"],"scope":"api",
             "token_endpoint_auth_method":"private_key_jwt","jwks_uri":"{{_documents.Url("keys-at-uri/jwks.json").AbsoluteUri}}"}
            """);

        (await client.TokenAsync(clientId, ClientAssertions.Create(key, clientId, host.Time.GetUtcNow()))).ShouldSucceed();
        (await client.TokenAsync(clientId, ClientAssertions.Create(SoftwareStatementTests.NewKey("remote"), clientId, host.Time.GetUtcNow())))
            .ShouldBeInvalidClient(null);
    }

    [Fact]
    public async Task a_document_client_the_store_cannot_take_is_refused_as_retry_later_and_nothing_is_remembered()
    {
        var failing = new FailingCommand("INSERT INTO \"OpenIddictApplications\"", DatabaseFault.DropTheConnection);
        using var host = new SampleHost(ClientIdMetadataDocumentTests.Settings(), services =>
        {
            _documents.TrustIn(services);
            services.AddSingleton<IInterceptor>(failing);
        });
        using var client = host.CreateDcrClient();
        var clientId = Publish("unstored/metadata.json");

        failing.Arm();
        (await AuthorizeAsync(client, clientId)).ShouldBeErrorPage("invalid_request", "DCR2819");
        failing.Failures.Should().Be(1);

        (await client.AuthorizationCodeAsync(clientId, null, "http://127.0.0.1:41234/callback", "openid", ClientIdMetadataDocumentTests.McpServer))
            .ShouldSucceed();
    }

    [Fact]
    public async Task with_default_anonymous_limits_a_private_key_jwt_document_is_refused_naming_the_method()
    {
        using var host = new SampleHost(ClientIdMetadataDocumentTests.Settings(), _documents.TrustIn);
        using var client = host.CreateDcrClient();
        var key = SoftwareStatementTests.NewKey("k");
        var clientId = _documents.Url("limits/metadata.json").AbsoluteUri;
        _documents.Serve("limits/metadata.json", $$"""
            {"client_id":"{{clientId}}","redirect_uris":["https://client.example.com/callback"],
             "token_endpoint_auth_method":"private_key_jwt","jwks":{{SoftwareStatementTests.PublicJwks(key)}}}
            """);

        var page = await WireResponse.ReadAsync(await client.AuthorizeAsync(clientId, "https://client.example.com/callback", "openid",
            Pkce.Challenge(CryptoRandom.CreateUniqueId(32)), "S256"));

        page.ShouldBeErrorPage("invalid_request", "DCR2823");
        page.Body.Should().Contain("forbidden authentication method").And.Contain("private_key_jwt");
    }

    [Fact]
    public async Task an_application_the_host_created_with_a_url_client_id_is_left_to_openiddict_and_nothing_is_fetched()
    {
        using var host = new SampleHost(ClientIdMetadataDocumentTests.Settings(), _documents.TrustIn);
        using var client = host.CreateDcrClient();
        // Not even a valid document URL: a host's own naming, which the documents feature must not reinterpret.
        const string clientId = "http://hosts-own.example/app";
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = "hosts-own-secret",
                ClientType = "confidential",
                Permissions = { "ept:token", "gt:client_credentials", "scp:api" },
            });
        }

        (await client.ClientCredentialsAsync(clientId, "hosts-own-secret", "api")).ShouldSucceed();
        _documents.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task a_document_client_works_on_every_instance_sharing_the_database_and_its_freshness_is_shared()
    {
        // The temporary folder is left to the OS, as SharedDatabaseTests' would be when SQLite keeps the file open.
        var directory = Path.Combine(Path.GetTempPath(), "dcr-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var database = TestDatabase.Create(directory);
        using var a = new SampleHost(ClientIdMetadataDocumentTests.Settings(), _documents.TrustIn, database);
        var shared = ClientIdMetadataDocumentTests.Settings();
        shared["Sample:KeysPath"] = a.KeysPath;
        using var b = new SampleHost(shared, _documents.TrustIn, database);
        using var onA = a.CreateDcrClient();
        using var onB = b.CreateDcrClient();
        const string path = "shared/metadata.json";
        var clientId = Publish(path);
        const string redirectUri = "http://127.0.0.1:41234/callback";

        // First uses on both instances at once: one of them stores the client, the other reads it.
        var first = await Task.WhenAll(
            onA.AuthorizationCodeAsync(clientId, null, redirectUri, "openid offline_access", ClientIdMetadataDocumentTests.McpServer),
            onB.AuthorizationCodeAsync(clientId, null, redirectUri, "openid offline_access", ClientIdMetadataDocumentTests.McpServer));
        first[0].ShouldSucceed();
        first[1].ShouldSucceed();
        var fetches = _documents.RequestsOf(path);

        // The refresh token from A is redeemed on B, from the stored client, within its freshness: no fetch.
        (await onB.RefreshAsync(clientId, null, first[0].RefreshToken!, ClientIdMetadataDocumentTests.McpServer)).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(fetches);

        // Expired on both clocks: B fetches again and stores the new freshness, which A then uses without a fetch.
        a.Time.Advance(TimeSpan.FromMinutes(5));
        b.Time.Advance(TimeSpan.FromMinutes(5));
        (await onB.AuthorizationCodeAsync(clientId, null, redirectUri, "openid")).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(fetches + 1);
        (await onA.AuthorizationCodeAsync(clientId, null, redirectUri, "openid")).ShouldSucceed();
        _documents.RequestsOf(path).Should().Be(fetches + 1);
    }
}
