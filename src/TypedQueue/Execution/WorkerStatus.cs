namespace TypedQueue.Execution;

/// <summary>
/// What this process's worker last did, for the health check: when its loop started and last went round, when its
/// heartbeat last renewed leases, and whether it stopped. Times are UTC ticks, written without locks.
/// </summary>
internal sealed class WorkerStatus
{
    private long _startedAt;
    private long _lastLoopAt;
    private long _lastHeartbeatAt;
    private long _stoppedAt;

    /// <summary>The worker's id, once it started.</summary>
    public string? WorkerId { get; private set; }

    public DateTimeOffset? StartedAt => Read(ref _startedAt);

    public DateTimeOffset? LastLoopAt => Read(ref _lastLoopAt);

    public DateTimeOffset? LastHeartbeatAt => Read(ref _lastHeartbeatAt);

    public DateTimeOffset? StoppedAt => Read(ref _stoppedAt);

    public void Started(string workerId, DateTimeOffset at)
    {
        WorkerId = workerId;
        Volatile.Write(ref _stoppedAt, 0);
        Volatile.Write(ref _lastLoopAt, at.UtcTicks);
        Volatile.Write(ref _lastHeartbeatAt, at.UtcTicks);
        Volatile.Write(ref _startedAt, at.UtcTicks);
    }

    public void LoopRan(DateTimeOffset at) => Volatile.Write(ref _lastLoopAt, at.UtcTicks);

    public void HeartbeatSucceeded(DateTimeOffset at) => Volatile.Write(ref _lastHeartbeatAt, at.UtcTicks);

    public void Stopped(DateTimeOffset at) => Volatile.Write(ref _stoppedAt, at.UtcTicks);

    private static DateTimeOffset? Read(ref long ticks) =>
        Volatile.Read(ref ticks) is var value and not 0 ? new DateTimeOffset(value, TimeSpan.Zero) : null;
}
