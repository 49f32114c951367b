namespace TypedQueue;

/// <summary>Thresholds of the TypedQueue health check (<c>services.AddHealthChecks().AddTypedQueue()</c>).</summary>
public sealed class TypedQueueHealthCheckOptions
{
    /// <summary>A task ready to run (pending, or scheduled and due) for longer than this makes the check Degraded: workers are not keeping up. Default 5 minutes.</summary>
    public TimeSpan MaxReadyTaskAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long this process's worker loop or heartbeat may go without running before the check is Unhealthy. Default
    /// (null): three times the longer of <see cref="TypedQueueOptions.PollInterval"/> and
    /// <see cref="TypedQueueOptions.HeartbeatInterval"/>, at least 30 seconds.
    /// </summary>
    public TimeSpan? WorkerStallThreshold { get; set; }

    /// <summary>
    /// How long after a running task's lease expired it may stay unrescued before the check is Degraded (no live worker is
    /// taking tasks back). Default (null): twice <see cref="TypedQueueOptions.HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan? ExpiredLeaseGrace { get; set; }
}
