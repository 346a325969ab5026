using System.Diagnostics.CodeAnalysis;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// The outcome of one step of a registration request: either a value or a protocol error, never both.
/// Protocol failures travel as values, not exceptions, so every step says in its signature that it can fail.
/// </summary>
/// <typeparam name="T">The type of the value on success.</typeparam>
public readonly struct RegistrationResult<T>
{
    private RegistrationResult(T? value, RegistrationError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value, when <see cref="Succeeded"/>.</summary>
    public T? Value { get; }

    /// <summary>The error, when not <see cref="Succeeded"/>.</summary>
    public RegistrationError? Error { get; }

    /// <summary>Whether the step succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>Converts a value into a successful result.</summary>
    public static implicit operator RegistrationResult<T>(T value) => new(value, null);

    /// <summary>Converts an error into a failed result.</summary>
    public static implicit operator RegistrationResult<T>(RegistrationError error) => new(default, error);
}
