namespace TypedQueue;

/// <summary>Named priority levels. Higher values are claimed first; any value in [<see cref="Min"/>, <see cref="Max"/>] is allowed.</summary>
public static class TaskPriority
{
    /// <summary>The lowest allowed priority.</summary>
    public const int Min = -1000;

    /// <summary>Background work that may wait behind everything else.</summary>
    public const int Low = -10;

    /// <summary>The default priority.</summary>
    public const int Normal = 0;

    /// <summary>Work a user is waiting for.</summary>
    public const int High = 10;

    /// <summary>Work that must jump every queue.</summary>
    public const int Critical = 20;

    /// <summary>The highest allowed priority.</summary>
    public const int Max = 1000;
}
