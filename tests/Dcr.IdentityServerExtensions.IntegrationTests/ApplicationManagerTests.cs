using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Secrets;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// DynamicClientApplicationManager writes the hash this product computed exactly as given, through OpenIddict's own
/// validation, and hashes every other caller's secret with OpenIddict's PBKDF2 as before.
/// </summary>
public sealed class ApplicationManagerTests
{
    [Fact]
    public async Task a_registered_client_s_secret_is_stored_as_the_hash_the_product_computed_not_hashed_again()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""{"grant_types":["client_credentials"],"scope":"api"}""");

        await using var scope = host.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await manager.FindByClientIdAsync(registered.ClientId);
        var stored = await ((IDynamicClientApplicationManager)manager).GetClientSecretHashAsync(application!, CancellationToken.None);

        RegistrationSecrets.IsHash(stored).Should().BeTrue();
        RegistrationSecrets.Verify(registered.ClientSecret, stored).Should().BeTrue();
    }

    [Fact]
    public async Task a_secret_given_to_the_manager_by_anyone_else_is_hashed_by_openiddict_even_when_it_looks_like_a_product_hash()
    {
        using var host = new SampleHost();
        await using var scope = host.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var lookalike = RegistrationSecrets.Hash(RegistrationSecrets.CreateSecret());

        var application = await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "admin-made",
            ClientSecret = lookalike,
            ClientType = OpenIddictConstants.ClientTypes.Confidential,
        });

        var stored = await ((IDynamicClientApplicationManager)manager).GetClientSecretHashAsync(application, CancellationToken.None);
        stored.Should().NotBe(lookalike);
        RegistrationSecrets.IsHash(stored).Should().BeFalse();
        (await manager.ValidateClientSecretAsync(application, lookalike)).Should().BeTrue();
    }

    [Fact]
    public async Task a_client_written_with_a_precomputed_hash_still_goes_through_openiddict_s_validation()
    {
        using var host = new SampleHost();
        await using var scope = host.Services.CreateAsyncScope();
        var manager = (IDynamicClientApplicationManager)scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

        // A public client may not hold a secret: OpenIddict's validation refuses it.
        var create = async () => await manager.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = "public-with-secret",
            ClientType = OpenIddictConstants.ClientTypes.Public,
        }, RegistrationSecrets.Hash(RegistrationSecrets.CreateSecret()), CancellationToken.None);

        await create.Should().ThrowAsync<OpenIddictExceptions.ValidationException>();
    }
}
