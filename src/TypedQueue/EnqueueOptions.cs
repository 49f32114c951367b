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

    /// <summary>A caller-chosen key identifying this unit of work; stored with the task and visible to the handler.</summary>
    public string? IdempotencyKey { get; init; }
}
