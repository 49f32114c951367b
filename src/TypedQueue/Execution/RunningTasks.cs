using System.Collections.Concurrent;

namespace TypedQueue.Execution;

/// <summary>The tasks this process is running, so a cancellation request can reach the handler's token.</summary>
internal sealed class RunningTasks
{
    private readonly ConcurrentDictionary<long, RunningTask> _byId = new();

    public void Add(RunningTask task) => _byId[task.Id] = task;

    public void Remove(RunningTask task) => _byId.TryRemove(new KeyValuePair<long, RunningTask>(task.Id, task));

    /// <summary>Fires the token of a task running here; false when it does not run in this process.</summary>
    public bool RequestCancel(long id)
    {
        if (_byId.TryGetValue(id, out var task))
        {
            task.Cancel(RunningTask.StopReason.CancelRequested);
            return true;
        }

        return false;
    }
}

/// <summary>One attempt in flight: its token source and why it was stopped, if it was.</summary>
internal sealed class RunningTask : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly ITimer? _timeout;
    private int _reason;

    public RunningTask(long id, TimeSpan? timeout, TimeProvider timeProvider, CancellationToken stopping)
    {
        Id = id;
        _source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (timeout is { } limit && limit != Timeout.InfiniteTimeSpan)
        {
            _timeout = timeProvider.CreateTimer(static s => ((RunningTask)s!).Cancel(StopReason.TimedOut), this, limit, Timeout.InfiniteTimeSpan);
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
        _timeout?.Dispose();
        _source.Dispose();
    }
}
