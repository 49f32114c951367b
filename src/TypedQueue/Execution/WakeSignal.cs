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

    /// <summary>
    /// Returns true when <see cref="Set"/> was called, false when <paramref name="wakeAt"/> came first; throws when the
    /// token is cancelled.
    /// </summary>
    public async Task<bool> WaitUntilAsync(DateTimeOffset wakeAt, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_isSet)
            {
                _isSet = false;
                return true;
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

            return waiter.Task.IsCompleted;
        }

        var timedOut = false;
        using var timer = timeProvider.CreateTimer(
            _ =>
            {
                lock (_gate)
                {
                    if (!ReferenceEquals(_waiter, waiter))
                    {
                        return; // Set() got there first.
                    }

                    _waiter = null;
                    timedOut = true;
                }

                waiter.TrySetResult();
            },
            null,
            timeout,
            Timeout.InfiniteTimeSpan);
        await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (ReferenceEquals(_waiter, waiter))
            {
                _waiter = null;
            }

            return !timedOut;
        }
    }
}
