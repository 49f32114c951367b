using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Scheduling;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// The worker loop: claims as many tasks as it has free slots (in batches; with quick tasks, up to twice the slots more, see
/// <see cref="TypedQueueOptions.ClaimAhead"/>), hands each to the executor, writes finished outcomes in the same
/// transaction as the next claim, and sleeps until a slot frees, an in-process enqueue wakes it, the next scheduled task
/// falls due, or the poll interval passes. Beside it run the heartbeat (<see cref="KeepLeasesAsync"/>) and the
/// recurring-task scheduler.
/// </summary>
internal sealed class TaskWorker : BackgroundService
{
    private readonly ITaskStore _store;
    private readonly TaskExecutor _executor;
    private readonly CompletionBuffer _completions = new();
    private readonly ChangeFeed _changes;
    private readonly WakeSignal _wake;
    private readonly RunningTasks _runningTasks;
    private readonly TimeProvider _timeProvider;
    private readonly TypedQueueOptions _options;
    private readonly ILogger<TaskWorker> _logger;
    private readonly RecurringScheduler _scheduler;
    private readonly string _dataSource;
    private readonly WorkerStatus _status;
    private readonly ClaimPolicy _policy;
    private readonly Dictionary<string, int> _queueLimits;
    private readonly Dictionary<string, int> _runningByQueue = new(StringComparer.Ordinal);
    private int _running; // claimed and not finished: running handlers and tasks claimed ahead
    private TaskCompletionSource? _allIdle;

    // Once busy with a backlog, the loop claims again only when a quarter of its depth (slots plus the tasks it may claim
    // ahead) is free (see RunPassAsync), so a finishing task wakes it only then, or when it was the last one: a wake-up
    // per task is a thread hop and a timer.
    private int _claimDepth; // written by the loop (Interlocked), read by finishing tasks (Volatile)
    private volatile bool _backlog;

    // Claiming ahead (TypedQueueOptions.ClaimAhead): the slots and the tasks waiting for one.
    private readonly SlotsAndAhead _slots;
    private int _writeSoon; // 1: a task claimed ahead was cancelled; its outcome is written at once (read and cleared in one step)

    public TaskWorker(
        ITaskStore store,
        TaskExecutor executor,
        ChangeFeed changes,
        WakeSignal wake,
        RunningTasks runningTasks,
        TimeProvider timeProvider,
        IOptions<TypedQueueOptions> options,
        ITaskQueue queue,
        RecurringScheduler scheduler,
        WorkerStatus status,
        TaskHandlerTable handlers,
        ILogger<TaskWorker> logger)
    {
        _status = status;
        _store = store;
        _executor = executor;
        _changes = changes;
        _wake = wake;
        _runningTasks = runningTasks;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
        _scheduler = scheduler;
        _dataSource = store.ToString() ?? "store";
        _policy = ClaimPolicy.From(_options, handlers.Definitions);
        Volatile.Write(ref _claimDepth, _options.Concurrency);
        _slots = new SlotsAndAhead(_options.Concurrency, _options.ClaimAhead, timeProvider);
        _runningTasks.CancelWaiting = CancelAhead;
        _queueLimits = _options.Queues.Where(static q => q.Value.Concurrency is not null).ToDictionary(static q => q.Key, static q => q.Value.Concurrency!.Value, StringComparer.Ordinal);
        WorkerId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _ = queue; // resolving the queue here makes Tasks.X.EnqueueAsync usable in worker-only hosts too.
    }

    /// <summary>How long a finished outcome may wait for the next claim before it is written on its own.</summary>
    private static readonly TimeSpan CompletionLinger = TimeSpan.FromMilliseconds(20);

    /// <summary>Identifies this worker in leases.</summary>
    public string WorkerId { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunWorker)
        {
            return;
        }

        // The worker loop belongs to no caller's trace: each attempt's span takes its parent from the task's stored context.
        System.Diagnostics.Activity.Current = null;
        await _store.MigrateAsync(stoppingToken).ConfigureAwait(false);
        _slots.Open(); // a worker started again after a stop (helper-27)

