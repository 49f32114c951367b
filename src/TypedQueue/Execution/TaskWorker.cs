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
            while (!stoppingToken.IsCancellationRequested)
            {
                var free = _options.Concurrency - Volatile.Read(ref _running);
                var claimedAll = false;
                if (free > 0)
                {
                    IReadOnlyList<ClaimedTask> claimed;
                    try
                    {
                        var now = _timeProvider.GetUtcNow();
                        claimed = await _store.ClaimAvailableAsync(new ClaimRequest(WorkerId, free, now, now + _options.LeaseDuration), stoppingToken).ConfigureAwait(false);
                        storeRetryDelay = TimeSpan.FromMilliseconds(100);
                    }
                    catch (TaskStoreException ex)
                    {
                        Log.StoreUnavailable(_logger, ex, WorkerId, storeRetryDelay);
                        await Task.Delay(storeRetryDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                        storeRetryDelay = TimeSpan.FromMilliseconds(Math.Min(storeRetryDelay.TotalMilliseconds * 2, 10_000));
                        continue;
                    }

                    foreach (var task in claimed)
                    {
                        Interlocked.Increment(ref _running);
                        _ = Task.Run(() => RunAsync(task, handlersStopping.Token), CancellationToken.None);
                    }

                    claimedAll = claimed.Count == free;
                }

                if (claimedAll)
                {
                    continue; // there may be more; the next round claims what the free slots allow.
                }

                await _wake.WaitUntilAsync(await IdleUntilAsync(stoppingToken).ConfigureAwait(false), _timeProvider, stoppingToken).ConfigureAwait(false);
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

    /// <summary>When the idle loop must look again: the earliest scheduled task, or one poll interval from now.</summary>
    private async Task<DateTimeOffset> IdleUntilAsync(CancellationToken cancellationToken)
    {
        var poll = _timeProvider.GetUtcNow() + _options.PollInterval;
        if (_options.Concurrency - Volatile.Read(ref _running) <= 0)
        {
            return poll; // full: a finishing task wakes the loop.
        }

        try
        {
            var next = await _store.NextScheduledAtAsync(cancellationToken).ConfigureAwait(false);
            return next is { } due && due < poll ? due : poll;
        }
        catch (TaskStoreException ex)
        {
            Log.StoreUnavailable(_logger, ex, WorkerId, _options.PollInterval);
            return poll;
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
