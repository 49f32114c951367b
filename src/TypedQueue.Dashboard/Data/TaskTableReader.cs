using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TypedQueue.Hosting;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Data;

/// <summary>
/// A read-only query on the documented <c>tq_tasks</c> table for what <see cref="ITaskQueue"/> does not offer: finished
/// tasks per minute. Never writes and never creates the file.
/// </summary>
internal sealed class TaskTableReader(IOptions<TypedQueueOptions> options)
{
    private readonly string _connectionString = ReadOnlyConnectionString(options.Value);

    /// <summary>Tasks that reached a final state in each of the <paramref name="minutes"/> whole minutes up to <paramref name="now"/>, oldest first.</summary>
    public async Task<ThroughputMinute[]> ReadThroughputAsync(DateTimeOffset now, int minutes, CancellationToken cancellationToken)
    {
        var lastMinute = now.ToUnixTimeMilliseconds() / 60_000;
        var firstMinute = lastMinute - minutes + 1;
        var buckets = new ThroughputMinute[minutes];
        for (var i = 0; i < minutes; i++)
        {
            buckets[i] = new ThroughputMinute(DateTimeOffset.FromUnixTimeMilliseconds((firstMinute + i) * 60_000), 0, 0, 0);
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // "state >= 3" lets SQLite walk the partial index on finished_at.
        command.CommandText = """
            SELECT finished_at / 60000 AS minute, state, COUNT(*) FROM tq_tasks
            WHERE state >= 3 AND finished_at >= $since
            GROUP BY minute, state
            """;
        command.Parameters.AddWithValue("$since", firstMinute * 60_000);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var index = reader.GetInt64(0) - firstMinute;
            if (index < 0 || index >= minutes)
            {
                continue;
            }

            var count = reader.GetInt64(2);
            var bucket = buckets[index];
            buckets[index] = (TaskState)reader.GetInt64(1) switch
            {
                TaskState.Succeeded => bucket with { Succeeded = bucket.Succeeded + count },
                TaskState.Dead => bucket with { Dead = bucket.Dead + count },
                _ => bucket with { Cancelled = bucket.Cancelled + count },
            };
        }

        return buckets;
    }

    private static string ReadOnlyConnectionString(TypedQueueOptions options)
    {
        var builder = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(options.DatabasePath) }
            : new SqliteConnectionStringBuilder(options.ConnectionString);
        builder.Mode = SqliteOpenMode.ReadOnly;
        return builder.ToString();
    }
}

/// <summary>Tasks that finished in one minute, by final state.</summary>
internal readonly record struct ThroughputMinute(DateTimeOffset Start, long Succeeded, long Dead, long Cancelled)
{
    public long Total => Succeeded + Dead + Cancelled;
}
