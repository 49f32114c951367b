namespace TypedQueue.Inspection;

/// <summary>
/// Which tasks <see cref="ITaskQueue.ListTasksAsync(TaskQuery, CancellationToken)"/> returns: every filter that is set
/// must match. Pages go by ascending id; pass the last id of a page as <see cref="AfterId"/> to read the next one.
/// </summary>
public sealed record TaskQuery
{
    /// <summary>Only tasks in this state; any state when null.</summary>
    public TaskState? State { get; init; }

    /// <summary>Only tasks on this queue; any queue when null.</summary>
    public string? Queue { get; init; }

    /// <summary>Only tasks with this wire name; any task when null.</summary>
    public string? Name { get; init; }

    /// <summary>Only tasks whose id is greater than this (0: from the start).</summary>
    public long AfterId { get; init; }

    /// <summary>The most tasks one page holds, 1 to 10,000. Default 100.</summary>
    public int Limit { get; init; } = 100;
}
