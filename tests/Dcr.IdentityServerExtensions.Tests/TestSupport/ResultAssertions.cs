using Dcr.IdentityServerExtensions.Protocol;

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

    /// <summary>Asserts failure with exactly <paramref name="code"/> and returns the error.</summary>
    public static RegistrationError ShouldFailWith<T>(this RegistrationResult<T> result, string code)
    {
        result.Succeeded.Should().BeFalse("the step was expected to fail with '{0}'", code);
        result.Error!.Code.Should().Be(code);
        return result.Error;
    }
}
