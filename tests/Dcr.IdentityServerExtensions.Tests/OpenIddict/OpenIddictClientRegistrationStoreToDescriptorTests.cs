using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Tests.OpenIddict;

public class OpenIddictClientRegistrationStoreToDescriptorTests
{
    private static StoredClient Client(ClientMetadata metadata) => new()
    {
        ClientId = "s6BhdRkqt3",
        ClientIdIssuedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        ClientSecretHash = metadata.UsesClientSecret ? "$dcr-sha256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY" : null,
        Metadata = metadata,
    };

    private static StoredClient ConfidentialMachineClient() => Client(new ClientMetadata
    {
        TokenEndpointAuthMethod = "client_secret_basic",
        GrantTypes = ["client_credentials"],
        ResponseTypes = [],
        ApplicationType = "web",
        Scope = "api",
        ClientName = "Machine",
    });

    // The registration service flags public clients for PKCE (Policies:RequirePkceForPublicClients, on by default).
    private static StoredClient PublicBrowserClient() => Client(new ClientMetadata
    {
        TokenEndpointAuthMethod = "none",
        GrantTypes = ["authorization_code", "refresh_token"],
        ResponseTypes = ["code"],
        ApplicationType = "native",
        RedirectUris = ["com.example.app:/cb", "https://client.example.com/cb"],
        PostLogoutRedirectUris = ["com.example.app:/bye"],
        Scope = "openid profile",
    }) with { RequirePkce = true };

    [Fact]
    public void a_confidential_client_credentials_client_may_use_the_token_endpoint_its_grant_and_its_scope()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(ConfidentialMachineClient());

        descriptor.Permissions.Should().Contain(["ept:token", "gt:client_credentials", "scp:api"]);
    }

    [Fact]
    public void a_confidential_client_credentials_client_may_not_use_the_authorization_endpoint_or_other_grants()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(ConfidentialMachineClient());

        descriptor.Permissions.Should().NotContain("ept:authorization")
            .And.NotContain("ept:end_session")
            .And.NotContain(permission => permission.StartsWith("rst:", StringComparison.Ordinal))
            .And.NotContain(permission => permission.StartsWith("gt:", StringComparison.Ordinal) && permission != "gt:client_credentials")
            .And.NotContain(permission => permission.StartsWith("scp:", StringComparison.Ordinal) && permission != "scp:api");
    }

    [Fact]
    public void a_confidential_client_is_an_openiddict_confidential_client_without_a_pkce_requirement()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(ConfidentialMachineClient());

        descriptor.ClientType.Should().Be("confidential");
        descriptor.Requirements.Should().NotContain("ft:pkce");
        descriptor.ClientId.Should().Be("s6BhdRkqt3");
        descriptor.DisplayName.Should().Be("Machine");
        descriptor.ApplicationType.Should().Be("web");
    }

    [Fact]
    public void a_public_authorization_code_client_may_use_the_authorization_endpoint_the_code_response_type_and_its_grants()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(PublicBrowserClient());

        descriptor.Permissions.Should().Contain([
            "ept:authorization", "ept:token", "rst:code", "gt:authorization_code", "gt:refresh_token",
            "scp:openid", "scp:profile", "ept:end_session",
        ]);
        descriptor.Permissions.Should().NotContain("gt:client_credentials");
    }

    [Fact]
    public void a_public_client_is_an_openiddict_public_client_that_requires_pkce()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(PublicBrowserClient());

        descriptor.ClientType.Should().Be("public");
        descriptor.Requirements.Should().Contain("ft:pkce");
        descriptor.ApplicationType.Should().Be("native");
    }

    [Fact]
    public void a_client_not_flagged_for_pkce_gets_no_pkce_requirement_even_when_public()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(PublicBrowserClient() with { RequirePkce = false });

        descriptor.ClientType.Should().Be("public");
        descriptor.Requirements.Should().NotContain("ft:pkce");
    }

    [Fact]
    public void the_redirect_uris_become_the_applications_redirect_uris()
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(PublicBrowserClient());

        descriptor.RedirectUris.Should().BeEquivalentTo([new Uri("com.example.app:/cb"), new Uri("https://client.example.com/cb")]);
        descriptor.PostLogoutRedirectUris.Should().BeEquivalentTo([new Uri("com.example.app:/bye")]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void a_self_registered_client_requires_explicit_consent(bool confidential)
    {
        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(confidential ? ConfidentialMachineClient() : PublicBrowserClient());

        descriptor.ConsentType.Should().Be("explicit");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void the_descriptor_carries_the_registration_document_property(bool confidential)
    {
        var client = confidential ? ConfidentialMachineClient() : PublicBrowserClient();

        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(client);

        descriptor.Properties.Should().ContainKey("dcr_registration");
        var metadata = descriptor.Properties["dcr_registration"].GetProperty("metadata");
        ClientMetadataJson.ReadRequest(metadata).Succeeded.Should().BeTrue();
        metadata.GetProperty("scope").GetString().Should().Be(client.Metadata.Scope);
    }

    [Fact]
    public void the_registration_document_never_carries_the_client_secret_hash()
    {
        var client = ConfidentialMachineClient();

        var descriptor = OpenIddictClientRegistrationStore.ToDescriptor(client);

        descriptor.Properties["dcr_registration"].GetRawText().Should().NotContain(client.ClientSecretHash!);
        descriptor.ClientSecret.Should().BeNull("the store hands the hash to the manager itself, never as a plaintext secret");
    }
}
