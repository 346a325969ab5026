using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Testing;

namespace Dcr.IdentityServerExtensions.Tests.TestSupport;

internal static class ResultAssertions
{
    /// <summary>Asserts success and returns the value.</summary>
    public static T ShouldSucceed<T>(this RegistrationResult<T> result)
    {
        result.Error.Should().BeNull("the step was expected to succeed, but failed with {0}", result.Error?.Description);
        result.Succeeded.Should().BeTrue();
        return result.Value!;
    }

    /// <summary>
    /// Asserts failure with exactly <paramref name="code"/> and the description of exactly the rule
    /// <paramref name="id"/> (see <see cref="ErrorIds"/>), and returns the error.
    /// </summary>
    public static RegistrationError ShouldFailWith<T>(this RegistrationResult<T> result, string code, string? id)
    {
        result.Succeeded.Should().BeFalse("the step was expected to fail with '{0}' {1}", code, id);
        result.Error!.Code.Should().Be(code, result.Error.Description);
        result.Error.Description.ShouldEndWithId(id);
        return result.Error;
    }
}
