namespace TypedQueue.Inspection;

/// <summary>A snapshot of one stored task.</summary>
public sealed record TaskInfo
{
    /// <summary>The task id.</summary>
    public required long Id { get; init; }

    /// <summary>The stable task name.</summary>
    public required string Name { get; init; }

    /// <summary>The queue.</summary>
    public required string Queue { get; init; }

    /// <summary>The current state.</summary>
    public required TaskState State { get; init; }

    /// <summary>Priority (higher runs first).</summary>
    public required int Priority { get; init; }

    /// <summary>The payload as stored (JSON).</summary>
    public required string Payload { get; init; }

    /// <summary>Attempts started so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>Attempts allowed.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>When the task was enqueued (UTC).</summary>
    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>When the task is or was next due (UTC).</summary>
    public required DateTimeOffset ScheduledAt { get; init; }

    /// <summary>
    /// When the last attempt was claimed (UTC): when it started, or, for a task claimed ahead, up to 20 ms before its
    /// handler started (see <see cref="TypedQueueOptions.ClaimAhead"/>).
    /// </summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the task reached a final state (UTC).</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The handler's result as JSON, when it returned one.</summary>
    public string? Result { get; init; }

    /// <summary>The last failure, if any.</summary>
    public TaskError? LastError { get; init; }

    /// <summary>The idempotency key given at enqueue, if any.</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>A recorded failure.</summary>
/// <param name="Type">The exception type's full name, or a TypedQueue reason code.</param>
/// <param name="Message">The message.</param>
/// <param name="StackTrace">The stack trace, when there was one.</param>
public sealed record TaskError(string Type, string Message, string? StackTrace);
