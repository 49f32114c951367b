namespace TypedQueue;

/// <summary>Settings of one named queue, under <c>TypedQueue:Queues:&lt;name&gt;</c>. Queues without settings use the defaults.</summary>
public sealed class QueueOptions
{
    /// <summary>The most tasks of this queue this process runs at once (within <see cref="TypedQueueOptions.Concurrency"/>); null: no limit of its own.</summary>
    public int? Concurrency { get; set; }

    /// <summary>
    /// The queue's share under <see cref="QueueOrder.Weighted"/> (a queue of weight 3 gets three slots for every one of a
    /// queue of weight 1) and its rank under <see cref="QueueOrder.Strict"/> (higher first). Default 1.
    /// </summary>
    public int Weight { get; set; } = 1;

    /// <summary>Which of the queue's pending tasks of equal priority run first: the oldest (default) or the newest.</summary>
    public TaskOrder Order { get; set; } = TaskOrder.Fifo;

    /// <summary>The most tasks of this queue that may start per <see cref="RateLimitPeriod"/>, across every worker on the database; null: no limit.</summary>
    public int? RateLimit { get; set; }

    /// <summary>The window <see cref="RateLimit"/> counts starts in. Default 1 second.</summary>
    public TimeSpan RateLimitPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>How the worker shares its free slots between queues.</summary>
public enum QueueOrder
{
    /// <summary>All queues form one line, ordered by task priority, then due time (the default; queues only add their own limits).</summary>
    Priority,

    /// <summary>Queues in order of <see cref="QueueOptions.Weight"/>, highest first: a queue gets slots only when every heavier queue has nothing it may start.</summary>
    Strict,

    /// <summary>Slots are shared out in proportion to <see cref="QueueOptions.Weight"/> (smooth weighted round robin), so no queue starves.</summary>
    Weighted,
}

/// <summary>The order in which a queue's pending tasks of equal priority are claimed.</summary>
public enum TaskOrder
{
    /// <summary>First in, first out: the earliest due first.</summary>
    Fifo,

    /// <summary>Last in, first out: the latest due first (say, the freshest of many "refresh this view" requests).</summary>
    Lifo,
}
