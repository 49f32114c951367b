using Microsoft.Extensions.Logging;

namespace TypedQueue.Diagnostics;

/// <summary>Log messages with fixed event ids (1xxx worker, 2xxx tasks, 3xxx store, 4xxx recurring, 5xxx queues and rate limits, 60xx telemetry).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "TypedQueue worker {WorkerId} started on '{DataSource}' with {Concurrency} slots")]
    public static partial void WorkerStarted(ILogger logger, string workerId, string dataSource, int concurrency);

    [LoggerMessage(1001, LogLevel.Information, "TypedQueue worker {WorkerId} stopped")]
    public static partial void WorkerStopped(ILogger logger, string workerId);

    [LoggerMessage(1002, LogLevel.Error, "TypedQueue worker {WorkerId} could not reach the store; retrying in {Delay}")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception, string workerId, TimeSpan delay);

    [LoggerMessage(1003, LogLevel.Warning, "TypedQueue worker {WorkerId}: {Count} running tasks did not finish within the shutdown timeout and were cancelled")]
    public static partial void ShutdownCancelled(ILogger logger, string workerId, int count);

    [LoggerMessage(2000, LogLevel.Debug, "Task {TaskId} ({TaskName}) succeeded on attempt {Attempt}")]
    public static partial void TaskSucceeded(ILogger logger, long taskId, string taskName, int attempt);

    [LoggerMessage(2001, LogLevel.Warning, "Task {TaskId} ({TaskName}) failed on attempt {Attempt} of {MaxAttempts}; retrying at {RetryAt:O}")]
    public static partial void TaskRetrying(ILogger logger, Exception exception, long taskId, string taskName, int attempt, int maxAttempts, DateTimeOffset retryAt);

    [LoggerMessage(2002, LogLevel.Error, "Task {TaskId} ({TaskName}) is dead after attempt {Attempt}: {Reason}")]
    public static partial void TaskDead(ILogger logger, Exception? exception, long taskId, string taskName, int attempt, string reason);

    [LoggerMessage(2003, LogLevel.Information, "Task {TaskId} ({TaskName}) was cancelled during attempt {Attempt}")]
    public static partial void TaskCancelled(ILogger logger, long taskId, string taskName, int attempt);

    [LoggerMessage(1007, LogLevel.Debug, "TypedQueue worker {WorkerId} gave back {Count} tasks it had claimed ahead and not started")]
    public static partial void ClaimedAheadReturned(ILogger logger, string workerId, int count);

    [LoggerMessage(1006, LogLevel.Information, "TypedQueue worker {WorkerId} is stopping: waiting up to {GracePeriod} for {Count} running tasks")]
    public static partial void WaitingForRunningTasks(ILogger logger, string workerId, int count, TimeSpan gracePeriod);

    [LoggerMessage(1004, LogLevel.Warning, "TypedQueue worker {WorkerId} took back {Count} tasks whose lease expired")]
    public static partial void LeasesRescued(ILogger logger, string workerId, int count);

    [LoggerMessage(1005, LogLevel.Error, "TypedQueue worker {WorkerId} could not renew its leases")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string workerId);

    [LoggerMessage(3001, LogLevel.Information, "TypedQueue cannot watch '{DataSource}' for other processes' commits ({Reason}); their tasks are seen within the poll interval")]
    public static partial void WalWatchUnavailable(ILogger logger, string dataSource, string reason);

    [LoggerMessage(3000, LogLevel.Error, "TypedQueue could not record {Count} task outcomes; they stay leased and are retried")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(4000, LogLevel.Information, "Recurring task {RecurringId} enqueued {Count} runs of {TaskName}; next run at {NextRunAt:O}")]
    public static partial void RecurringFired(ILogger logger, string recurringId, string taskName, int count, DateTimeOffset nextRunAt);

    [LoggerMessage(4001, LogLevel.Information, "{Count} recurring tasks declared with [QueueTask(Cron = ...)] are in sync")]
    public static partial void RecurringSynced(ILogger logger, int count);

    [LoggerMessage(4002, LogLevel.Error, "Recurring task {RecurringId} cannot be scheduled on this machine")]
    public static partial void RecurringInvalid(ILogger logger, Exception exception, string recurringId);

    [LoggerMessage(4003, LogLevel.Error, "The recurring-task scheduler failed (is the store reachable?); retrying in {Delay}")]
    public static partial void RecurringSchedulerFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(5000, LogLevel.Debug, "TypedQueue worker {WorkerId}: rate limits hold back pending tasks; the next start is allowed at {NextAllowedAt:O}")]
    public static partial void RateLimited(ILogger logger, string workerId, DateTimeOffset nextAllowedAt);

    [LoggerMessage(6000, LogLevel.Warning, "TypedQueue could not read task counts for the typedqueue.queue.depth gauge; it reports the last counts read")]
    public static partial void DepthUnavailable(ILogger logger, Exception exception);
}
