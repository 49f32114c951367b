using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedQueue.Diagnostics;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// The producer loop: claims only as many tasks as it has free slots, hands each to the executor, and sleeps until
/// a slot frees, an in-process enqueue wakes it, the next scheduled task falls due, or the poll interval passes.
/// </summary>
internal sealed class TaskWorker : BackgroundService
{
    private readonly ITaskStore _store;
    private readonly TaskExecutor _executor;
    private readonly TaskCompleter _completer;
    private readonly WakeSignal _wake;
    private readonly RunningTasks _runningTasks;
    private readonly TimeProvider _timeProvider;
    private readonly TypedQueueOptions _options;
    private readonly ILogger<TaskWorker> _logger;
    private readonly string _dataSource;
    private int _running;
    private TaskCompletionSource? _allIdle;

    public TaskWorker(
        ITaskStore store,
        TaskExecutor executor,
        TaskCompleter completer,
        WakeSignal wake,
        RunningTasks runningTasks,
        TimeProvider timeProvider,
        IOptions<TypedQueueOptions> options,
        ITaskQueue queue,
        ILogger<TaskWorker> logger)
    {
        _store = store;
        _executor = executor;
        _completer = completer;
        _wake = wake;
        _runningTasks = runningTasks;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
        _dataSource = (store as TypedQueue.Storage.Sqlite.SqliteTaskStore)?.DataSource ?? "store";
        WorkerId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _ = queue; // resolving the queue here makes Tasks.X.EnqueueAsync usable in worker-only hosts too.
    }

    /// <summary>Identifies this worker in leases.</summary>
    public string WorkerId { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker)
        {
            return;
        }

        await _store.MigrateAsync(stoppingToken).ConfigureAwait(false);
        Log.WorkerStarted(_logger, WorkerId, _dataSource, _options.Concurrency);
        var storeRetryDelay = TimeSpan.FromMilliseconds(100);
        using var handlersStopping = new CancellationTokenSource();
        using var keeperStopping = new CancellationTokenSource();
        var keeper = Task.Run(() => KeepLeasesAsync(keeperStopping.Token), CancellationToken.None);
        try
        {
            // Claim in batches: once the worker is busy, wait until a quarter of the slots are free, so one claim
            // transaction serves many tasks instead of one.
            var batchThreshold = Math.Max(1, _options.Concurrency / 4);
            DateTimeOffset? nextDue = null;
            var mustClaim = true;
            while (!stoppingToken.IsCancellationRequested)
            {
                var running = Volatile.Read(ref _running);
                var free = _options.Concurrency - running;
                if (mustClaim && free > 0 && (free >= batchThreshold || running == 0))
                {
                    ClaimResult claim;
                    try
                    {
                        var now = _timeProvider.GetUtcNow();
                        claim = await _store.ClaimAvailableAsync(new ClaimRequest(WorkerId, free, now, now + _options.LeaseDuration), stoppingToken).ConfigureAwait(false);
                        storeRetryDelay = TimeSpan.FromMilliseconds(100);
                    }
                    catch (TaskStoreException ex)
                    {
                        Log.StoreUnavailable(_logger, ex, WorkerId, storeRetryDelay);
                        await Task.Delay(storeRetryDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                        storeRetryDelay = TimeSpan.FromMilliseconds(Math.Min(storeRetryDelay.TotalMilliseconds * 2, 10_000));
                        continue;
                    }

                    foreach (var task in claim.Tasks)
                    {
                        Interlocked.Increment(ref _running);
                        _ = Task.Run(() => RunAsync(task, handlersStopping.Token), CancellationToken.None);
                    }

                    nextDue = claim.NextScheduledAt;
                    if (claim.Tasks.Count == free)
                    {
                        continue; // a full batch: there may be more once slots free up.
                    }
                }

                // Sleep until a task of ours finishes, an in-process enqueue or retry wakes us, the next scheduled task
                // falls due, or the poll interval passes; after a plain poll, claim only if another process wrote.
                var pollAt = _timeProvider.GetUtcNow() + _options.PollInterval;
                var wakeAt = nextDue is { } due && due < pollAt ? due : pollAt;
                var woken = await _wake.WaitUntilAsync(wakeAt, _timeProvider, stoppingToken).ConfigureAwait(false);
                mustClaim = woken
                    || (nextDue is { } dueNow && dueNow <= _timeProvider.GetUtcNow())
                    || await _store.HasExternalWritesAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Leases stay renewed until every outcome, releases included, is written.
            await StopRunningAsync(handlersStopping).ConfigureAwait(false);
            await _completer.DrainAsync().ConfigureAwait(false);
            await keeperStopping.CancelAsync().ConfigureAwait(false);
            await keeper.ConfigureAwait(false);
            Log.WorkerStopped(_logger, WorkerId);
        }
    }

    /// <summary>
    /// The heartbeat: renews this worker's leases, fires the tokens of tasks whose cancellation another process
    /// requested, then takes back tasks whose worker stopped renewing. Renewal comes first, so a live worker
    /// never rescues its own tasks.
    /// </summary>
    private async Task KeepLeasesAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _timeProvider);
        try
        {
            do
            {
                try
                {
                    var now = _timeProvider.GetUtcNow();
                    foreach (var id in await _store.ExtendLeasesAsync(WorkerId, now + _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false))
                    {
                        _runningTasks.RequestCancel(id);
                    }

                    var rescued = await _store.RescueExpiredAsync(now, CancellationToken.None).ConfigureAwait(false);
                    if (rescued > 0)
                    {
                        Log.LeasesRescued(_logger, WorkerId, rescued);
                        _wake.Set();
                    }
                }
                catch (TaskStoreException ex)
                {
                    Log.HeartbeatFailed(_logger, ex, WorkerId);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(ClaimedTask task, CancellationToken handlersStopping)
    {
        try
        {
            _completer.Add(await _executor.ExecuteAsync(task, WorkerId, handlersStopping).ConfigureAwait(false));
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                Volatile.Read(ref _allIdle)?.TrySetResult();
            }

            _wake.Set();
        }
    }

    private async Task StopRunningAsync(CancellationTokenSource handlersStopping)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _allIdle, idle);
        if (Volatile.Read(ref _running) == 0)
        {
            return;
        }

        // The grace timer starts before the log line, so whoever reacts to the line is already inside the grace period.
        using var graceOver = new CancellationTokenSource(_options.ShutdownTimeout, _timeProvider);
        Log.WaitingForRunningTasks(_logger, WorkerId, Volatile.Read(ref _running), _options.ShutdownTimeout);
        try
        {
            await idle.Task.WaitAsync(graceOver.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (graceOver.IsCancellationRequested)
        {
            Log.ShutdownCancelled(_logger, WorkerId, Volatile.Read(ref _running));
            await handlersStopping.CancelAsync().ConfigureAwait(false);
            await idle.Task.ConfigureAwait(false);
        }
    }
}
