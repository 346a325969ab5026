using Dcr.IdentityServerExtensions.Services;

namespace Dcr.IdentityServerExtensions.Tests.Services;

public sealed class InitialAccessTokenIdTests
{
    // SHA-256("abc"), the FIPS 180-2 test vector, in base64url without padding.
    private const string AbcHash = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";

    [Fact]
    public void a_token_with_a_jti_is_named_by_it()
    {
        InitialAccessTokenResult.IdentifyToken("5b0d7c34-1f4e-4a4b-9d0e-6a1f0c2b3d4e", "abc").Should().Be("5b0d7c34-1f4e-4a4b-9d0e-6a1f0c2b3d4e");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_token_without_a_jti_is_named_by_the_sha_256_of_the_token(string? jti)
    {
        InitialAccessTokenResult.IdentifyToken(jti, "abc").Should().Be(AbcHash);
        InitialAccessTokenResult.HashToken("abc").Should().Be(AbcHash);
    }

    [Fact]
    public void a_jti_longer_than_the_column_is_replaced_by_the_hash()
    {
        InitialAccessTokenResult.IdentifyToken(new string('j', InitialAccessTokenResult.MaxTokenIdLength), "abc").Should().HaveLength(200);
        InitialAccessTokenResult.IdentifyToken(new string('j', InitialAccessTokenResult.MaxTokenIdLength + 1), "abc").Should().Be(AbcHash);
    }
}
