namespace TypedQueue.Execution;

/// <summary>Tells in-process waiters that task states were written; each <see cref="Publish"/> completes the current <see cref="Next"/>.</summary>
internal sealed class ChangeFeed
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>A task that completes at the next publication. Read it before checking the store, then await it.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Completes the current <see cref="Next"/>.</summary>
    public void Publish() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
