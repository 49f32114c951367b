namespace TypedQueue;

/// <summary>Marks a method as a queued task handler; the generator emits <c>Tasks.&lt;Method&gt;</c> for it.</summary>
/// <remarks>
/// A handler takes one payload parameter and, optionally, a <see cref="CancellationToken"/> and a
/// <see cref="TaskContext"/>. It returns <see cref="Task"/>, <see cref="ValueTask"/>, <c>void</c>, or a result
/// (<c>Task&lt;T&gt;</c>, <c>ValueTask&lt;T&gt;</c>, <c>T</c>) that is stored as JSON.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class QueueTaskAttribute : Attribute
{
    /// <summary>Default for <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>Default for <see cref="Queue"/>.</summary>
    public const string DefaultQueue = "default";

    /// <summary>
    /// The stable wire name stored with each task. Defaults to the method name; set it explicitly so that renaming
    /// the method does not orphan tasks already queued.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Higher values run first. See <see cref="TaskPriority"/> for named levels.</summary>
    public int Priority { get; set; } = TaskPriority.Normal;

    /// <summary>How many times the task may run before it is dead-lettered (at least 1).</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>
    /// How long one attempt may run, in seconds, before its <see cref="CancellationToken"/> fires and the attempt
    /// counts as failed (and is retried). 0 uses <c>TypedQueueOptions.DefaultTimeout</c>.
    /// </summary>
    public double TimeoutSeconds { get; set; }

    /// <summary>
    /// Derive an idempotency key from the payload when the caller gives none: enqueuing an equal payload again returns
    /// the existing task's id while that task is unfinished (or within <see cref="UniqueForSeconds"/> after).
    /// </summary>
    public bool UniqueByPayload { get; set; }

    /// <summary>How many seconds after a task with an idempotency key finishes its key still turns duplicates away (0: only while unfinished).</summary>
    public double UniqueForSeconds { get; set; }

    /// <summary>The queue the task is placed on.</summary>
    public string Queue { get; set; } = DefaultQueue;

    /// <summary>
    /// Makes the task recurring: a cron expression (5 fields, 6 with seconds first, or a macro such as <c>@daily</c>).
    /// The handler's payload must be <see cref="ScheduledOccurrence"/>; the worker enqueues one task per occurrence.
    /// </summary>
    public string? Cron { get; set; }

    /// <summary>The time zone <see cref="Cron"/> is read in (an IANA or Windows id); UTC when not set.</summary>
    public string? CronTimeZone { get; set; }

    /// <summary>
    /// The most tasks of this name that may start per <see cref="RateLimitPeriodSeconds"/>, across every worker on the
    /// database (for throttled external APIs). 0: no limit.
    /// </summary>
    public int RateLimit { get; set; }

    /// <summary>The window, in seconds, that <see cref="RateLimit"/> counts starts in. Default 1.</summary>
    public double RateLimitPeriodSeconds { get; set; } = 1;
}
