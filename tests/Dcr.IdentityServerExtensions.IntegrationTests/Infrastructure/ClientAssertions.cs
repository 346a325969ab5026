using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>Client assertions (RFC 7523 and draft-ietf-oauth-rfc7523bis) as client libraries make them.</summary>
public static class ClientAssertions
{
    /// <summary>The sample's issuer under the test server, and its token endpoint.</summary>
    public const string Issuer = "http://localhost/";

    public const string TokenEndpoint = "http://localhost/connect/token";

    public const string Rfc7523bisType = "client-authentication+jwt";

    /// <summary>
    /// A signed assertion of <paramref name="clientId"/>: <paramref name="type"/> null leaves typ out of the header;
    /// <paramref name="lifetime"/> null leaves exp out; <paramref name="jwtId"/> null leaves jti out;
    /// <paramref name="notBefore"/> sets nbf.
    /// </summary>
    public static string Create(ECDsaSecurityKey key, string clientId, DateTimeOffset now, string audience = TokenEndpoint,
        string? type = "JWT", TimeSpan? lifetime = null, string? jwtId = "", bool withExpiry = true, DateTimeOffset? notBefore = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
        };
        if (withExpiry)
        {
            claims["exp"] = now.Add(lifetime ?? TimeSpan.FromMinutes(2)).ToUnixTimeSeconds();
        }

        if (notBefore is { } nbf)
        {
            claims["nbf"] = nbf.ToUnixTimeSeconds();
        }

        if (jwtId is not null)
        {
            claims["jti"] = jwtId.Length == 0 ? Guid.NewGuid().ToString("N") : jwtId;
        }

        if (type is null)
        {
            return SignWithoutType(key, claims);
        }

        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = type,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    // JsonWebTokenHandler always writes a typ; the RFC 7523 form without one is signed by hand.
    private static string SignWithoutType(ECDsaSecurityKey key, Dictionary<string, object> claims)
    {
        var header = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "ES256", ["kid"] = key.KeyId }));
        var payload = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = key.ECDsa.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256);
        return header + "." + payload + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>A client_credentials request authenticated by <paramref name="assertion"/> only.</summary>
    public static Task<TokenResponse> TokenAsync(this DcrTestClient client, string clientId, string assertion) =>
        client.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token",
            ClientId = clientId,
            Scope = "api",
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = assertion },
        });

    /// <summary>Registers a private_key_jwt client with its key inline.</summary>
    public static async Task<string> RegisterInlineAsync(this DcrTestClient client, ECDsaSecurityKey key) =>
        (await client.RegisterAsync($$"""
            {"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"private_key_jwt",
             "token_endpoint_auth_signing_alg":"ES256","jwks":{{SoftwareStatementTests.PublicJwks(key)}}}
            """)).ClientId;

    /// <summary>
    /// Asserts that the token endpoint refused the client: 400 or 401 with invalid_client, for the rule
    /// <paramref name="id"/> of this product, or (null) for a reason of OpenIddict's own.
    /// </summary>
    public static void ShouldBeInvalidClient(this TokenResponse response, string? id)
    {
        ((int)response.HttpStatusCode).Should().BeOneOf([400, 401], response.Raw);
        response.ShouldBeProtocolError("invalid_client", id);
    }
}
