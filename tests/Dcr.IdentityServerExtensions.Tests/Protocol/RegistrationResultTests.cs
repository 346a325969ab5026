using Dcr.IdentityServerExtensions.Protocol;

namespace Dcr.IdentityServerExtensions.Tests.Protocol;

public sealed class RegistrationResultTests
{
    [Fact]
    public void a_default_result_is_neither_a_success_nor_a_failure_and_reading_it_throws()
    {
        var result = default(RegistrationResult<string>);

        result.Invoking(r => r.Succeeded).Should().Throw<InvalidOperationException>();
        result.Invoking(r => r.Value).Should().Throw<InvalidOperationException>();
        result.Invoking(r => r.Error).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void a_result_made_from_a_value_is_a_success_carrying_that_value()
    {
        RegistrationResult<string> result = "value";

        result.Succeeded.Should().BeTrue();
        result.Value.Should().Be("value");
        result.Error.Should().BeNull();
    }

    [Fact]
    public void a_result_made_from_an_error_is_a_failure_carrying_that_error()
    {
        var error = RegistrationError.InvalidRequest("no");
        RegistrationResult<string> result = error;

        result.Succeeded.Should().BeFalse();
        result.Error.Should().BeSameAs(error);
        result.Value.Should().BeNull();
    }

    [Fact]
    public void neither_a_null_value_nor_a_null_error_makes_a_result()
    {
        var fromNullValue = () => (RegistrationResult<string>)(string)null!;
        var fromNullError = () => (RegistrationResult<string>)(RegistrationError)null!;

        fromNullValue.Should().Throw<ArgumentNullException>();
        fromNullError.Should().Throw<ArgumentNullException>();
    }
}
