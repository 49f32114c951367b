namespace TypedQueue;

/// <summary>Per-call options for an enqueue.</summary>
public sealed record EnqueueOptions
{
    /// <summary>Run no earlier than this long after the enqueue. Ignored when <see cref="RunAt"/> is set.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Run no earlier than this instant.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Overrides the handler's priority for this task (higher runs first).</summary>
    public int? Priority { get; init; }

    /// <summary>
    /// A caller-chosen key identifying this unit of work. While a task of the same name holds the key (unfinished, or
    /// within its unique window after finishing), enqueuing again creates nothing and returns that task's id. The key is
    /// stored with the task and visible to the handler.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Overrides the handler's unique window: how long after the task finishes its key still turns duplicates away.</summary>
    public TimeSpan? UniqueFor { get; init; }
}
