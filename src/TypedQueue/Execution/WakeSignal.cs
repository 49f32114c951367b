namespace TypedQueue.Execution;

/// <summary>
/// An auto-reset signal that a waiter can also leave after a timeout measured by a <see cref="TimeProvider"/>
/// (so tests drive it with FakeTimeProvider). Many <see cref="Set"/> or <see cref="Nudge"/> calls before a wait count as
/// one; a <see cref="Set"/> among them wins.
/// </summary>
internal sealed class WakeSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<bool>? _waiter;
    private bool _isSet;
    private bool _isNudged;

    /// <summary>Wakes the current or next waiter: <see cref="WaitUntilAsync"/> returns true (there is work for it).</summary>
    public void Set() => Signal(set: true);

    /// <summary>
    /// Wakes the current or next waiter as if its time had come: <see cref="WaitUntilAsync"/> returns false, so the
    /// waiter checks for itself (the SQLite store nudges when the database file changed, which may be its own write).
    /// </summary>
    public void Nudge() => Signal(set: false);

    private void Signal(bool set)
    {
        TaskCompletionSource<bool>? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
            if (waiter is null)
            {
                _isSet |= set;
                _isNudged |= !set;
            }
        }

        waiter?.TrySetResult(set);
    }

    /// <summary>
    /// Returns true when <see cref="Set"/> was called, false when <paramref name="wakeAt"/> came first or
    /// <see cref="Nudge"/> was called; throws when the token is cancelled.
    /// </summary>
    public async Task<bool> WaitUntilAsync(DateTimeOffset wakeAt, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        lock (_gate)
        {
            if (_isSet || _isNudged)
            {
                var set = _isSet;
                _isSet = _isNudged = false;
                return set;
            }

            waiter = _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
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

            return waiter.Task.IsCompletedSuccessfully && waiter.Task.Result;
        }

        using var timer = timeProvider.CreateTimer(
            _ =>
            {
                lock (_gate)
                {
                    if (!ReferenceEquals(_waiter, waiter))
                    {
                        return; // Set() or Nudge() got there first.
                    }

                    _waiter = null;
                }

                waiter.TrySetResult(false);
            },
            null,
            timeout,
            Timeout.InfiniteTimeSpan);
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
            }
        }
    }
}
