using System.Security.Claims;
using Dcr.IdentityServerExtensions.Options;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Secrets;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;
using Dcr.IdentityServerExtensions.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dcr.IdentityServerExtensions.Tests.Services;

public sealed class ClientRegistrationServiceTests : IDisposable
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(750);
    private static readonly Uri Endpoint = new("https://as.example.com/connect/register");

    // A caller with an initial access token: the anonymous limits (public code-flow clients only) have tests of their own.
    private static readonly RegistrationCaller Registrar = new(new ClaimsPrincipal(new ClaimsIdentity("test")), "registrar");

    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemoryClientRegistrationStore _store = new();
    private readonly InMemoryClientCatalog _catalog = new();
    private readonly List<Action<DynamicClientRegistrationOptions>> _configure = [];
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private void Configure(Action<DynamicClientRegistrationOptions> configure) => _configure.Add(configure);

    // The service is resolved the way a host gets it, so these tests follow its dependencies as they change; each call
    // builds it with the options configured so far over the same store and clock.
    private ClientRegistrationService Service()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddScoped<IClientRegistrationStore>(_ => _store);
        services.AddScoped<IClientCatalog>(_ => _catalog);
        services.AddDynamicClientRegistration(options =>
        {
            options.AllowedScopes.Add("openid");
            options.AllowedScopes.Add("api");
            foreach (var configure in _configure)
            {
                configure(options);
            }
        });

        var provider = services.BuildServiceProvider();
        _disposables.Add(provider);
        var scope = provider.CreateScope();
        _disposables.Add(scope);
        return scope.ServiceProvider.GetRequiredService<ClientRegistrationService>();
    }

    private static ClientMetadata WebClient() => new() { RedirectUris = ["https://client.example.com/cb"], ClientName = "Example", Scope = "openid" };

    private static ClientMetadata PublicClient() => WebClient() with { TokenEndpointAuthMethod = "none" };

    private void EnableManagement(bool rotateSecret = true, bool rotateToken = true, TimeSpan? retention = null)
    {
        Configure(options =>
        {
            options.Management.Enabled = true;
            options.Management.RotateClientSecret = rotateSecret;
            options.Management.RotateRegistrationAccessToken = rotateToken;
            if (retention is { } period)
            {
                options.Management.RetainClientSecret = true;
                options.Management.ClientSecretRetentionPeriod = period;
            }
        });
    }

    private async Task<ClientInformationResponse> RegisterAsync(ClientMetadata metadata, RegistrationCaller? caller = null) =>
        (await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = metadata }, caller ?? Registrar, Endpoint, default))
            .ShouldSucceed();

    private static ClientRegistrationRequest UpdateRequest(string clientId, ClientMetadata metadata, string? clientSecret = null) =>
        new() { ClientId = clientId, ClientSecret = clientSecret, Metadata = metadata };

    // ---- registration -------------------------------------------------------------------------------------------

    [Fact]
    public async Task registering_a_confidential_client_issues_a_secret_that_only_the_stored_hash_knows()
    {
        var response = await RegisterAsync(WebClient());

        response.ClientSecret.Should().NotBeNullOrEmpty().And.HaveLength(43);
        var stored = _store[response.Client.ClientId]!;
        stored.ClientSecretHash.Should().StartWith("$dcr-sha256$").And.NotContain(response.ClientSecret!);
        RegistrationSecrets.Verify(response.ClientSecret, stored.ClientSecretHash).Should().BeTrue();
    }

    [Fact]
    public async Task registering_a_public_client_issues_no_secret()
    {
        var response = await RegisterAsync(PublicClient());

        response.ClientSecret.Should().BeNull();
        _store[response.Client.ClientId]!.ClientSecretHash.Should().BeNull();
        response.Client.ClientSecretExpiresAt.Should().BeNull();
    }

    [Fact]
    public async Task a_public_client_is_registered_with_pkce_required()
    {
        var response = await RegisterAsync(PublicClient());

        _store[response.Client.ClientId]!.RequirePkce.Should().BeTrue();
    }

    [Fact]
    public async Task a_public_client_with_an_http_loopback_redirect_requires_pkce_even_when_the_policy_is_off()
    {
        Configure(options => options.Policies.RequirePkceForPublicClients = false);

        var loopback = await RegisterAsync(PublicClient() with { RedirectUris = ["http://127.0.0.1/cb"] });
        var https = await RegisterAsync(PublicClient());

        _store[loopback.Client.ClientId]!.RequirePkce.Should().BeTrue();
        _store[https.Client.ClientId]!.RequirePkce.Should().BeFalse();
    }

    [Fact]
    public async Task an_anonymous_caller_gets_a_public_code_client_and_nothing_more()
    {
        var anonymous = RegistrationCaller.Anonymous;
        Configure(options => options.AllowedScopes.Add("dcr"));

        var registered = await RegisterAsync(PublicClient() with { GrantTypes = ["authorization_code", "refresh_token"] }, anonymous);
        _store[registered.Client.ClientId]!.RegisteredAnonymously.Should().BeTrue();

        var askedForSecret = (await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = WebClient() }, anonymous, Endpoint, default)).ShouldSucceed();
        askedForSecret.ClientSecret.Should().BeNull("an anonymous code client is registered public");
        askedForSecret.Client.Metadata.TokenEndpointAuthMethod.Should().Be("none");
        (await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = new ClientMetadata { GrantTypes = ["client_credentials"], Scope = "api" } }, anonymous, Endpoint, default))
            .ShouldFailWith("invalid_client_metadata", "DCR2500").Description.Should().Contain("client_credentials");
        (await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = PublicClient() with { Scope = "dcr" } }, anonymous, Endpoint, default))
            .ShouldFailWith("invalid_client_metadata", "DCR2502").Description.Should().Contain("scope 'dcr'");

        // The same requests with an initial access token.
        _store[(await RegisterAsync(WebClient())).Client.ClientId]!.RegisteredAnonymously.Should().BeFalse();
        await RegisterAsync(PublicClient() with { Scope = "dcr" });
    }

    [Fact]
    public async Task a_confidential_client_is_registered_without_pkce_required_by_default()
    {
        var response = await RegisterAsync(WebClient());

        _store[response.Client.ClientId]!.RequirePkce.Should().BeFalse();
    }

    [Fact]
    public async Task a_registered_client_gets_a_new_random_client_id()
    {
        var first = await RegisterAsync(WebClient());
        var second = await RegisterAsync(WebClient());

        first.Client.ClientId.Should().HaveLength(22).And.NotBe(second.Client.ClientId);
    }

    [Fact]
    public async Task the_stored_metadata_is_the_validated_metadata_with_defaults_filled_in()
    {
        var response = await RegisterAsync(WebClient());

        var metadata = _store[response.Client.ClientId]!.Metadata;
        metadata.TokenEndpointAuthMethod.Should().Be("client_secret_basic");
        metadata.GrantTypes.Should().Equal("authorization_code");
        metadata.ResponseTypes.Should().Equal("code");
        metadata.ApplicationType.Should().Be("web");
        response.Client.Metadata.Should().BeSameAs(metadata);
    }

    [Fact]
    public async Task client_id_issued_at_is_the_current_time_truncated_to_whole_seconds()
    {
        var response = await RegisterAsync(WebClient());

        response.Client.ClientIdIssuedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(Start.ToUnixTimeSeconds()));
    }

    [Fact]
    public async Task a_secret_does_not_expire_when_no_lifetime_is_configured()
    {
        var response = await RegisterAsync(WebClient());

        response.Client.ClientSecretExpiresAt.Should().BeNull();
    }

    [Fact]
    public async Task a_secret_expires_after_the_configured_lifetime_in_whole_seconds()
    {
        Configure(options => options.ClientSecretLifetime = TimeSpan.FromDays(90));

        var response = await RegisterAsync(WebClient());

        response.Client.ClientSecretExpiresAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds((Start + TimeSpan.FromDays(90)).ToUnixTimeSeconds()));
    }

    [Fact]
    public async Task without_management_no_registration_access_token_or_client_uri_is_issued()
    {
        var response = await RegisterAsync(WebClient());

        response.RegistrationAccessToken.Should().BeNull();
        response.RegistrationClientUri.Should().BeNull();
        _store[response.Client.ClientId]!.RegistrationAccessTokenHash.Should().BeNull();
    }

    [Fact]
    public async Task with_management_a_registration_access_token_and_a_client_uri_under_the_endpoint_are_issued()
    {
        EnableManagement();

        var response = await RegisterAsync(WebClient());

        response.RegistrationAccessToken.Should().HaveLength(43);
        RegistrationSecrets.Verify(response.RegistrationAccessToken, _store[response.Client.ClientId]!.RegistrationAccessTokenHash).Should().BeTrue();
        response.RegistrationClientUri.Should().Be(new Uri("https://as.example.com/connect/register/" + response.Client.ClientId));
        response.RegistrationAccessToken.Should().NotBe(response.ClientSecret);
    }

    [Fact]
    public async Task the_client_uri_has_a_single_slash_when_the_endpoint_ends_with_one()
    {
        EnableManagement();
        var endpoint = new Uri("https://as.example.com/connect/register/");

        var response = (await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = WebClient() }, Registrar, endpoint, default)).ShouldSucceed();

        response.RegistrationClientUri!.AbsoluteUri.Should().Be("https://as.example.com/connect/register/" + response.Client.ClientId);
    }

    [Fact]
    public async Task the_caller_is_recorded_as_the_creator()
    {
        var response = await RegisterAsync(WebClient(), new RegistrationCaller(new ClaimsPrincipal(new ClaimsIdentity("test")), "registrar-app"));

        _store[response.Client.ClientId]!.CreatedBy.Should().Be("registrar-app");
    }

    [Fact]
    public async Task invalid_metadata_is_rejected_before_anything_is_stored()
    {
        var result = await Service().RegisterAsync(
            new ClientRegistrationRequest { Metadata = new ClientMetadata() }, Registrar, Endpoint, default);

        result.ShouldFailWith("invalid_redirect_uri", "DCR2100").StatusCode.Should().Be(400);
        _store.Writes.Should().Be(0);
    }

    [Theory]
    [InlineData("The host keeps one client per software_id.", "The host keeps one client per software_id. (DCR2703)")]
    [InlineData(null, "The authorization server rejected the client metadata. (DCR2703)")]
    public async Task a_client_the_store_rejects_is_answered_with_invalid_client_metadata_in_the_store_s_words_or_the_product_s(
        string? storeDescription, string description)
    {
        _store.NextResult = StoreResult.Rejected(storeDescription);

        var result = await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = WebClient() }, Registrar, Endpoint, default);

        var error = result.ShouldFailWith("invalid_client_metadata", "DCR2703");
        error.StatusCode.Should().Be(400);
        error.Description.Should().Be(description);
    }

    [Fact]
    public async Task an_unavailable_store_is_answered_with_temporarily_unavailable_503()
    {
        _store.NextResult = StoreResult.Unavailable;

        var result = await Service().RegisterAsync(new ClientRegistrationRequest { Metadata = WebClient() }, Registrar, Endpoint, default);

        result.ShouldFailWith("temporarily_unavailable", "DCR2701").StatusCode.Should().Be(503);
    }

    // ---- authentication of management calls ---------------------------------------------------------------------

    [Fact]
    public async Task the_registration_access_token_issued_to_a_client_authenticates_it()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var client = (await Service().AuthenticateAsync(registered.Client.ClientId, registered.RegistrationAccessToken, default)).ShouldSucceed();

        client.ClientId.Should().Be(registered.Client.ClientId);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("")]
    [InlineData(null)]
    public async Task a_wrong_or_missing_registration_access_token_is_answered_with_invalid_token_401(string? token)
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().AuthenticateAsync(registered.Client.ClientId, token, default);

        result.ShouldFailWith("invalid_token", "DCR2603").StatusCode.Should().Be(401);
    }

    [Fact]
    public async Task a_missing_registration_access_token_is_rejected_without_looking_up_the_client()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        (await Service().AuthenticateAsync(registered.Client.ClientId, null, default)).ShouldFailWith("invalid_token", "DCR2603");

        _store.Finds.Should().Be(0);
    }

    [Fact]
    public async Task another_clients_registration_access_token_is_answered_with_invalid_token()
    {
        EnableManagement();
        var first = await RegisterAsync(WebClient());
        var second = await RegisterAsync(WebClient());

        var result = await Service().AuthenticateAsync(first.Client.ClientId, second.RegistrationAccessToken, default);

        result.ShouldFailWith("invalid_token", "DCR2603");
    }

    [Fact]
    public async Task an_unknown_client_is_answered_like_a_wrong_token()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().AuthenticateAsync("no-such-client", registered.RegistrationAccessToken, default);

        result.ShouldFailWith("invalid_token", "DCR2603").Description.Should().Be(
            (await Service().AuthenticateAsync(registered.Client.ClientId, "wrong", default)).Error!.Description);
    }

    [Fact]
    public async Task a_client_registered_without_management_cannot_be_managed_with_any_token()
    {
        var registered = await RegisterAsync(WebClient());
        EnableManagement();

        var result = await Service().AuthenticateAsync(registered.Client.ClientId, RegistrationSecrets.CreateSecret(), default);

        result.ShouldFailWith("invalid_token", "DCR2603");
    }

    // ---- read (RFC 7592 §2.1) -----------------------------------------------------------------------------------

    [Fact]
    public async Task reading_rotates_the_client_secret_and_registration_access_token_by_default()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        var client = _store[registered.Client.ClientId]!;

        var read = (await Service().ReadAsync(client, Endpoint, default)).ShouldSucceed();

        var stored = _store[registered.Client.ClientId]!;
        read.ClientSecret.Should().NotBeNull().And.NotBe(registered.ClientSecret);
        read.RegistrationAccessToken.Should().NotBeNull().And.NotBe(registered.RegistrationAccessToken);
        RegistrationSecrets.Verify(read.ClientSecret, stored.ClientSecretHash).Should().BeTrue();
        RegistrationSecrets.Verify(registered.ClientSecret, stored.ClientSecretHash).Should().BeFalse();
        RegistrationSecrets.Verify(read.RegistrationAccessToken, stored.RegistrationAccessTokenHash).Should().BeTrue();
        RegistrationSecrets.Verify(registered.RegistrationAccessToken, stored.RegistrationAccessTokenHash).Should().BeFalse();
        stored.RetainedClientSecret.Should().BeNull("retention is off by default");
        read.RegistrationClientUri.Should().Be(new Uri(Endpoint + "/" + registered.Client.ClientId));
    }

    [Fact]
    public async Task reading_without_rotation_issues_nothing_and_writes_nothing()
    {
        EnableManagement(rotateSecret: false, rotateToken: false);
        var registered = await RegisterAsync(WebClient());
        var writes = _store.Writes;

        var read = (await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default)).ShouldSucceed();

        read.ClientSecret.Should().BeNull();
        read.RegistrationAccessToken.Should().BeNull();
        _store.Writes.Should().Be(writes);
        RegistrationSecrets.Verify(registered.ClientSecret, _store[registered.Client.ClientId]!.ClientSecretHash).Should().BeTrue();
    }

    [Fact]
    public async Task a_rotated_secret_is_retained_for_the_retention_period_when_retention_is_on()
    {
        EnableManagement(retention: TimeSpan.FromMinutes(10));
        var registered = await RegisterAsync(WebClient());
        var previousHash = _store[registered.Client.ClientId]!.ClientSecretHash;
        _time.Advance(TimeSpan.FromMinutes(1));

        (await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default)).ShouldSucceed();

        var retained = _store[registered.Client.ClientId]!.RetainedClientSecret;
        retained.Should().NotBeNull();
        retained!.Hash.Should().Be(previousHash);
        retained.ExpiresAt.Should().Be(Start + TimeSpan.FromMinutes(11));
    }

    [Fact]
    public async Task rotating_an_expired_secret_does_not_make_it_valid_again_for_the_retention_period()
    {
        Configure(options => options.ClientSecretLifetime = TimeSpan.FromDays(1));
        EnableManagement(retention: TimeSpan.FromHours(1));
        var registered = await RegisterAsync(WebClient());
        var expiredAt = registered.Client.ClientSecretExpiresAt!.Value;
        _time.Advance(TimeSpan.FromDays(2));

        (await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default)).ShouldSucceed();

        // The retained secret keeps working until RetainedClientSecret.ExpiresAt (DynamicClientApplicationManager), so
        // a retention window that ends after the secret's own expiry revives a secret that had already stopped working.
        var retained = _store[registered.Client.ClientId]!.RetainedClientSecret;
        if (retained is not null)
        {
            retained.ExpiresAt.Should().BeOnOrBefore(expiredAt);
        }
    }

    [Fact]
    public async Task a_concurrent_rotation_spends_the_registration_access_token()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        _store.NextResult = StoreResult.Conflict;

        var result = await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default);

        result.ShouldFailWith("invalid_token", "DCR2603").StatusCode.Should().Be(401);
    }

    [Fact]
    public async Task a_concurrent_change_without_token_rotation_is_answered_with_409()
    {
        EnableManagement(rotateToken: false);
        var registered = await RegisterAsync(WebClient());
        _store.NextResult = StoreResult.Conflict;

        var result = await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2700").StatusCode.Should().Be(409);
    }

    [Fact]
    public async Task a_stale_client_read_before_another_write_is_answered_as_a_conflict()
    {
        EnableManagement(rotateToken: false);
        var registered = await RegisterAsync(WebClient());
        var stale = _store[registered.Client.ClientId]!;
        (await Service().ReadAsync(stale, Endpoint, default)).ShouldSucceed();

        var result = await Service().ReadAsync(stale, Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2700").StatusCode.Should().Be(409);
    }

    // ---- update (RFC 7592 §2.2) ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("registration_access_token")]
    [InlineData("registration_client_uri")]
    [InlineData("client_secret_expires_at")]
    [InlineData("client_id_issued_at")]
    public async Task an_update_carrying_a_server_issued_member_is_answered_with_invalid_request(string member)
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        var request = UpdateRequest(registered.Client.ClientId, WebClient()) with { ServerIssuedMembers = [member] };

        var result = await Service().UpdateAsync(_store[registered.Client.ClientId]!, request, Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2605").Description.Should().Contain(member);
    }

    [Fact]
    public async Task an_update_without_client_id_is_answered_with_invalid_request()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().UpdateAsync(_store[registered.Client.ClientId]!, new ClientRegistrationRequest { Metadata = WebClient() }, Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2606");
    }

    [Fact]
    public async Task an_update_naming_another_client_id_is_answered_with_invalid_request()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().UpdateAsync(_store[registered.Client.ClientId]!, UpdateRequest("someone-else", WebClient()), Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2607");
        _store.Writes.Should().Be(1);
    }

    [Fact]
    public async Task an_update_with_a_wrong_client_secret_is_answered_with_invalid_request()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().UpdateAsync(
            _store[registered.Client.ClientId]!, UpdateRequest(registered.Client.ClientId, WebClient(), "wrong-secret"), Endpoint, default);

        result.ShouldFailWith("invalid_request", "DCR2608");
    }

    [Fact]
    public async Task an_update_with_the_current_client_secret_is_accepted()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        var result = await Service().UpdateAsync(
            _store[registered.Client.ClientId]!, UpdateRequest(registered.Client.ClientId, WebClient(), registered.ClientSecret), Endpoint, default);

        result.ShouldSucceed();
    }

    [Fact]
    public async Task an_update_with_invalid_metadata_is_rejected_and_changes_nothing()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        var before = _store[registered.Client.ClientId]!;

        var result = await Service().UpdateAsync(
            before, UpdateRequest(registered.Client.ClientId, WebClient() with { RedirectUris = ["http://client.example.com/cb"] }), Endpoint, default);

        result.ShouldFailWith("invalid_redirect_uri", "DCR2112");
        _store[registered.Client.ClientId].Should().BeSameAs(before);
    }

    [Fact]
    public async Task an_update_is_a_full_replacement_in_which_omitted_members_revert_to_their_defaults()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient() with { ClientName = "Old", Scope = "openid api", Contacts = ["a@example.com"] });

        var updated = (await Service().UpdateAsync(
            _store[registered.Client.ClientId]!,
            UpdateRequest(registered.Client.ClientId, new ClientMetadata { RedirectUris = ["https://client.example.com/new"] }),
            Endpoint,
            default)).ShouldSucceed();

        var metadata = _store[registered.Client.ClientId]!.Metadata;
        metadata.ClientName.Should().BeNull();
        metadata.Scope.Should().BeNull();
        metadata.Contacts.Should().BeEmpty();
        metadata.RedirectUris.Should().Equal("https://client.example.com/new");
        updated.Client.Metadata.Should().BeEquivalentTo(metadata);
    }

    [Fact]
    public async Task a_public_client_that_turns_confidential_gets_a_secret_even_without_rotation()
    {
        EnableManagement(rotateSecret: false);
        var registered = await RegisterAsync(PublicClient());

        var updated = (await Service().UpdateAsync(
            _store[registered.Client.ClientId]!, UpdateRequest(registered.Client.ClientId, WebClient()), Endpoint, default)).ShouldSucceed();

        updated.ClientSecret.Should().NotBeNull();
        RegistrationSecrets.Verify(updated.ClientSecret, _store[registered.Client.ClientId]!.ClientSecretHash).Should().BeTrue();
    }

    [Fact]
    public async Task a_confidential_client_that_turns_public_loses_its_secret_and_any_retained_secret()
    {
        Configure(options => options.ClientSecretLifetime = TimeSpan.FromDays(30));
        EnableManagement(retention: TimeSpan.FromMinutes(10));
        var registered = await RegisterAsync(WebClient());
        (await Service().ReadAsync(_store[registered.Client.ClientId]!, Endpoint, default)).ShouldSucceed();
        _store[registered.Client.ClientId]!.RetainedClientSecret.Should().NotBeNull();

        var updated = (await Service().UpdateAsync(
            _store[registered.Client.ClientId]!, UpdateRequest(registered.Client.ClientId, PublicClient()), Endpoint, default)).ShouldSucceed();

        var stored = _store[registered.Client.ClientId]!;
        updated.ClientSecret.Should().BeNull();
        stored.ClientSecretHash.Should().BeNull();
        stored.ClientSecretExpiresAt.Should().BeNull();
        stored.RetainedClientSecret.Should().BeNull();
    }

    [Fact]
    public async Task an_update_without_secret_rotation_keeps_the_secret_and_its_expiry()
    {
        Configure(options => options.ClientSecretLifetime = TimeSpan.FromDays(30));
        EnableManagement(rotateSecret: false);
        var registered = await RegisterAsync(WebClient());
        var before = _store[registered.Client.ClientId]!;
        _time.Advance(TimeSpan.FromDays(1));

        var updated = (await Service().UpdateAsync(
            before, UpdateRequest(registered.Client.ClientId, WebClient() with { ClientName = "Renamed" }), Endpoint, default)).ShouldSucceed();

        var stored = _store[registered.Client.ClientId]!;
        updated.ClientSecret.Should().BeNull();
        stored.ClientSecretHash.Should().Be(before.ClientSecretHash);
        stored.ClientSecretExpiresAt.Should().Be(before.ClientSecretExpiresAt);
        stored.Metadata.ClientName.Should().Be("Renamed");
    }

    // ---- delete (RFC 7592 §2.3) ---------------------------------------------------------------------------------

    [Fact]
    public async Task deleting_a_client_removes_it_from_the_store()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());

        (await Service().DeleteAsync(_store[registered.Client.ClientId]!, default)).ShouldSucceed();

        _store[registered.Client.ClientId].Should().BeNull();
    }

    [Fact]
    public async Task deleting_a_client_that_is_already_gone_is_answered_with_invalid_token()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        var client = _store[registered.Client.ClientId]!;
        (await Service().DeleteAsync(client, default)).ShouldSucceed();

        var result = await Service().DeleteAsync(client, default);

        result.ShouldFailWith("invalid_token", "DCR2603").StatusCode.Should().Be(401);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_delete_that_conflicts_with_a_concurrent_delete_or_change_is_answered_with_invalid_token_not_409(bool rotateToken)
    {
        EnableManagement(rotateToken: rotateToken);
        var registered = await RegisterAsync(WebClient());
        _store.NextResult = StoreResult.Conflict;

        var result = await Service().DeleteAsync(_store[registered.Client.ClientId]!, default);

        result.ShouldFailWith("invalid_token", "DCR2603").StatusCode.Should().Be(401);
    }

    [Fact]
    public async Task deleting_with_an_unavailable_store_is_answered_with_temporarily_unavailable()
    {
        EnableManagement();
        var registered = await RegisterAsync(WebClient());
        _store.NextResult = StoreResult.Unavailable;

        var result = await Service().DeleteAsync(_store[registered.Client.ClientId]!, default);

        result.ShouldFailWith("temporarily_unavailable", "DCR2701").StatusCode.Should().Be(503);
        _store[registered.Client.ClientId].Should().NotBeNull();
    }

    [Theory]
    [InlineData("abc\r\ndef")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("é")]
    public async Task a_client_id_this_product_could_not_have_issued_is_refused_like_an_unknown_client_without_asking_the_store(string clientId)
    {
        var service = Service();

        var result = await service.AuthenticateAsync(clientId, RegistrationSecrets.CreateSecret(), CancellationToken.None);

        result.Succeeded.Should().BeFalse();
        result.Error!.Code.Should().Be(RegistrationErrorCodes.InvalidToken);
        result.Error.StatusCode.Should().Be(401);
        _store.Finds.Should().Be(0);
    }

    [Fact]
    public async Task a_client_id_longer_than_any_issued_is_refused_without_asking_the_store()
    {
        var result = await Service().AuthenticateAsync(new string('a', 129), RegistrationSecrets.CreateSecret(), CancellationToken.None);

        result.Succeeded.Should().BeFalse();
        _store.Finds.Should().Be(0);
    }
}
