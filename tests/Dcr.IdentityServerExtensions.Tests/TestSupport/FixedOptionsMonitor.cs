using Microsoft.Extensions.Options;

namespace Dcr.IdentityServerExtensions.Tests.TestSupport;

/// <summary>An <see cref="IOptionsMonitor{TOptions}"/> that always returns the same instance and never changes.</summary>
internal sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
