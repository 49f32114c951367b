using System.Data.Common;

namespace TypedQueue.Storage;

/// <summary>How every store reads a recurring entry: the columns it selects, in order, and the row they make.</summary>
internal static class RecurringRows
{
    /// <summary>The columns of tq_recurring a store selects, in the order <see cref="Read"/> expects.</summary>
    public const string Columns = "id, name, queue, priority, max_attempts, cron, time_zone, payload, catch_up, source, next_run_at, last_run_at";

    /// <summary>The entry on the reader's current row; <paramref name="time"/> reads a stored instant the store's way.</summary>
    public static RecurringRow Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) => new(
        Id: reader.GetString(0),
        Name: reader.GetString(1),
        Queue: reader.GetString(2),
        Priority: reader.GetInt32(3),
        MaxAttempts: reader.GetInt32(4),
        Cron: reader.GetString(5),
        TimeZone: reader.GetString(6),
        Payload: reader.IsDBNull(7) ? null : reader.GetString(7),
        CatchUp: reader.IsDBNull(8) ? null : (Scheduling.RecurringCatchUp)reader.GetInt32(8),
        IsDeclared: reader.GetString(9) == "attribute",
        NextRunAt: time(reader, 10),
        LastRunAt: reader.IsDBNull(11) ? null : time(reader, 11));
}
