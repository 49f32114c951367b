namespace TypedQueue;

/// <summary>What deleting one task did.</summary>
public enum DeleteResult
{
    /// <summary>There is no such task.</summary>
    NotFound,

    /// <summary>The task and its idempotency key are gone; if it had not started, it never runs.</summary>
    Deleted,

    /// <summary>The task is running; nothing changed. Cancel it first, then delete it once it has stopped.</summary>
    Running,
}
