using System.Collections.Concurrent;

namespace TypedQueue.Execution;

/// <summary>
/// The tasks this process is running, so a cancellation request can reach the handler's token, and the one timer that
/// arms their timeouts: most attempts end long before their timeout (30 minutes by default), so an attempt gets a timer of
/// its own only once it has run for <see cref="SweepPeriod"/>; a timer created and disposed for every task cost more than
/// the task on a busy worker.
/// </summary>
internal sealed class RunningTasks(TimeProvider timeProvider) : IDisposable
{
    /// <summary>How often running attempts without a timeout timer get one.</summary>
    public static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, RunningTask> _byId = new();
    private readonly Lock _sweeperGate = new();
    private ITimer? _sweeper;

    public void Add(RunningTask task)
    {
        _byId[task.Id] = task;
        if (task.WaitsForTimer && Volatile.Read(ref _sweeper) is null)
        {
            lock (_sweeperGate)
            {
                _sweeper ??= timeProvider.CreateTimer(static state => ((RunningTasks)state!).ArmTimeouts(), this, SweepPeriod, SweepPeriod);
            }
        }
    }

    public void Remove(RunningTask task) => _byId.TryRemove(new KeyValuePair<long, RunningTask>(task.Id, task));

    /// <summary>
    /// The worker's hook for tasks it claimed ahead and has not started: cancels one so it never starts; false when it
    /// does not wait there.
    /// </summary>
    public Func<long, bool>? CancelWaiting { get; set; }

    /// <summary>
    /// Fires the token of a task running here, or cancels one waiting to start; false when neither is here. Call it only
    /// once the request is stored: a task waiting to start is given back, and the store ends it Cancelled for that request.
    /// </summary>
    public bool RequestCancel(long id)
    {
        if (_byId.TryGetValue(id, out var task))
        {
            task.Cancel(RunningTask.StopReason.CancelRequested);
            return true;
        }

        return CancelWaiting?.Invoke(id) ?? false;
    }

    public void Dispose()
    {
        lock (_sweeperGate)
        {
            _sweeper?.Dispose();
        }
    }

    private void ArmTimeouts()
    {
        foreach (var task in _byId.Values)
        {
            task.ArmTimeout();
        }
    }
}

/// <summary>One attempt in flight: its token source and why it was stopped, if it was.</summary>
internal sealed class RunningTask : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset? _deadline;
    private ITimer? _timeout;
    private bool _disposed;
    private int _reason;

    public RunningTask(long id, TimeSpan? timeout, TimeProvider timeProvider, CancellationToken stopping)
    {
        Id = id;
        _timeProvider = timeProvider;
        _source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
        {
            _deadline = timeProvider.GetUtcNow() + limit;
            if (limit < RunningTasks.SweepPeriod * 2)
            {
                ArmTimeout(); // too short to wait for the sweep: the sweep could come after the deadline
            }
        }
    }

    public enum StopReason
    {
        None,
        TimedOut,
        CancelRequested,
    }

    public long Id { get; }

    public CancellationToken Token => _source.Token;

    /// <summary>The first reason the attempt was stopped by TypedQueue (not by the host).</summary>
    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>True when the attempt has a deadline but no timer for it yet (see <see cref="RunningTasks"/>).</summary>
    public bool WaitsForTimer => _deadline is not null && Volatile.Read(ref _timeout) is null;

    /// <summary>Gives the attempt a timer that fires at its deadline (at once when the deadline has passed).</summary>
    public void ArmTimeout()
    {
        if (_deadline is not { } deadline)
        {
            return;
        }

        lock (this) // internal and sealed: nobody else locks it, and no lock object per attempt
        {
            if (_disposed || _timeout is not null)
            {
                return;
            }

            var left = deadline - _timeProvider.GetUtcNow();
            _timeout = _timeProvider.CreateTimer(static s => ((RunningTask)s!).Cancel(StopReason.TimedOut), this, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    public void Cancel(StopReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None);
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt finished meanwhile.
        }
    }

    public void Dispose()
    {
        lock (this) // internal and sealed: nobody else locks it, and no lock object per attempt
        {
            _disposed = true;
            _timeout?.Dispose();
        }

        _source.Dispose();
    }
}
