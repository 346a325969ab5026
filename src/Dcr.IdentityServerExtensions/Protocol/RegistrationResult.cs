using System.Diagnostics.CodeAnalysis;

namespace Dcr.IdentityServerExtensions.Protocol;

/// <summary>
/// The outcome of one step of a registration request: either a value or a protocol error, never both.
/// Protocol failures travel as values, not exceptions, so every step says in its signature that it can fail.
/// </summary>
/// <remarks>
/// Only the two conversions make a result. <c>default(RegistrationResult&lt;T&gt;)</c> is neither a success nor a
/// failure: reading anything from it throws, so a result nobody set can never pass for a success.
/// </remarks>
/// <typeparam name="T">The type of the value on success.</typeparam>
public readonly struct RegistrationResult<T>
{
    private readonly T? _value;
    private readonly RegistrationError? _error;
    private readonly bool _initialized;

    private RegistrationResult(T? value, RegistrationError? error)
    {
        _value = value;
        _error = error;
        _initialized = true;
    }

    /// <summary>The value, when <see cref="Succeeded"/>.</summary>
    /// <exception cref="InvalidOperationException">The result is <see langword="default"/>.</exception>
    public T? Value => _initialized ? _value : throw Uninitialized();

    /// <summary>The error, when not <see cref="Succeeded"/>.</summary>
    /// <exception cref="InvalidOperationException">The result is <see langword="default"/>.</exception>
    public RegistrationError? Error => _initialized ? _error : throw Uninitialized();

    /// <summary>Whether the step succeeded.</summary>
    /// <exception cref="InvalidOperationException">The result is <see langword="default"/>.</exception>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => _initialized ? _error is null : throw Uninitialized();

    /// <summary>Converts a value into a successful result; a success always carries a value.</summary>
    public static implicit operator RegistrationResult<T>(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value, null);
    }

    /// <summary>Converts an error into a failed result.</summary>
    public static implicit operator RegistrationResult<T>(RegistrationError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(default, error);
    }

    private static InvalidOperationException Uninitialized() => new(
        $"This {nameof(RegistrationResult<T>)} was never set: make one from a value or a {nameof(RegistrationError)}, not with default.");
}
