using System.Collections.Concurrent;
using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.Policies;
using Dcr.IdentityServerExtensions.Protocol;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>The policy pipeline and the built-in policies.</summary>
public sealed class PolicyTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api"}""";

    [Fact]
    public async Task custom_policies_run_in_registration_order_on_create_and_update_and_see_the_caller()
    {
        var journal = new ConcurrentQueue<string>();
        using var host = new SampleHost(configureServices: services => services.AddSingleton(journal)
            .AddDynamicClientRegistration().AddPolicy<FirstPolicy>().AddPolicy<SecondPolicy>());
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync(ServiceClient);
        await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"]}""");

        journal.Should().Equal("first Create dcr-admin", "second Create", "first Update dcr-admin", "second Update");
    }

    [Fact]
    public async Task a_policy_may_adjust_the_metadata_explicitly_and_the_stored_client_shows_it()
    {
        using var host = new SampleHost(configureServices: services => services.AddDynamicClientRegistration().AddPolicy<NamingPolicy>());
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync(ServiceClient);

        registered.Json.GetProperty("client_name").GetString().Should().Be("Named by policy");
        var read = await client.ManageAsync(HttpMethod.Get, registered.RegistrationClientUri!, registered.RegistrationAccessToken);
        read.Json.GetProperty("client_name").GetString().Should().Be("Named by policy");
    }

    [Fact]
    public async Task the_first_rejection_wins_later_policies_do_not_run_and_nothing_is_stored()
    {
        var journal = new ConcurrentQueue<string>();
        using var host = new SampleHost(configureServices: services => services.AddSingleton(journal)
            .AddDynamicClientRegistration().AddPolicy<RejectingPolicy>().AddPolicy<FirstPolicy>());
        using var client = host.CreateDcrClient();
        var token = await client.InitialAccessTokenAsync();
        var countBefore = await CountAsync(host);

        var response = await client.PostRegistrationAsync(ServiceClient, token);

        response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", null);
        response.Json.GetProperty("error_description").GetString().Should().Be("Refused by policy.");
        journal.Should().BeEmpty();
        (await CountAsync(host)).Should().Be(countBefore);
    }

    [Theory]
    [InlineData("https://app.example.com/cb", true)]
    [InlineData("https://login.partner.example.org/cb", true)]
    [InlineData("https://partner.example.org/cb", false)]
    [InlineData("https://evil.example.net/cb", false)]
    [InlineData("https://app.example.com.evil.net/cb", false)]
    [InlineData("com.example.app:/oauth2redirect", true)]
    [InlineData("com.other.app:/oauth2redirect", false)]
    public async Task trusted_hosts_admit_only_listed_hosts_wildcard_subdomains_and_listed_schemes(string redirectUri, bool admitted)
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:0"] = "app.example.com",
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:1"] = "*.partner.example.org",
            ["DynamicClientRegistration:Policies:TrustedRedirectHosts:2"] = "com.example.app:",
        });
        using var client = host.CreateDcrClient();
        var applicationType = redirectUri.StartsWith("https", StringComparison.Ordinal) ? "web" : "native";

        var response = await client.PostRegistrationAsync(
            $$"""{"redirect_uris":["{{redirectUri}}"],"application_type":"{{applicationType}}"}""", await client.InitialAccessTokenAsync());

        if (admitted)
        {
            response.Status.Should().Be(HttpStatusCode.Created, response.Body);
        }
        else
        {
            response.ShouldBeError(HttpStatusCode.BadRequest, "invalid_redirect_uri", "DCR2503");
        }
    }

    [Fact]
    public async Task a_client_that_registers_no_scope_gets_the_default_scope()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Policies:DefaultScope"] = "api" });
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"]}""");

        registered.Json.GetProperty("scope").GetString().Should().Be("api");
        (await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api")).ShouldSucceed();
    }

    [Fact]
    public void a_default_scope_that_is_not_allowed_fails_at_start_up()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Policies:DefaultScope"] = "dcr" });

        var start = () => host.CreateClient();

        start.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain("Policies:DefaultScope");
    }

    [Fact]
    public async Task a_caller_may_hold_at_most_max_clients_per_caller_counted_in_the_database()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Policies:MaxClientsPerCaller"] = "2" });
        using var client = host.CreateDcrClient();
        var first = await client.RegisterAsync(ServiceClient);
        await client.RegisterAsync(ServiceClient);

        var third = await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync());
        third.ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");

        // Another caller has its own count.
        var otherToken = await CreateSecondAdminTokenAsync(host, client);
        (await client.PostRegistrationAsync(ServiceClient, otherToken)).Status.Should().Be(HttpStatusCode.Created);

        // An update is not a registration: the limit does not refuse it.
        (await client.ManageAsync(HttpMethod.Put, first.RegistrationClientUri!, first.RegistrationAccessToken,
            $$"""{"client_id":"{{first.ClientId}}","grant_types":["client_credentials"]}""")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task deleting_a_client_frees_a_place_under_max_clients_per_caller()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Policies:MaxClientsPerCaller"] = "1" });
        using var client = host.CreateDcrClient();
        var only = await client.RegisterAsync(ServiceClient);
        (await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync()))
            .ShouldBeError(HttpStatusCode.BadRequest, "invalid_client_metadata", "DCR2504");

        (await client.ManageAsync(HttpMethod.Delete, only.RegistrationClientUri!, only.RegistrationAccessToken)).Status.Should().Be(HttpStatusCode.NoContent);

        (await client.PostRegistrationAsync(ServiceClient, await client.InitialAccessTokenAsync())).Status.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task pkce_can_be_required_of_confidential_clients_too()
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["DynamicClientRegistration:Policies:RequirePkceForConfidentialClients"] = "true" });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""{"redirect_uris":["https://app.example.com/cb"],"scope":"openid"}""");

        var authorize = await client.Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: registered.ClientId, responseType: "code", scope: "openid", redirectUri: "https://app.example.com/cb"));

        // OpenIddict's own refusal of a request without PKCE from a client that requires it.
        var page = await WireResponse.ReadAsync(authorize);
        page.ShouldBeErrorPage("invalid_request", null);
        page.Body.Should().Contain("code_challenge");
    }

    [Fact]
    public async Task confidential_clients_need_no_pkce_by_default()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""{"redirect_uris":["https://app.example.com/cb"],"scope":"openid"}""");

        var authorize = await client.Http.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: registered.ClientId, responseType: "code", scope: "openid", redirectUri: "https://app.example.com/cb"));

        authorize.StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    private static async Task<string> CreateSecondAdminTokenAsync(SampleHost host, DcrTestClient client)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "second-admin",
            ClientSecret = "second-admin-secret",
            Permissions = { "ept:token", "gt:client_credentials", "scp:dcr" },
        });
        return await client.InitialAccessTokenAsync(clientId: "second-admin", secret: "second-admin-secret");
    }

    [Fact]
    public async Task a_policy_keyed_on_the_initial_access_token_s_client_id_claim_sees_that_claim_on_update_too()
    {
        var journal = new ConcurrentQueue<string>();
        using var host = new SampleHost(configureServices: services => services.AddSingleton(journal)
            .AddDynamicClientRegistration().AddPolicy<AdminOnlyPolicy>());
        using var client = host.CreateDcrClient();

        var registered = await client.RegisterAsync(ServiceClient);
        var update = await client.ManageAsync(HttpMethod.Put, registered.RegistrationClientUri!, registered.RegistrationAccessToken,
            $$"""{"client_id":"{{registered.ClientId}}","grant_types":["client_credentials"],"scope":"api","client_name":"Renamed"}""");

        update.Status.Should().Be(HttpStatusCode.OK, update.Body);
        update.Json.GetProperty("client_name").GetString().Should().Be("Renamed");
        journal.Should().Equal("Create dcr-admin scopes:dcr", "Update dcr-admin scopes:dcr");
    }

    private static async Task<int> CountAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        return (int)await manager.CountAsync();
    }

    private sealed class FirstPolicy(ConcurrentQueue<string> journal) : IClientRegistrationPolicy
    {
        public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
        {
            journal.Enqueue($"first {context.Operation} {context.Caller.CallerId}");
            return new(context.Metadata);
        }
    }

    private sealed class SecondPolicy(ConcurrentQueue<string> journal) : IClientRegistrationPolicy
    {
        public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
        {
            journal.Enqueue($"second {context.Operation}");
            (context.Operation == ClientRegistrationOperation.Update).Should().Be(context.ExistingClient is not null);
            return new(context.Metadata);
        }
    }

    /// <summary>A host policy that lets only clients of the seeded administrative client be registered or updated.</summary>
    private sealed class AdminOnlyPolicy(ConcurrentQueue<string> journal) : IClientRegistrationPolicy
    {
        public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
        {
            var clientId = context.Caller.Principal?.GetClaim(OpenIddictConstants.Claims.ClientId);
            journal.Enqueue($"{context.Operation} {clientId} scopes:{string.Join(",", context.Caller.Principal?.GetScopes() ?? [])}");
            return new(clientId == DcrTestClient.AdminClientId
                ? context.Metadata
                : RegistrationError.InvalidMetadata("Only the administrative client's callers may register or update clients."));
        }
    }

    private sealed class NamingPolicy : IClientRegistrationPolicy
    {
        public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken) =>
            new(context.Metadata with { ClientName = "Named by policy" });
    }

    private sealed class RejectingPolicy : IClientRegistrationPolicy
    {
        public ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken) =>
            new(RegistrationError.InvalidMetadata("Refused by policy."));
    }
}
