using System.Net;
using Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;
using Dcr.IdentityServerExtensions.Testing;
using Duende.IdentityModel.Client;
using HostSample;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Dcr.IdentityServerExtensions.IntegrationTests;

/// <summary>
/// The token endpoint's fast path (issue: benchmarks): by default the sample issues signed, unencrypted access tokens
/// and writes no database row for them, so a <c>client_credentials</c> request only reads its client. The promise of
/// the management issue still holds without the row: a deleted client's access tokens stop working, because
/// validation checks that the client exists. <c>Sample:StoreAccessTokens</c> and <c>Sample:EncryptAccessTokens</c>
/// bring back rows and encryption.
/// </summary>
public sealed class AccessTokenTests
{
    private const string ServiceClient = """{"grant_types":["client_credentials"],"scope":"api","client_name":"Service"}""";

    [Fact]
    public async Task by_default_an_access_token_is_a_signed_jwt_and_leaves_no_row_in_the_token_table()
    {
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var rowsBefore = await TokenRowCountAsync(host);

        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");

        token.ShouldSucceed();
        var jwt = new JsonWebToken(token.AccessToken!);
        jwt.IsEncrypted.Should().BeFalse("a JWS, not a JWE");
        jwt.Alg.Should().Be("ES256");
        jwt.Typ.Should().Be("at+jwt");
        (await TokenRowCountAsync(host)).Should().Be(rowsBefore, "no row is written for an access token");
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task with_StoreAccessTokens_and_EncryptAccessTokens_an_access_token_is_encrypted_and_has_its_row()
    {
        using var host = new SampleHost(new Dictionary<string, string?>
        {
            ["Sample:StoreAccessTokens"] = "true",
            ["Sample:EncryptAccessTokens"] = "true",
        });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var rowsBefore = await TokenRowCountAsync(host);

        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");

        token.ShouldSucceed();
        new JsonWebToken(token.AccessToken!).IsEncrypted.Should().BeTrue("a JWE");
        (await TokenRowCountAsync(host)).Should().Be(rowsBefore + 1);
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK);
    }

    // With its row, OpenIddict's own entry check refuses the token; without one, RejectTokensOfDeletedClients() does.
    [Theory]
    [InlineData("false", "DCR2907")]
    [InlineData("true", null)]
    public async Task the_access_tokens_of_a_deleted_client_are_refused_with_or_without_their_rows(string storeAccessTokens, string? id)
    {
        using var host = new SampleHost(new Dictionary<string, string?> { ["Sample:StoreAccessTokens"] = storeAccessTokens });
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var other = await client.RegisterAsync(ServiceClient);
        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        var otherToken = await client.ClientCredentialsAsync(other.ClientId, other.ClientSecret, "api");
        (await client.CallApiAsync(token.AccessToken!)).Should().Be(HttpStatusCode.OK);

        (await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status
            .Should().Be(HttpStatusCode.NoContent);

        (await client.RefusedApiCallDescriptionAsync(token.AccessToken!)).ShouldEndWithId(id);
        (await client.CallApiAsync(otherToken.AccessToken!)).Should().Be(HttpStatusCode.OK, "only the deleted client's tokens stop working");
    }

    [Fact]
    public async Task an_initial_access_token_of_a_deleted_administrative_client_no_longer_registers()
    {
        // Initial access tokens are access tokens too: without a row, they are refused once their client is gone.
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var initialAccessToken = await client.InitialAccessTokenAsync();
        (await client.PostRegistrationAsync(ServiceClient, initialAccessToken)).Status.Should().Be(HttpStatusCode.Created);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<SampleDbContext>();
            await context.Set<OpenIddictEntityFrameworkCoreApplication>().Where(application => application.ClientId == DcrTestClient.AdminClientId)
                .ExecuteDeleteAsync();
        }

        (await client.PostRegistrationAsync(ServiceClient, initialAccessToken)).ShouldBeError(HttpStatusCode.Unauthorized, "invalid_token", "DCR2601");
    }

