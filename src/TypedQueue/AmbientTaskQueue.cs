namespace TypedQueue;

/// <summary>
/// The queue behind the static <c>Tasks.X.EnqueueAsync</c> methods. It is set when a host with
/// <c>AddTypedQueue()</c> is built; code that prefers DI injects <see cref="ITaskQueue"/> instead.
/// </summary>
public static class AmbientTaskQueue
{
    private static ITaskQueue? s_current;

    /// <summary>The queue of the most recently built host.</summary>
    /// <exception cref="InvalidOperationException">No host with <c>AddTypedQueue()</c> has been built in this process.</exception>
    public static ITaskQueue Current
    {
        get => Volatile.Read(ref s_current) ?? throw new InvalidOperationException(
            "No TypedQueue host has been built in this process. Call services.AddTypedQueue() and build the host before calling Tasks.X.EnqueueAsync, or inject ITaskQueue.");
        set => Volatile.Write(ref s_current, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Whether a queue has been set.</summary>
    public static bool IsSet => Volatile.Read(ref s_current) is not null;
}
