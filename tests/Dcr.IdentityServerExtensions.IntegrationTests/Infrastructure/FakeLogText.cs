using Microsoft.Extensions.Logging.Testing;

namespace Dcr.IdentityServerExtensions.IntegrationTests.Infrastructure;

/// <summary>What a log holds as text, for tests that look for something that must never be logged.</summary>
public static class FakeLogText
{
    /// <summary>The record's message, its structured values and its exception.</summary>
    public static string AllText(this FakeLogRecord record) =>
        $"{record.Level} {record.Category}[{record.Id.Id}] {record.Message} "
        + $"{string.Join(" ", (record.StructuredState ?? []).Select(pair => $"{pair.Key}={pair.Value}"))} {record.Exception}";

    /// <summary>Every record collected so far, one a line.</summary>
    public static string AllText(this FakeLogCollector logs) => string.Join("\n", logs.GetSnapshot().Select(AllText));
}
