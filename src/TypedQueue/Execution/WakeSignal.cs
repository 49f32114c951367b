namespace TypedQueue.Execution;

/// <summary>
/// An auto-reset signal that a waiter can also leave after a timeout measured by a <see cref="TimeProvider"/>
/// (so tests drive it with FakeTimeProvider). Many <see cref="Set"/> calls before a wait count as one.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _waiter;
    private bool _isSet;

    /// <summary>Wakes the current or next waiter.</summary>
    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
            _isSet = waiter is null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Returns when <see cref="Set"/> is called, <paramref name="wakeAt"/> comes, or the token is cancelled (which throws).</summary>
    public async Task WaitUntilAsync(DateTimeOffset wakeAt, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_isSet)
            {
                _isSet = false;
                return;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The delay is measured only now, so time that passed while the caller decided when to wake is not slept twice.
        var timeout = wakeAt - timeProvider.GetUtcNow();
        if (timeout <= TimeSpan.Zero)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
            }

            return;
        }

        using var timer = timeProvider.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), waiter, timeout, Timeout.InfiniteTimeSpan);
        await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (ReferenceEquals(_waiter, waiter))
            {
                _waiter = null;
            }
        }
    }
}
