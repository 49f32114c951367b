namespace TypedQueue.Inspection;

/// <summary>Task counts per queue and state.</summary>
public sealed class TaskStatistics
{
    /// <summary>Creates statistics from rows of (queue, state, count).</summary>
    public TaskStatistics(IReadOnlyList<QueueStateCount> counts) => Counts = counts;

    /// <summary>One row per queue and state that has tasks.</summary>
    public IReadOnlyList<QueueStateCount> Counts { get; }

    /// <summary>Tasks in a state across all queues.</summary>
    public long Count(TaskState state) => Counts.Where(c => c.State == state).Sum(c => c.Count);

    /// <summary>Tasks in a state on one queue.</summary>
    public long Count(string queue, TaskState state) => Counts.Where(c => c.State == state && c.Queue == queue).Sum(c => c.Count);

    /// <summary>All tasks.</summary>
    public long Total => Counts.Sum(c => c.Count);
}

/// <summary>How many tasks one queue has in one state.</summary>
public readonly record struct QueueStateCount(string Queue, TaskState State, long Count);
