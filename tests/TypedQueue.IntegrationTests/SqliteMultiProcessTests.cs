using Microsoft.Data.Sqlite;

namespace TypedQueue.IntegrationTests;

/// <summary>The multi-process tests on one SQLite file.</summary>
public sealed class SqliteMultiProcessTests : MultiProcessTests
{
    protected override string NewStore(string folder) => Path.Combine(folder, "tasks.db");

    protected override async Task<List<long>> IdsAsync(string db, string where)
    {
        await using var connection = new SqliteConnection($"Data Source={db}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id FROM tq_tasks WHERE {where}";
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    protected override async Task<long> CountAsync(string db, string where)
    {
        await using var connection = new SqliteConnection($"Data Source={db}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM tq_tasks WHERE {where}";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override async Task<List<(long RunAt, long Tasks)>> TicksPerOccurrenceAsync(string db)
    {
        var perOccurrence = new List<(long RunAt, long Tasks)>();
        await using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_at, count(*) FROM tq_tasks WHERE name = 'tick' GROUP BY run_at ORDER BY run_at";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            perOccurrence.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return perOccurrence;
    }
}
