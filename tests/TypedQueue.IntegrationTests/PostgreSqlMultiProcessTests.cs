using Npgsql;
using TypedQueue.Tests.Support;

namespace TypedQueue.IntegrationTests;

/// <summary>
/// The multi-process tests against one PostgreSQL server, each test in a fresh schema: the worker processes get
/// <c>pg:&lt;schema&gt;</c> and inherit TYPEDQUEUE_TEST_POSTGRES. Skipped without a server (failed under CI=true).
/// </summary>
public sealed class PostgreSqlMultiProcessTests : MultiProcessTests, IAsyncLifetime
{
    private readonly List<string> _schemas = [];

    protected override string NewStore(string folder)
    {
        _ = PostgresServer.ConnectionString; // skips (or fails under CI=true) without a server
        var schema = PostgresServer.NewSchema();
        _schemas.Add(schema);
        return "pg:" + schema;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var schema in _schemas)
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }

    protected override async Task<List<long>> IdsAsync(string db, string where)
    {
        var ids = new List<long>();
        await foreach (var row in QueryAsync(db, $"SELECT id FROM {{s}}.tq_tasks WHERE {where}"))
        {
            ids.Add(row.GetInt64(0));
        }

        return ids;
    }

    protected override async Task<long> CountAsync(string db, string where)
    {
        await foreach (var row in QueryAsync(db, $"SELECT count(*) FROM {{s}}.tq_tasks WHERE {where}"))
        {
            return row.GetInt64(0);
        }

        return 0;
    }

    protected override async Task<List<(long RunAt, long Tasks)>> TicksPerOccurrenceAsync(string db)
    {
        var perOccurrence = new List<(long RunAt, long Tasks)>();
        await foreach (var row in QueryAsync(db, "SELECT (extract(epoch FROM run_at) * 1000)::bigint, count(*) FROM {s}.tq_tasks WHERE name = 'tick' GROUP BY run_at ORDER BY run_at"))
        {
            perOccurrence.Add((row.GetInt64(0), row.GetInt64(1)));
        }

        return perOccurrence;
    }

    private static async IAsyncEnumerable<NpgsqlDataReader> QueryAsync(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{s}", $"\"{db[3..]}\"", StringComparison.Ordinal), connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return reader;
        }
    }
}
