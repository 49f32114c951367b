using System.Data.Common;
using System.Globalization;
using TypedQueue.Inspection;

namespace TypedQueue.Storage;

/// <summary>
/// How every store reads a task: for inspection (<see cref="Columns"/>, <see cref="Read"/>) and as a claim's RETURNING
/// list (<see cref="ClaimedColumns"/>, <see cref="ReadClaimed"/>; the SQLite store reads that list straight from its
/// statement instead, in the same order). <c>time</c> reads a stored instant the store's way (Unix ms, or timestamptz).
/// </summary>
internal static class TaskRows
{
    /// <summary>The columns of tq_tasks a store selects, in the order <see cref="Read"/> expects.</summary>
    public const string Columns =
        "id, name, queue, state, priority, payload, attempts, max_attempts, enqueued_at, run_at, started_at, finished_at, result, error_type, error_message, error_stack, idempotency_key";

    /// <summary>The task on the reader's current row; <paramref name="time"/> reads a stored instant the store's way.</summary>
    public static TaskInfo Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) => new()
    {
        Id = reader.GetInt64(0),
        Name = reader.GetString(1),
        Queue = reader.GetString(2),
        State = (TaskState)Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture), // INTEGER in SQLite, smallint in PostgreSQL
        Priority = reader.GetInt32(4),
        Payload = reader.GetString(5),
        Attempts = reader.GetInt32(6),
        MaxAttempts = reader.GetInt32(7),
        EnqueuedAt = time(reader, 8),
        ScheduledAt = time(reader, 9),
        StartedAt = reader.IsDBNull(10) ? null : time(reader, 10),
        FinishedAt = reader.IsDBNull(11) ? null : time(reader, 11),
        Result = reader.IsDBNull(12) ? null : reader.GetString(12),
        LastError = reader.IsDBNull(13) ? null : new TaskError(reader.GetString(13), reader.IsDBNull(14) ? "" : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15)),
        IdempotencyKey = reader.IsDBNull(16) ? null : reader.GetString(16),
    };

    /// <summary>The columns a claim returns, in the order <see cref="ReadClaimed"/> expects.</summary>
    public const string ClaimedColumns = "id, name, queue, priority, payload, attempts, max_attempts, enqueued_at, run_at, idempotency_key, trace_parent, trace_state";

    /// <summary>A row of a claim's RETURNING list (<see cref="ClaimedColumns"/>).</summary>
    public static ClaimedTask ReadClaimed(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) => new(
        Id: reader.GetInt64(0),
        Name: reader.GetString(1),
        Queue: reader.GetString(2),
        Priority: reader.GetInt32(3),
        Payload: reader.GetString(4),
        Attempt: reader.GetInt32(5),
        MaxAttempts: reader.GetInt32(6),
        EnqueuedAt: time(reader, 7),
        ScheduledAt: time(reader, 8),
        IdempotencyKey: reader.IsDBNull(9) ? null : reader.GetString(9),
        TraceParent: reader.IsDBNull(10) ? null : reader.GetString(10),
        TraceState: reader.IsDBNull(11) ? null : reader.GetString(11));
}