        _status.Started(WorkerId, _timeProvider.GetUtcNow());
        Log.WorkerStarted(_logger, WorkerId, _dataSource, _options.Concurrency);
        using var handlersStopping = new CancellationTokenSource();
        using var keeperStopping = new CancellationTokenSource();
        var keeper = Task.Run(() => KeepLeasesAsync(keeperStopping.Token), CancellationToken.None);
        using var schedulerStopping = new CancellationTokenSource();
        var scheduler = Task.Run(() => _scheduler.RunAsync(schedulerStopping.Token), CancellationToken.None);
        try
        {
            await RunLoopAsync(handlersStopping.Token, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await schedulerStopping.CancelAsync().ConfigureAwait(false);
            await scheduler.ConfigureAwait(false);

            // Leases stay renewed until every outcome, releases included, is written. Tasks claimed ahead never start,
            // and go back now, not after the grace period: until written they are Running, leased to this worker, so no
            // other worker could take them meanwhile, and a process killed during the grace period would leave them to
            // the rescue, which counts an attempt they never made.
            // One try only: with the store down, retrying here would hold up the grace period; the final flush retries.
            if (GiveBackAhead(_timeProvider.GetUtcNow(), all: true))
            {
                await FlushCompletionsAsync(maxAttempts: 1).ConfigureAwait(false);
            }

            await StopRunningAsync(handlersStopping).ConfigureAwait(false);
            await FlushCompletionsAsync().ConfigureAwait(false);
            await keeperStopping.CancelAsync().ConfigureAwait(false);
            await keeper.ConfigureAwait(false);
            _status.Stopped(_timeProvider.GetUtcNow());
            Log.WorkerStopped(_logger, WorkerId);
        }
    }

