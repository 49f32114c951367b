using Microsoft.Data.Sqlite;

namespace TypedQueue.Storage.Sqlite;

/// <summary>Recurring (cron) entries: saving, syncing the declared ones, and firing due occurrences.</summary>
internal sealed partial class SqliteTaskStore
{
    /// <summary>How long after its task finishes an occurrence's key still refuses a second task for that occurrence.</summary>
    private static readonly TimeSpan OccurrenceKeyWindow = TimeSpan.FromDays(1);

    private const string RecurringColumns = RecurringRows.Columns;

    private const string UpsertRecurringSql = """
        INSERT INTO tq_recurring (id, name, queue, priority, max_attempts, cron, time_zone, payload, catch_up, source, next_run_at)
        VALUES ($id, $name, $queue, $priority, $max_attempts, $cron, $zone, $payload, $catch_up, $source, $next)
        ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, queue = excluded.queue, priority = excluded.priority, max_attempts = excluded.max_attempts,
            payload = excluded.payload, catch_up = excluded.catch_up, source = excluded.source,
            next_run_at = CASE WHEN cron = excluded.cron AND time_zone = excluded.time_zone THEN next_run_at ELSE excluded.next_run_at END,
            cron = excluded.cron, time_zone = excluded.time_zone
        """;

    public Task UpsertRecurringAsync(RecurringRow entry, CancellationToken cancellationToken) =>
        WriteAsync("save a recurring task", async connection =>
        {
            await UpsertRecurringCoreAsync(connection, entry, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    public Task SyncDeclaredRecurringAsync(IReadOnlyList<RecurringRow> declared, CancellationToken cancellationToken) =>
        WriteAsync("save declared recurring tasks", async connection =>
        {
            foreach (var entry in declared)
            {
                await UpsertRecurringCoreAsync(connection, entry, cancellationToken).ConfigureAwait(false);
            }

            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM tq_recurring WHERE source = 'attribute' AND id NOT IN (SELECT value FROM json_each($ids))";
            command.Parameters.AddWithValue("$ids", JsonArray(declared.Select(d => d.Id)));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    private static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static async Task UpsertRecurringCoreAsync(SqliteConnection connection, RecurringRow entry, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = UpsertRecurringSql;
        command.Parameters.AddWithValue("$id", entry.Id);
        command.Parameters.AddWithValue("$name", entry.Name);
        command.Parameters.AddWithValue("$queue", entry.Queue);
        command.Parameters.AddWithValue("$priority", (long)entry.Priority);
        command.Parameters.AddWithValue("$max_attempts", (long)entry.MaxAttempts);
        command.Parameters.AddWithValue("$cron", entry.Cron);
        command.Parameters.AddWithValue("$zone", entry.TimeZone);
        command.Parameters.AddWithValue("$payload", (object?)entry.Payload ?? DBNull.Value);
        command.Parameters.AddWithValue("$catch_up", entry.CatchUp is { } c ? (long)c : DBNull.Value);
        command.Parameters.AddWithValue("$source", entry.IsDeclared ? "attribute" : "api");
        command.Parameters.AddWithValue("$next", entry.NextRunAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> DeleteRecurringAsync(string id, CancellationToken cancellationToken) =>
        WriteAsync("remove a recurring task", async connection =>
            await ExecuteAsync(connection, null, "DELETE FROM tq_recurring WHERE id = $id", cancellationToken, ("$id", id)).ConfigureAwait(false) == 1,
            cancellationToken);

    public Task<IReadOnlyList<RecurringRow>> ListRecurringAsync(CancellationToken cancellationToken) =>
        ReadAsync("read recurring tasks", connection => ReadRecurringAsync(connection, $"SELECT {RecurringColumns} FROM tq_recurring ORDER BY id", null, cancellationToken), cancellationToken);

    public Task<DateTimeOffset?> NextRecurringAtAsync(CancellationToken cancellationToken) =>
        ReadAsync("read recurring tasks", async connection =>
            await ScalarAsync(connection, null, "SELECT min(next_run_at) FROM tq_recurring", cancellationToken).ConfigureAwait(false) is long ms ? FromMs(ms) : (DateTimeOffset?)null,
            cancellationToken);

    public Task<IReadOnlyList<RecurringFiring>> FireDueRecurringAsync(DateTimeOffset now, Func<RecurringRow, DateTimeOffset, RecurringPlan?> plan, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<RecurringFiring>>("enqueue recurring tasks", async connection =>
        {
            // Read inside the write transaction: another process that fired first has already advanced next_run_at.
            var due = await ReadRecurringAsync(connection, $"SELECT {RecurringColumns} FROM tq_recurring WHERE next_run_at <= $now ORDER BY next_run_at, id", now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            var firings = new List<RecurringFiring>(due.Count);
            foreach (var entry in due)
            {
                if (plan(entry, now) is not { } decided)
                {
                    continue;
                }

                var ids = new List<long>(decided.Runs.Count);
                DateTimeOffset? last = null;
                foreach (var run in decided.Runs)
                {
                    var at = run.At.ToUnixTimeMilliseconds();
                    ids.Add(await InsertOneAsync(connection, new NewTask(
                        entry.Name, entry.Queue, entry.Priority, entry.MaxAttempts, run.Payload, now, run.At,
                        $"cron:{entry.Id}:{at.ToString(System.Globalization.CultureInfo.InvariantCulture)}", OccurrenceKeyWindow)).ConfigureAwait(false));
                    last = last is { } l && l > run.At ? l : run.At;
                }

                await ExecuteAsync(connection, null, "UPDATE tq_recurring SET next_run_at = $next, last_run_at = COALESCE($last, last_run_at) WHERE id = $id", cancellationToken,
                    ("$next", decided.NextRunAt.ToUnixTimeMilliseconds()), ("$last", last is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value), ("$id", entry.Id)).ConfigureAwait(false);
                firings.Add(new RecurringFiring(entry.Id, entry.Name, ids, [.. decided.Runs.Select(r => r.At)], decided.NextRunAt));
            }

            return firings;
        }, cancellationToken);

    private static async Task<IReadOnlyList<RecurringRow>> ReadRecurringAsync(SqliteConnection connection, string sql, long? now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (now is { } n)
        {
            command.Parameters.AddWithValue("$now", n);
        }

        var rows = new List<RecurringRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(RecurringRows.Read(reader, ReadTime));
        }

        return rows;
    }
}
