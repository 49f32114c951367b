using System.Text.Json;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Output;

/// <summary>Counts per state, one property each so scripts can read <c>.dead</c> directly.</summary>
internal sealed class StateCountsJson
{
    public long Scheduled { get; set; }

    public long Pending { get; set; }

    public long Running { get; set; }

    public long Succeeded { get; set; }

    public long Dead { get; set; }

    public long Cancelled { get; set; }

    public long Total => Scheduled + Pending + Running + Succeeded + Dead + Cancelled;

    public long Get(TaskState state) => state switch
    {
        TaskState.Scheduled => Scheduled,
        TaskState.Pending => Pending,
        TaskState.Running => Running,
        TaskState.Succeeded => Succeeded,
        TaskState.Dead => Dead,
        TaskState.Cancelled => Cancelled,
        _ => 0,
    };

    public void Add(TaskState state, long count)
    {
        switch (state)
        {
            case TaskState.Scheduled: Scheduled += count; break;
            case TaskState.Pending: Pending += count; break;
            case TaskState.Running: Running += count; break;
            case TaskState.Succeeded: Succeeded += count; break;
            case TaskState.Dead: Dead += count; break;
            case TaskState.Cancelled: Cancelled += count; break;
        }
    }
}

/// <summary>One queue's counts and whether it is paused (workers leave its pending tasks alone).</summary>
internal sealed record QueueStatsJson(string Queue, bool Paused, DateTimeOffset? PausedAt, StateCountsJson Counts)
{
    public long Total => Counts.Total;
}

/// <summary>The output of <c>stats</c> and of each <c>watch</c> refresh.</summary>
internal sealed record StatsJson(string Database, DateTimeOffset At, IReadOnlyList<QueueStatsJson> Queues, StateCountsJson Totals)
{
    public long Total => Totals.Total;

    /// <summary>Counts per queue; queues that are paused (or were paused once) appear even with no tasks.</summary>
    public static StatsJson From(string database, DateTimeOffset at, TaskStatistics statistics, IReadOnlyList<QueueInfo> queueStates)
    {
        var queues = new SortedDictionary<string, StateCountsJson>(StringComparer.Ordinal);
        var totals = new StateCountsJson();
        foreach (var row in statistics.Counts)
        {
            if (!queues.TryGetValue(row.Queue, out var counts))
            {
                queues[row.Queue] = counts = new StateCountsJson();
            }

            counts.Add(row.State, row.Count);
            totals.Add(row.State, row.Count);
        }

        var states = queueStates.ToDictionary(static q => q.Name, StringComparer.Ordinal);
        foreach (var state in queueStates.Where(static q => q.IsPaused))
        {
            queues.TryAdd(state.Name, new StateCountsJson());
        }

        return new StatsJson(database, at, [.. queues.Select(q => states.TryGetValue(q.Key, out var state)
            ? new QueueStatsJson(q.Key, state.IsPaused, state.PausedAt, q.Value)
            : new QueueStatsJson(q.Key, false, null, q.Value))], totals);
    }
}

/// <summary>A recorded failure.</summary>
internal sealed record ErrorJson(string Type, string Message, string? StackTrace);

/// <summary>One task as <c>show</c> and <c>list</c> print it; payload and result are embedded as JSON, not as strings.</summary>
internal sealed record TaskJson
{
    public required long Id { get; init; }

    public required string Name { get; init; }

    public required string Queue { get; init; }

    public required TaskState State { get; init; }

    public required int Priority { get; init; }

    public required int Attempts { get; init; }

    public required int MaxAttempts { get; init; }

    public required DateTimeOffset EnqueuedAt { get; init; }

    public required DateTimeOffset ScheduledAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? IdempotencyKey { get; init; }

    public required JsonElement Payload { get; init; }

    public JsonElement? Result { get; init; }

    public ErrorJson? Error { get; init; }

    public static TaskJson From(TaskInfo task) => new()
    {
        Id = task.Id,
        Name = task.Name,
        Queue = task.Queue,
        State = task.State,
        Priority = task.Priority,
        Attempts = task.Attempts,
        MaxAttempts = task.MaxAttempts,
        EnqueuedAt = task.EnqueuedAt,
        ScheduledAt = task.ScheduledAt,
        StartedAt = task.StartedAt,
        FinishedAt = task.FinishedAt,
        IdempotencyKey = task.IdempotencyKey,
        Payload = CliJson.ToElement(task.Payload),
        Result = task.Result is null ? null : CliJson.ToElement(task.Result),
        Error = task.LastError is { } e ? new ErrorJson(e.Type, e.Message, e.StackTrace) : null,
    };
}

/// <summary>One page of <c>list</c>; <see cref="NextAfter"/> is the <c>--after</c> value for the next page, null on the last.</summary>
internal sealed record TaskListJson(IReadOnlyList<TaskJson> Tasks, long? NextAfter);

/// <summary>What <c>retry</c> or <c>cancel</c> did to one task.</summary>
internal sealed record TaskChangeJson(long Id, string Outcome, TaskState? State);

/// <summary>What <c>pause</c> or <c>resume</c> did: the queue's state now, and whether this call changed it.</summary>
internal sealed record QueuePauseJson(string Queue, bool Paused, bool Changed);

/// <summary>What <c>purge</c> deleted.</summary>
internal sealed record PurgeJson(DateTimeOffset FinishedBefore, int Deleted);

/// <summary>What <c>backup</c> wrote.</summary>
internal sealed record BackupJson(string Source, string Target, long Pages, long Bytes, long ElapsedMilliseconds);

/// <summary>What <c>dashboard --json</c> prints, on one line, once it listens.</summary>
internal sealed record DashboardJson(string Database, IReadOnlyList<string> Urls, bool AllowActions);