    [Fact]
    public async Task the_servers_own_token_validation_refuses_an_access_token_of_a_deleted_client()
    {
        // What the server's introspection and userinfo endpoints rely on, dispatched as they dispatch it.
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync(ServiceClient);
        var token = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        (await ServerValidatesAsync(host, token.AccessToken!)).Should().BeTrue();

        (await client.ManageAsync(HttpMethod.Delete, registered.RegistrationClientUri!, registered.RegistrationAccessToken)).Status
            .Should().Be(HttpStatusCode.NoContent);

        (await ServerValidatesAsync(host, token.AccessToken!)).Should().BeFalse();
    }

    [Fact]
    public async Task the_token_endpoint_signs_in_the_client_for_client_credentials_and_the_user_for_codes_and_refresh_tokens()
    {
        // The sample's token endpoint: a client_credentials token is about the client, a token for a code or a refresh
        // token is about the user the code was issued for, and a grant the host does not allow is refused.
        using var host = new SampleHost();
        using var client = host.CreateDcrClient();
        var registered = await client.RegisterAsync("""
            {"redirect_uris":["https://app.example.com/cb"],"grant_types":["authorization_code","refresh_token","client_credentials"],
             "scope":"openid profile offline_access api"}
            """);

        var service = await client.ClientCredentialsAsync(registered.ClientId, registered.ClientSecret, "api");
        service.ShouldSucceed();
        var serviceToken = new JsonWebToken(service.AccessToken!);
        serviceToken.Subject.Should().Be(registered.ClientId);
        serviceToken.GetClaim(Claims.Scope).Value.Should().Be("api");

        var user = await client.AuthorizationCodeAsync(registered.ClientId, registered.ClientSecret, "https://app.example.com/cb",
            "openid profile offline_access");
        user.ShouldSucceed();
        new JsonWebToken(user.AccessToken!).Subject.Should().Be(SampleUser.Subject);
        new JsonWebToken(user.IdentityToken!).GetClaim(Claims.Name).Value.Should().Be(SampleUser.Name, "the profile scope puts the name in the identity token");
        (await client.CallApiAsync(user.AccessToken!)).Should().Be(HttpStatusCode.OK);

        var refreshed = await client.Http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = registered.ClientId,
            ClientSecret = registered.ClientSecret,
            RefreshToken = user.RefreshToken!,
        });
        refreshed.ShouldSucceed();
        new JsonWebToken(refreshed.AccessToken!).Subject.Should().Be(SampleUser.Subject);

        var password = await client.Http.RequestPasswordTokenAsync(new PasswordTokenRequest
        {
            Address = "/connect/token",
            ClientId = registered.ClientId,
            ClientSecret = registered.ClientSecret,
            UserName = SampleUser.Subject,
            Password = "not-a-grant-of-this-host",
        });
        password.HttpStatusCode.Should().Be(HttpStatusCode.BadRequest);
        password.ShouldBeProtocolError("unsupported_grant_type", null);
    }

    private static async Task<bool> ServerValidatesAsync(SampleHost host, string accessToken)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var transaction = await scope.ServiceProvider.GetRequiredService<IOpenIddictServerFactory>().CreateTransactionAsync();
        transaction.BaseUri = host.Server.BaseAddress;
        transaction.Request = new OpenIddictRequest();
        var context = new OpenIddictServerEvents.ValidateTokenContext(transaction)
        {
            Token = accessToken,
            ValidTokenTypes = { TokenTypeIdentifiers.AccessToken },
        };

        await scope.ServiceProvider.GetRequiredService<IOpenIddictServerDispatcher>().DispatchAsync(context);
        return !context.IsRejected;
    }

    private static async Task<int> TokenRowCountAsync(SampleHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SampleDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().CountAsync();
    }
}
