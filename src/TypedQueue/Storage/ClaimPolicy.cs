using TypedQueue.Dispatch;

namespace TypedQueue.Storage;

/// <summary>
/// What a claim must respect beyond free slots: how slots are shared between queues, each queue's order, and the rate
/// limits per queue and per task name. Built once per worker from the options and the task definitions.
/// </summary>
internal sealed class ClaimPolicy
{
    private static readonly QueuePolicy DefaultQueue = new(1, TaskOrder.Fifo, null);

    /// <summary>No queue settings and no rate limits: a claim without a policy.</summary>
    public static ClaimPolicy Plain { get; } = new(QueueOrder.Priority, new Dictionary<string, QueuePolicy>(), new Dictionary<string, RateLimit>());

    public ClaimPolicy(QueueOrder order, IReadOnlyDictionary<string, QueuePolicy> queues, IReadOnlyDictionary<string, RateLimit> taskRateLimits)
    {
        Order = order;
        Queues = queues;
        TaskRateLimits = taskRateLimits;
        IsPlain = order == QueueOrder.Priority && taskRateLimits.Count == 0 && queues.Values.All(static q => q.Order == TaskOrder.Fifo && q.RateLimit is null);
    }

    /// <summary>How free slots are shared between queues.</summary>
    public QueueOrder Order { get; }

    /// <summary>Queues with settings of their own; the rest use weight 1, FIFO, no rate limit.</summary>
    public IReadOnlyDictionary<string, QueuePolicy> Queues { get; }

    /// <summary>Rate limits by task name.</summary>
    public IReadOnlyDictionary<string, RateLimit> TaskRateLimits { get; }

    /// <summary>True when nothing here changes the plain claim (one line by priority, due time, id).</summary>
    public bool IsPlain { get; }

    public QueuePolicy For(string queue) => Queues.TryGetValue(queue, out var policy) ? policy : DefaultQueue;

    public static ClaimPolicy From(TypedQueueOptions options, IEnumerable<TaskDefinition> definitions)
    {
        var queues = options.Queues.ToDictionary(
            static q => q.Key,
            static q => new QueuePolicy(q.Value.Weight, q.Value.Order, q.Value.RateLimit is { } limit ? new RateLimit(limit, q.Value.RateLimitPeriod) : null),
            StringComparer.Ordinal);
        var limits = new Dictionary<string, RateLimit>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (definition.RateLimit is { } limit)
            {
                limits[definition.Name] = new RateLimit(limit, definition.RateLimitPeriod);
            }
        }

        return new ClaimPolicy(options.QueueOrder, queues, limits);
    }
}

/// <summary>One queue's share (weight), order and rate limit.</summary>
internal sealed record QueuePolicy(int Weight, TaskOrder Order, RateLimit? RateLimit);

/// <summary>At most <see cref="Limit"/> starts in any window of <see cref="Period"/>.</summary>
internal readonly record struct RateLimit(int Limit, TimeSpan Period);