    /// <summary>Runs passes of the worker loop until the worker stops.</summary>
    private async Task RunLoopAsync(CancellationToken handlersStopping, CancellationToken stoppingToken)
    {
        // Each pass is a call of its own, so it is call-counted and promoted to optimized code in the background like any
        // other method. With the pass written inline, a drain ran pass after pass inside one invocation of the loop's
        // method (the store's calls mostly complete synchronously), which stayed at tier-0 until on-stack replacement
        // compiled the whole method (14 KB of code), synchronously on the loop's thread: a 75-130 ms stall of the loop
        // in the middle of a 20,000-task drain, at default runtime settings. The loop left here is small: should it be
        // replaced on stack too, there is little to compile.
        var loop = new LoopState();
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunPassAsync(loop, handlersStopping, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One pass of the worker loop: writes waiting outcomes with a claim, or on their own, starts what it claimed, then
    /// sleeps until there may be more to do. Returns early, without sleeping, where the loop should go round again at once.
    /// </summary>
    /// <remarks>
    /// Pooled: a pass that sleeps completes asynchronously, and would otherwise allocate a state machine each time (the
    /// loop written inline allocated one per run).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RunPassAsync(LoopState loop, CancellationToken handlersStopping, CancellationToken stoppingToken)
    {
        // Claim in batches: once the worker is busy, wait until a quarter of its depth (the slots, plus the tasks it may
        // claim ahead of them) is free, so one transaction serves many tasks. Outcomes ride along with the next claim;
        // they are written on their own when there is no backlog to claim from, or when the oldest has waited
        // CompletionLinger.

        _status.LoopRan(_timeProvider.GetUtcNow());
        // Tasks given back or cancelled before they started are written at once, not with the next claim.
        // Read and cleared in one step: a separate clear could wipe a cancellation's request made in between, and
        // its outcome would wait for the linger.
        var writeSoon = GiveBackAhead(_timeProvider.GetUtcNow(), all: false) | (Interlocked.Exchange(ref _writeSoon, 0) != 0);
        var running = Volatile.Read(ref _running);
        var depth = Volatile.Read(ref _claimDepth);
        var free = depth - running;
        var claimNow = loop.MustClaim && free > 0 && (free >= BatchThreshold(depth) || running == 0);
        if (claimNow)
        {
            // The depth for this claim: the slots, plus what they free within SlotsAndAhead.Horizon (AheadBudget).
            // Published with a full fence, then the running count read again: a task that finished since the read
            // above judged the wake-up threshold against the old depth, and if it was the one to cross the new
            // depth's threshold, and the new depth leaves nothing to claim, the loop would sleep through the
            // crossing (after a timed wake it claims only when woken: until the last task finishes, in a drain).
            depth = _options.Concurrency + _slots.AheadBudget();
            Interlocked.Exchange(ref _claimDepth, depth);
            running = Volatile.Read(ref _running);
            free = depth - running;
            claimNow = free > 0;
        }

        var oldest = _completions.OldestAt;
        var flushNow = oldest is { } waitingSince && (writeSoon || claimNow || !loop.Backlog || _completions.Count >= CompletionBuffer.MaxBatch
            || waitingSince + CompletionLinger <= _timeProvider.GetUtcNow());
        if (claimNow || flushNow)
        {
            var batch = _completions.Take();
            ClaimResult claim;
            try
            {
                var now = _timeProvider.GetUtcNow();
                var request = new ClaimRequest(WorkerId, claimNow ? free : 0, now, now + _options.LeaseDuration, _policy, FreeQueueSlots());
                if (claimNow)
                {
                    _slots.ClaimStarting();
                }

                claim = await _store.ClaimAvailableAsync(request, batch, stoppingToken).ConfigureAwait(false);
                loop.StoreRetryDelay = TimeSpan.FromMilliseconds(100);
            }
            catch (TaskStoreException ex)
            {
                _completions.Return(batch);
                Log.StoreUnavailable(_logger, ex, WorkerId, loop.StoreRetryDelay);
                await Task.Delay(loop.StoreRetryDelay, _timeProvider, stoppingToken).ConfigureAwait(false);
                loop.StoreRetryDelay = TimeSpan.FromMilliseconds(Math.Min(loop.StoreRetryDelay.TotalMilliseconds * 2, 10_000));
                return;
            }

            if (batch.Count > 0)
            {
                _changes.Publish();
            }

            // Each task starts as a thread-pool work item of its own rather than Task.Run: no Task, closure and
            // unwrapping promise per task (210 B). Queued locally to the loop's thread, as Task.Run did: in the
            // pool's global queue the starts waited behind every enqueuer's continuation, and with 16 callers
            // enqueueing at full speed a backlog built up (end-to-end p50 91-196 ms instead of 0.3 ms, 3 of 3
            // alternating runs). Not the Unsafe variant: handlers keep the execution context the host was started
            // with, as under Task.Run (its culture and UI culture, say; Activity.Current was cleared in ExecuteAsync);
            // the work item holds a reference to it, one allocation all the same.
            // Tasks beyond the free slots wait for one; a finishing handler starts the next (RunAsync).
            Interlocked.Add(ref _running, claim.Tasks.Count);
            foreach (var task in claim.Tasks)
            {
                TrackQueueRunning(task.Queue, +1);
            }

            var starting = _slots.TakeSlots(claim.Tasks, _timeProvider.GetUtcNow());
            for (var i = 0; i < starting; i++)
            {
                ThreadPool.QueueUserWorkItem(static start => _ = start.Worker.RunAsync(start.Task, start.Stopping), new TaskStart(this, claim.Tasks[i], handlersStopping), preferLocal: true);
            }

            loop.NextDue = claim.NextScheduledAt;
            if (claimNow)
            {
                // A rate limit held tasks back: sleep until it allows the next start rather than polling for it.
                if (claim.NextAllowedAt is { } allowedAt && allowedAt != loop.NextAllowed)
                {
                    Log.RateLimited(_logger, WorkerId, allowedAt);
                }

                loop.NextAllowed = claim.NextAllowedAt;
                loop.Backlog = claim.Tasks.Count == free;
                _backlog = loop.Backlog;
                if (loop.Backlog)
                {
                    return; // a full batch: there may be more once slots free up.
                }
            }

            if (_completions.Count > 0 && !loop.Backlog)
            {
                return;
            }
        }

        // Sleep until a task of ours finishes, an in-process enqueue or rescue wakes us, the next scheduled task
        // falls due, waiting outcomes must be written, or the poll interval passes; after a plain poll, claim
        // only if another process wrote.
        var wakeAt = _timeProvider.GetUtcNow() + _options.PollInterval;
        if (loop.NextDue is { } due && due < wakeAt)
        {
            wakeAt = due;
        }

        if (loop.NextAllowed is { } allowed && allowed < wakeAt)
        {
            wakeAt = allowed;
        }

        if (_completions.OldestAt is { } pendingSince && pendingSince + CompletionLinger < wakeAt)
        {
            wakeAt = pendingSince + CompletionLinger;
        }

        if (_slots.OldestClaimedAt is { } aheadSince && aheadSince + SlotsAndAhead.Limit < wakeAt)
        {
            wakeAt = aheadSince + SlotsAndAhead.Limit;
        }

        var woken = await _wake.WaitUntilAsync(wakeAt, _timeProvider, stoppingToken).ConfigureAwait(false);
        loop.MustClaim = woken
            || (loop.NextDue is { } dueNow && dueNow <= _timeProvider.GetUtcNow())
            || (loop.NextAllowed is { } allowedNow && allowedNow <= _timeProvider.GetUtcNow())
            || await _store.HasExternalWritesAsync(stoppingToken).ConfigureAwait(false);
    }

    /// <summary>What the worker loop carries from one pass to the next; one per run of <see cref="ExecuteAsync"/>.</summary>
    private sealed class LoopState
    {
        /// <summary>When the next scheduled task falls due, as the store's last answer said.</summary>
        public DateTimeOffset? NextDue;

        /// <summary>When a rate limit allows the next start, as of the last claim.</summary>
        public DateTimeOffset? NextAllowed;

        /// <summary>
        /// Whether there may be tasks to claim: at the start, and after a wake-up by a finishing task or an enqueue, a due
        /// or allowed time, or another process's write. After a plain poll the loop only writes outcomes.
        /// </summary>
        public bool MustClaim = true;

        /// <summary>Whether the last claim took a full batch, so there may be more to claim (finishing tasks read its copy, _backlog).</summary>
        public bool Backlog;

        /// <summary>How long to wait before trying the store again after it failed; doubles up to 10 s.</summary>
        public TimeSpan StoreRetryDelay = TimeSpan.FromMilliseconds(100);
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

                    _status.HeartbeatSucceeded(now);

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

    /// <summary>Runs a task in one slot, then the tasks claimed ahead while there are any.</summary>
    /// <remarks>
    /// The executor catches what handlers throw, but not what its own logging or telemetry throws (a log provider that
    /// fails, say). Such a fault must not end the loop before <see cref="SlotsAndAhead.TryHandOn"/> gives the slot up: the slot would
    /// count as busy for good, and with every slot lost the worker would claim tasks only to give them back. The fault
    /// surfaces once the slot is given up, as it did before there were slots to give up.
    /// </remarks>
    private async Task RunAsync(ClaimedTask task, CancellationToken handlersStopping)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? fault = null;
        do
        {
            var began = _slots.HandlerStarting();
            try
            {
                _completions.Add(await _executor.ExecuteAsync(task, WorkerId, handlersStopping).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                fault ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                _slots.HandlerFinished(began);
                Left(task);
            }
        }
        while (_slots.TryHandOn(out task));

        fault?.Throw();
    }

    /// <summary>
    /// A task left this worker's hands (its handler ended, or it went back unstarted): its queue's count and the running
    /// count go down, and the loop is woken when it should look.
    /// </summary>
    private void Left(ClaimedTask task)
    {
        TrackQueueRunning(task.Queue, -1);
        var left = Interlocked.Decrement(ref _running);
        if (left == 0)
        {
            Volatile.Read(ref _allIdle)?.TrySetResult();
        }

        // Without a backlog the loop writes outcomes as they come; with one, it waits for the claim threshold, a full
        // outcome batch or the linger anyway.
        var depth = Volatile.Read(ref _claimDepth);
        if (left == 0 || !_backlog || depth - left == BatchThreshold(depth) || _completions.Count >= CompletionBuffer.MaxBatch)
        {
            _wake.Set();
        }
    }

    private static int BatchThreshold(int depth) => Math.Max(1, depth / 4);

    /// <summary>
    /// Gives back, unstarted and with the attempt unspent, the tasks claimed ahead that have waited
    /// <see cref="SlotsAndAhead.Limit"/> (slow handlers took the slots after all), or all of them when the worker stops.
    /// </summary>
    private bool GiveBackAhead(DateTimeOffset now, bool all)
    {
        if (_slots.TakeToGiveBack(now, all) is not { } given)
        {
            return false;
        }

        foreach (var task in given)
        {
            GiveBack(task, now);
        }

        Log.ClaimedAheadReturned(_logger, WorkerId, given.Count);
        return true;
    }

    /// <summary>A cancellation request for a task claimed ahead: it never starts, and ends cancelled. False when it does not wait here.</summary>
    private bool CancelAhead(long id)
    {
        if (_slots.TakeCancelled(id) is not { } task)
        {
            return false;
        }

        // Given back rather than written Cancelled: it never ran, so its attempt is not spent (as for a pending task
        // cancelled, or one given back after the request). Both callers come after the request is stored
        // (TaskQueue.CancelAsync, the heartbeat), so the store ends it Cancelled, finished now.
        Log.TaskCancelled(_logger, task.Id, task.Name, task.Attempt);
        GiveBack(task, _timeProvider.GetUtcNow());
        Volatile.Write(ref _writeSoon, 1);
        _wake.Set();
        return true;
    }

    /// <summary>A task claimed ahead leaves unstarted: Released, its attempt unspent (Cancelled if its cancellation was requested).</summary>
    private void GiveBack(ClaimedTask task, DateTimeOffset at)
    {
        _completions.Add(new TaskCompletion(task.Id, WorkerId, TaskOutcome.Released, at));
        Left(task);
    }

    private readonly record struct TaskStart(TaskWorker Worker, ClaimedTask Task, CancellationToken Stopping);

    /// <summary>Free slots of each queue with a concurrency of its own (null when no queue has one).</summary>
    private Dictionary<string, int>? FreeQueueSlots()
    {
        if (_queueLimits.Count == 0)
        {
            return null;
        }

        lock (_runningByQueue)
        {
            return _queueLimits.ToDictionary(static q => q.Key, q => q.Value - _runningByQueue.GetValueOrDefault(q.Key), StringComparer.Ordinal);
        }
    }

    private void TrackQueueRunning(string queue, int delta)
    {
        if (_queueLimits.ContainsKey(queue))
        {
            lock (_runningByQueue)
            {
                _runningByQueue[queue] = _runningByQueue.GetValueOrDefault(queue) + delta;
            }
        }
    }

    /// <summary>
    /// Writes every outcome still waiting, at shutdown; retries a while (up to <paramref name="maxAttempts"/> failed writes),
    /// since an unwritten outcome means a rerun after the lease expires.
    /// </summary>
    private async Task FlushCompletionsAsync(int maxAttempts = 10)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; _completions.Count > 0; attempt++)
        {
            var batch = _completions.Take();
            try
            {
                await _store.CompleteManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
                _changes.Publish();
            }
            catch (TaskStoreException ex)
            {
                _completions.Return(batch);
                Log.CompletionFailed(_logger, ex, batch.Count);
                if (attempt >= maxAttempts)
                {
                    return; // the leases expire and the tasks are rescued: they run again rather than vanish.
                }

                await Task.Delay(delay).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private async Task StopRunningAsync(CancellationTokenSource handlersStopping)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A full fence, not a volatile write: a volatile write may pass the read below, and the last finishing task may then
        // see no TaskCompletionSource while this reads it still running (helper-24): shutdown would wait forever.
        Interlocked.Exchange(ref _allIdle, idle);
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
