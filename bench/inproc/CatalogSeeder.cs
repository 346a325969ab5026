using System.Buffers.Text;
using Microsoft.Data.Sqlite;

namespace Dcr.Bench.InProcess;

/// <summary>
/// Grows a host's client tables fast: clones of real registrations, inserted into both tables the product keeps per
/// client (OpenIddict's <c>OpenIddictApplications</c> and the catalog <c>DcrClients</c>) with two prepared commands in
/// one transaction. Each clone gets its own ids and name, a creation time spread over the past year, a last use (or
/// none), and one of a hundred callers and "teams", so that keyset paging and the filters meet realistic data.
/// </summary>
internal static class CatalogSeeder
{
    public const int Callers = 100;

    public static string Caller(int index) => $"bench-caller-{index % Callers:D2}";

    public static string Team(int index) => $"team {index % Callers:D2})";

    public static async Task SeedAsync(string connectionString, IReadOnlyList<string> templateClientIds, int count, DateTimeOffset now)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var applications = await TemplatesAsync(connection, "OpenIddictApplications", templateClientIds);
        var catalog = await TemplatesAsync(connection, "DcrClients", templateClientIds);

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insertApplication = Insert(connection, transaction, "OpenIddictApplications", applications.Columns);
        await using var insertCatalog = Insert(connection, transaction, "DcrClients", catalog.Columns);

        // Fixed seed: the same data on every run.
        var random = new Random(19);
        var idBytes = new byte[16];
        var end = now.ToUnixTimeSeconds();
        const long year = 365L * 24 * 3600;
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(idBytes);
            var clientId = Base64Url.EncodeToString(idBytes);
            var name = $"Bench client {i:D6} ({Team(i)}";
            var issuedAt = end - random.NextInt64(year);
            object lastUsedAt = random.Next(10) < 3 ? DBNull.Value : issuedAt + random.NextInt64(end - issuedAt + 1);

            var template = i % templateClientIds.Count;
            Fill(insertApplication, applications.Columns, applications.Rows[template], column => column switch
            {
                "Id" => Guid.NewGuid().ToString(),
                "ClientId" => clientId,
                "ConcurrencyToken" => Guid.NewGuid().ToString(),
                "DisplayName" => name,
                _ => null,
            });
            Fill(insertCatalog, catalog.Columns, catalog.Rows[template], column => column switch
            {
                "ClientId" => clientId,
                "ClientName" => name,
                "SearchText" => (name + "\n" + clientId).ToLowerInvariant(),
                "ClientIdIssuedAt" => issuedAt,
                "LastUsedAt" => lastUsedAt,
                "CreatedBy" => Caller(i),
                "InitialAccessTokenId" => $"bench-initial-access-token-{i / 100}",
                _ => null,
            });
            await insertApplication.ExecuteNonQueryAsync();
            await insertCatalog.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private sealed record Templates(IReadOnlyList<string> Columns, IReadOnlyList<object[]> Rows);

    private static async Task<Templates> TemplatesAsync(SqliteConnection connection, string table, IReadOnlyList<string> clientIds)
    {
        var rows = new List<object[]>();
        IReadOnlyList<string> columns = [];
        foreach (var clientId in clientIds)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" WHERE \"ClientId\" = $id";
            select.Parameters.AddWithValue("$id", clientId);
            await using var reader = await select.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"{table} has no row for the template client {clientId}");
            }

            columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(values);
        }

        return new Templates(columns, rows);
    }

    private static SqliteCommand Insert(SqliteConnection connection, SqliteTransaction transaction, string table, IReadOnlyList<string> columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(column => $"\"{column}\""))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, index) => $"$p{index}"))})";
        for (var index = 0; index < columns.Count; index++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{index}", null));
        }

        command.Prepare();
        return command;
    }

    private static void Fill(SqliteCommand command, IReadOnlyList<string> columns, object[] template, Func<string, object?> replacement)
    {
        for (var index = 0; index < columns.Count; index++)
        {
            command.Parameters[index].Value = replacement(columns[index]) ?? template[index];
        }
    }
}
