using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dcr.IdentityServerExtensions.Secrets;

namespace Dcr.IdentityServerExtensions.Tests.Secrets;

public class RegistrationSecretsTests
{
    private static bool IsBase64UrlAlphabet(string value) =>
        value.All(c => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    [Fact]
    public void a_created_secret_is_43_characters_of_unpadded_base64url()
    {
        var secret = RegistrationSecrets.CreateSecret();

        secret.Should().HaveLength(43);
        IsBase64UrlAlphabet(secret).Should().BeTrue($"'{secret}' must use only the base64url alphabet without padding");
    }

    [Fact]
    public void a_created_secret_decodes_to_32_bytes()
    {
        var secret = RegistrationSecrets.CreateSecret();

        Base64Url.DecodeFromChars(secret).Should().HaveCount(32);
    }

    [Fact]
    public void two_created_secrets_differ()
    {
        RegistrationSecrets.CreateSecret().Should().NotBe(RegistrationSecrets.CreateSecret());
    }

    [Fact]
    public void a_created_client_id_is_128_bits_of_unpadded_base64url_and_unique()
    {
        var clientId = RegistrationSecrets.CreateClientId();

        clientId.Should().HaveLength(22);
        IsBase64UrlAlphabet(clientId).Should().BeTrue();
        Base64Url.DecodeFromChars(clientId).Should().HaveCount(16);
        RegistrationSecrets.CreateClientId().Should().NotBe(clientId);
    }

    [Fact]
    public void a_hash_starts_with_the_dcr_sha256_prefix_and_does_not_contain_the_secret()
    {
        var secret = RegistrationSecrets.CreateSecret();

        var hash = RegistrationSecrets.Hash(secret);

        hash.Should().StartWith("$dcr-sha256$");
        hash.Should().NotContain(secret);
        RegistrationSecrets.IsHash(hash).Should().BeTrue();
    }

    [Fact]
    public void a_hash_is_the_base64url_sha256_digest_of_the_utf8_secret()
    {
        const string Secret = "cf136dc3c1fc93f31185e5885805d";

        var hash = RegistrationSecrets.Hash(Secret);

        hash.Should().Be("$dcr-sha256$" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Secret))));
    }

    [Fact]
    public void hashing_is_deterministic_and_distinguishes_secrets()
    {
        RegistrationSecrets.Hash("secret-a").Should().Be(RegistrationSecrets.Hash("secret-a"));
        RegistrationSecrets.Hash("secret-a").Should().NotBe(RegistrationSecrets.Hash("secret-b"));
    }

    [Fact]
    public void hashing_a_null_or_empty_secret_throws()
    {
        var hashNull = () => RegistrationSecrets.Hash(null!);
        var hashEmpty = () => RegistrationSecrets.Hash(string.Empty);

        hashNull.Should().Throw<ArgumentNullException>();
        hashEmpty.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void verify_is_true_for_the_secret_that_was_hashed()
    {
        var secret = RegistrationSecrets.CreateSecret();

        RegistrationSecrets.Verify(secret, RegistrationSecrets.Hash(secret)).Should().BeTrue();
    }

    [Fact]
    public void verify_is_false_for_a_different_secret()
    {
        var hash = RegistrationSecrets.Hash(RegistrationSecrets.CreateSecret());

        RegistrationSecrets.Verify(RegistrationSecrets.CreateSecret(), hash).Should().BeFalse();
    }

    [Fact]
    public void verify_is_false_for_a_secret_differing_only_in_case_or_by_a_trailing_character()
    {
        const string Secret = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";
        var hash = RegistrationSecrets.Hash(Secret);

        RegistrationSecrets.Verify(Secret.ToUpperInvariant(), hash).Should().BeFalse();
        RegistrationSecrets.Verify(Secret + "x", hash).Should().BeFalse();
        RegistrationSecrets.Verify(Secret[..^1], hash).Should().BeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void verify_is_false_for_a_null_or_empty_secret(string? secret)
    {
        RegistrationSecrets.Verify(secret, RegistrationSecrets.Hash("anything")).Should().BeFalse();
    }

    [Fact]
    public void verify_is_false_for_a_null_hash()
    {
        RegistrationSecrets.Verify(RegistrationSecrets.CreateSecret(), null).Should().BeFalse();
    }

    [Theory]
    [InlineData("")]
    [InlineData("$dcr-sha256$")]
    [InlineData("$dcr-sha256$QUJD")]
    [InlineData("$dcr-sha256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg")]
    [InlineData("$DCR-SHA256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY")]
    [InlineData("$dcr-sha512$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY")]
    public void verify_is_false_for_a_malformed_hash(string storedHash)
    {
        RegistrationSecrets.Verify("secret", storedHash).Should().BeFalse();
    }

    [Theory]
    [InlineData("$dcr-sha256$!!!not-base64url!!!")]
    [InlineData("$dcr-sha256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZW*")]
    [InlineData("$dcr-sha256$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")]
    [InlineData("$dcr-sha256$QUJD REVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY")]
    public void verify_is_false_rather_than_throwing_for_a_prefixed_hash_with_characters_outside_base64url(string storedHash)
    {
        // The documented contract: "Returns false for a null or malformed hash." A stored value is not trusted to be
        // well formed (it may come from another tool, a migration or a corrupted row).
        var verify = () => RegistrationSecrets.Verify("secret", storedHash);

        verify.Should().NotThrow().Which.Should().BeFalse();
    }

    [Fact]
    public void verify_is_false_for_a_pbkdf2_looking_hash_such_as_openiddicts()
    {
        // The layout of OpenIddict's PBKDF2 format: version byte, PRF, iteration count, salt length, salt, subkey.
        var payload = new byte[61];
        payload[0] = 0x01;
        RandomNumberGenerator.Fill(payload.AsSpan(13));
        var pbkdf2Hash = Convert.ToBase64String(payload);

        RegistrationSecrets.IsHash(pbkdf2Hash).Should().BeFalse();
        RegistrationSecrets.Verify("secret", pbkdf2Hash).Should().BeFalse();
    }

    [Fact]
    public void verify_is_false_for_the_plain_secret_used_as_its_own_hash()
    {
        var secret = RegistrationSecrets.CreateSecret();

        RegistrationSecrets.Verify(secret, secret).Should().BeFalse();
    }
}
