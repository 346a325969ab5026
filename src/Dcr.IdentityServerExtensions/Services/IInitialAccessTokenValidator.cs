using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Dcr.IdentityServerExtensions.Services;

/// <summary>
/// Checks the initial access token of a registration request with the host's own token validation. The second half
/// of the host seam, beside <see cref="Stores.IClientRegistrationStore"/>.
/// </summary>
public interface IInitialAccessTokenValidator
{
    /// <summary>Validates the bearer token of <paramref name="context"/> and checks it carries <paramref name="requiredScope"/>.</summary>
    Task<InitialAccessTokenResult> ValidateAsync(HttpContext context, string requiredScope);
}

/// <summary>How an initial access token check ended.</summary>
public enum InitialAccessTokenStatus
{
    /// <summary>A valid token carrying the required scope.</summary>
    Valid,

    /// <summary>No bearer token was sent.</summary>
    Missing,

    /// <summary>The token is malformed, expired, revoked or otherwise not valid here.</summary>
    Invalid,

    /// <summary>A valid token without the required scope.</summary>
    InsufficientScope,
}

/// <summary>The result of an initial access token check.</summary>
/// <param name="Status">How the check ended.</param>
/// <param name="Principal">The token's principal when <see cref="InitialAccessTokenStatus.Valid"/>.</param>
/// <param name="CallerId">The client or subject the token was issued to, when valid.</param>
public sealed record InitialAccessTokenResult(InitialAccessTokenStatus Status, ClaimsPrincipal? Principal = null, string? CallerId = null)
{
    /// <summary>
    /// Which token this is, when valid: its <c>jti</c>, or <see cref="HashToken"/> of the token when it has none. Kept
    /// with every client the token registers (<c>initial_access_token_id</c>), so that an operator can find, limit and
    /// delete everything one token created. Left <see langword="null"/>, the endpoint hashes the bearer token itself.
    /// </summary>
    public string? TokenId { get; init; }

    /// <summary>The longest <c>jti</c> kept as it is; a longer one is hashed like a token without one.</summary>
    public const int MaxTokenIdLength = 200;

    /// <summary>The id of a token: its <paramref name="jti"/> when it has a usable one, else the SHA-256 of the token, base64url.</summary>
    public static string IdentifyToken(string? jti, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return !string.IsNullOrWhiteSpace(jti) && jti.Length <= MaxTokenIdLength ? jti : HashToken(token);
    }

    /// <summary>
    /// <paramref name="tokenId"/> as it is kept with the clients the token registers: itself up to
    /// <see cref="MaxTokenIdLength"/> characters, else its own SHA-256 (<see cref="HashToken"/>), so that a custom
    /// validator's long id still names one token.
    /// </summary>
    public static string BoundTokenId(string tokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        return tokenId.Length <= MaxTokenIdLength ? tokenId : HashToken(tokenId);
    }

    /// <summary>The SHA-256 of <paramref name="token"/>'s UTF-8 bytes, base64url without padding: 43 characters.</summary>
    public static string HashToken(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
    }
}
