using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Dcr.IdentityServerExtensions.Secrets;

/// <summary>
/// Generation, hashing and constant-time verification of the secrets this product issues: client secrets,
/// registration access tokens and client identifiers.
/// </summary>
/// <remarks>
/// Generated secrets carry 256 bits from a CSPRNG, so a brute-force search of their hash is hopeless whatever the
/// hash costs: a single SHA-256 is as safe as PBKDF2 for them and about a thousand times cheaper to check, which is
/// what the token endpoint does on every request. Secrets chosen by people still need a slow key-derivation
/// function; this type never hashes those.
/// </remarks>
public static class RegistrationSecrets
{
    /// <summary>The prefix that marks a hash produced by <see cref="Hash"/>, telling it apart from other formats.</summary>
    public const string HashPrefix = "$dcr-sha256$";

    /// <summary>The entropy of a generated secret, in bytes (256 bits).</summary>
    public const int SecretSizeInBytes = 32;

    private const int ClientIdSizeInBytes = 16;

    /// <summary>Creates a new secret: 256 random bits, base64url without padding (43 characters).</summary>
    public static string CreateSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretSizeInBytes));

    /// <summary>Creates a new client identifier: 128 random bits, base64url without padding.</summary>
    public static string CreateClientId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(ClientIdSizeInBytes));

    /// <summary>The longest client identifier the management endpoints look up; generated ones have 22 characters.</summary>
    internal const int MaxClientIdLength = 128;

    /// <summary>
    /// Whether <paramref name="clientId"/> could be one this product issued: 1 to <see cref="MaxClientIdLength"/>
    /// characters, all unreserved in URIs (RFC 3986 §2.3: letters, digits, <c>-._~</c>), which base64url is. Anything
    /// else, such as a CR/LF decoded from the path, is refused before it reaches the store, a log or a trace.
    /// </summary>
    internal static bool IsWellFormedClientId([NotNullWhen(true)] string? clientId) =>
        clientId is { Length: > 0 and <= MaxClientIdLength } && !clientId.AsSpan().ContainsAnyExcept(ClientIdCharacters);

    private static readonly SearchValues<char> ClientIdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    /// <summary>Hashes a generated secret for storage: <c>$dcr-sha256$</c> followed by the base64url SHA-256 digest.</summary>
    public static string Hash(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return HashPrefix + Base64Url.EncodeToString(Digest(secret));
    }

    /// <summary>Whether <paramref name="storedHash"/> was produced by <see cref="Hash"/>.</summary>
    public static bool IsHash(string? storedHash) =>
        storedHash is not null && storedHash.StartsWith(HashPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Compares <paramref name="secret"/> with <paramref name="storedHash"/> in time independent of where they differ.
    /// Returns <see langword="false"/> for a <see langword="null"/> or malformed hash.
    /// </summary>
    public static bool Verify(string? secret, string? storedHash)
    {
        if (string.IsNullOrEmpty(secret) || !IsHash(storedHash))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        var encoded = storedHash.AsSpan(HashPrefix.Length);
        if (!Base64Url.IsValid(encoded, out var decodedLength) || decodedLength != SHA256.HashSizeInBytes
            || !Base64Url.TryDecodeFromChars(encoded, expected, out var written) || written != SHA256.HashSizeInBytes)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Digest(secret), expected);
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
