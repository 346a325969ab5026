using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>Keeps every log entry of every category and level: the formatted message, the state values and any exception.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    public string AllText() => string.Join("\n", Entries.Select(entry => entry.ToString()));

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(pair => pair.Key, pair => Convert.ToString(pair.Value, System.Globalization.CultureInfo.InvariantCulture))
                : [];
            entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, string?> Values, string? Exception)
{
    public override string ToString() =>
        $"{Level} {Category}[{EventId.Id}] {Message} {string.Join(" ", Values.Select(pair => $"{pair.Key}={pair.Value}"))} {Exception}";
}
