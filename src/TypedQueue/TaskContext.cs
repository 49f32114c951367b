namespace TypedQueue;

/// <summary>What a running handler may know about its task.</summary>
public sealed class TaskContext
{
    /// <summary>Creates a context; the worker builds one per attempt.</summary>
    public TaskContext(long id, string name, string queue, int attempt, int maxAttempts, DateTimeOffset enqueuedAt, DateTimeOffset scheduledAt, string? idempotencyKey)
    {
        Id = id;
        Name = name;
        Queue = queue;
        Attempt = attempt;
        MaxAttempts = maxAttempts;
        EnqueuedAt = enqueuedAt;
        ScheduledAt = scheduledAt;
        IdempotencyKey = idempotencyKey;
    }

    /// <summary>The task id, stable across attempts: a natural idempotency key for side effects.</summary>
    public long Id { get; }

    /// <summary>The stable task name.</summary>
    public string Name { get; }

    /// <summary>The queue the task was placed on.</summary>
    public string Queue { get; }

    /// <summary>The current attempt, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>The attempt after which a failure dead-letters the task.</summary>
    public int MaxAttempts { get; }

    /// <summary>When the task was enqueued (UTC).</summary>
    public DateTimeOffset EnqueuedAt { get; }

    /// <summary>When this attempt was due (UTC).</summary>
    public DateTimeOffset ScheduledAt { get; }

    /// <summary>The idempotency key given at enqueue, if any.</summary>
    public string? IdempotencyKey { get; }
}
