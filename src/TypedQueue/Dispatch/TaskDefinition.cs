using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TypedQueue.Dispatch;

/// <summary>One entry of the dispatch table: a stable task name and how to run it. Emitted by the generator.</summary>
public abstract class TaskDefinition
{
    private protected TaskDefinition(string name, string queue, int priority, int maxAttempts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, TaskPriority.Min);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, TaskPriority.Max);
        Name = name;
        Queue = queue;
        Priority = priority;
        MaxAttempts = maxAttempts;
    }

    /// <summary>The stable wire name stored with each task.</summary>
    public string Name { get; }

    /// <summary>The default queue.</summary>
    public string Queue { get; }

    /// <summary>The default priority (higher runs first).</summary>
    public int Priority { get; }

    /// <summary>How many attempts before the task is dead-lettered.</summary>
    public int MaxAttempts { get; }

    /// <summary>How long one attempt may run before its cancellation token fires; null uses <see cref="TypedQueueOptions.DefaultTimeout"/>.</summary>
    public TimeSpan? Timeout
    {
        get;
        init => field = value is null || value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout must be positive.");
    }

    /// <summary>
    /// When true, a task without an explicit idempotency key gets one derived from its payload (a SHA-256 of the JSON),
    /// so enqueuing the same payload twice while the first is unfinished (or within <see cref="UniqueFor"/>) returns the
    /// first task's id.
    /// </summary>
    public bool UniqueByPayload { get; init; }

    /// <summary>How long after a task with an idempotency key finishes its key still turns duplicates away (default: not at all).</summary>
    public TimeSpan UniqueFor
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A unique window cannot be negative.");
    }

    /// <summary>The cron expression of a task declared recurring with <c>[QueueTask(Cron = ...)]</c>; null for ordinary tasks.</summary>
    public string? Cron { get; init; }

    /// <summary>The time zone id <see cref="Cron"/> is read in; null is UTC.</summary>
    public string? CronTimeZone { get; init; }

    /// <summary>The most tasks of this name that may start per <see cref="RateLimitPeriod"/> across every worker; null: no limit.</summary>
    public int? RateLimit
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A rate limit must allow at least 1 start.");
    }

    /// <summary>The window <see cref="RateLimit"/> counts starts in (default 1 second).</summary>
    public TimeSpan RateLimitPeriod
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A rate limit period must be positive.");
    } = TimeSpan.FromSeconds(1);

    /// <summary>Deserializes the payload and runs the handler; returns the result as JSON, or null when there is none.</summary>
    /// <exception cref="TaskPayloadException">The stored payload cannot be read as this task's payload type.</exception>
    public abstract ValueTask<string?> InvokeAsync(IServiceProvider services, string payloadJson, TaskContext context, CancellationToken cancellationToken);
}

/// <summary>Runs a handler with a deserialized payload and returns its result as JSON (or null).</summary>
public delegate ValueTask<string?> TaskInvoker<in TPayload>(IServiceProvider services, TPayload payload, TaskContext context, CancellationToken cancellationToken);

/// <summary>A task definition with a typed payload and its source-generated JSON metadata.</summary>
public sealed class TaskDefinition<TPayload> : TaskDefinition
{
    private readonly TaskInvoker<TPayload> _invoker;

    /// <summary>Creates a definition; called by generated code.</summary>
    public TaskDefinition(string name, string queue, int priority, int maxAttempts, JsonTypeInfo<TPayload> payloadTypeInfo, TaskInvoker<TPayload> invoker)
        : base(name, queue, priority, maxAttempts)
    {
        PayloadTypeInfo = payloadTypeInfo ?? throw new ArgumentNullException(nameof(payloadTypeInfo));
        _invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));
    }

    /// <summary>Reflection-free JSON metadata for the payload.</summary>
    public JsonTypeInfo<TPayload> PayloadTypeInfo { get; }

    /// <summary>Serializes a payload as it is stored.</summary>
    public string SerializePayload(TPayload payload) => JsonSerializer.Serialize(payload, PayloadTypeInfo);

    /// <inheritdoc />
    public override ValueTask<string?> InvokeAsync(IServiceProvider services, string payloadJson, TaskContext context, CancellationToken cancellationToken)
    {
        TPayload payload;
        try
        {
            payload = JsonSerializer.Deserialize(payloadJson, PayloadTypeInfo)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new TaskPayloadException($"The payload of task {context.Id} ('{Name}') cannot be read as {typeof(TPayload).Name}: {ex.Message}", ex);
        }

        return _invoker(services, payload, context, cancellationToken);
    }
}
