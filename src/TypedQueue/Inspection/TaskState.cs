namespace TypedQueue.Inspection;

/// <summary>The life cycle of a task. The numbers are stored in the database and never change.</summary>
public enum TaskState
{
    /// <summary>Waiting for its due time (a delayed task, or a failed one waiting for its retry).</summary>
    Scheduled = 0,

    /// <summary>Due and waiting for a free worker slot.</summary>
    Pending = 1,

    /// <summary>Claimed by a worker and running.</summary>
    Running = 2,

    /// <summary>Finished successfully; its result, if any, is stored.</summary>
    Succeeded = 3,

    /// <summary>Failed on its last attempt, or failed in a way no retry can fix (unknown name, unreadable payload).</summary>
    Dead = 4,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled = 5,
}
