namespace TypedQueue.Scheduling;

/// <summary>A recurring entry as stored: what it enqueues, on which schedule, and when it runs next.</summary>
public sealed record RecurringTaskInfo
{
    /// <summary>The entry's id.</summary>
    public required string Id { get; init; }

    /// <summary>The wire name of the task each occurrence enqueues.</summary>
    public required string TaskName { get; init; }

    /// <summary>The cron expression.</summary>
    public required string Cron { get; init; }

    /// <summary>The id of the time zone the expression is read in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>The next occurrence, UTC; <see cref="DateTimeOffset.MaxValue"/> when the expression has none left.</summary>
    public required DateTimeOffset NextRunAt { get; init; }

    /// <summary>The last occurrence a task was enqueued for, UTC.</summary>
    public DateTimeOffset? LastRunAt { get; init; }

    /// <summary>The entry's own catch-up policy; null follows <see cref="TypedQueueOptions.CatchUp"/>.</summary>
    public RecurringCatchUp? CatchUp { get; init; }

    /// <summary>True when the entry comes from <c>[QueueTask(Cron = ...)]</c> (re-synced at each worker start), false when added through <see cref="IRecurringTasks"/>.</summary>
    public bool IsDeclared { get; init; }
}
