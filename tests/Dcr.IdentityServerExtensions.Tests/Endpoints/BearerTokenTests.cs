using Dcr.IdentityServerExtensions.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dcr.IdentityServerExtensions.Tests.Endpoints;

public sealed class BearerTokenTests
{
    [Theory]
    [InlineData("Bearer t")]
    [InlineData("bearer t")]
    [InlineData("BEARER t")]
    [InlineData("Bearer   t  ")]
    [InlineData("  Bearer t")]
    public void the_bearer_scheme_is_matched_in_any_letter_case_and_the_token_is_trimmed(string header)
    {
        BearerToken.Read(Request(header)).Should().Be("t");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer    ")]
    [InlineData("Bearert")]
    [InlineData("Basic dDp0")]
    [InlineData("Token t")]
    public void a_header_without_a_bearer_token_reads_as_none(string header)
    {
        BearerToken.Read(Request(header)).Should().BeNull();
    }

    [Fact]
    public void no_authorization_header_or_more_than_one_reads_as_none()
    {
        BearerToken.Read(new DefaultHttpContext().Request).Should().BeNull();
        BearerToken.Read(Request(new StringValues(["Bearer a", "Bearer b"]))).Should().BeNull();
    }

    private static HttpRequest Request(StringValues authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        return context.Request;
    }
}
