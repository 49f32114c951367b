using Microsoft.Extensions.Options;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue;

/// <summary>The <see cref="ITaskQueue"/> over a store: serializes with the task's generated metadata, inserts, wakes the local worker.</summary>
internal sealed class TaskQueue : ITaskQueue
{
    private readonly ITaskStore _store;
    private readonly WakeSignal _wake;
    private readonly ChangeFeed _changes;
    private readonly RunningTasks _running;
    private readonly TimeProvider _timeProvider;
    private readonly TypedQueueOptions _options;
    private readonly TaskMetrics _metrics;
    private readonly Lock _migrationGate = new();
    private Task? _migration;

    public TaskQueue(ITaskStore store, WakeSignal wake, ChangeFeed changes, RunningTasks running, TimeProvider timeProvider, IOptions<TypedQueueOptions> options, TaskMetrics metrics)
    {
        _metrics = metrics;
        _running = running;
        _store = store;
        _wake = wake;
        _changes = changes;
        _timeProvider = timeProvider;
        _options = options.Value;
        AmbientTaskQueue.Current = this;
    }

    /// <summary>
    /// One payload, the common call: what <see cref="PublishAsync"/> does (the span, the insert, the counter, the wake-up)
    /// without its list of payloads and rows, and with one async step fewer between the caller and the store.
    /// </summary>
    public async ValueTask<long> EnqueueAsync<TPayload>(TaskDefinition<TPayload> task, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        using var activity = TaskTracing.StartPublish(task.Name, task.Queue, 1);
        try
        {
            var (traceParent, traceState) = TaskTracing.CurrentContext();
            var now = _timeProvider.GetUtcNow(); // when the call began, before serializing (as for a batch)
            NewTask[] rows = [ToNewTask(task, task.SerializePayload(payload), options, now, traceParent, traceState)];
            await EnsureMigratedAsync().ConfigureAwait(false);
            var ids = await _store.InsertManyAsync(rows, cancellationToken).ConfigureAwait(false);
            Published(task, activity, ids, wake: true);
            return ids[0];
        }
        catch (Exception ex) when (TaskTracing.Failed(activity, ex))
        {
            throw; // never reached: the filter only marks the span
        }
    }

    public ValueTask<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(TaskDefinition<TPayload> task, IEnumerable<TPayload> payloads, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        PublishAsync(task, payloads, options, transaction: null, cancellationToken);

    public async ValueTask<long> EnqueueAsync<TPayload>(System.Data.Common.DbTransaction transaction, TaskDefinition<TPayload> task, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return (await PublishAsync(task, [payload], options, transaction, cancellationToken).ConfigureAwait(false))[0];
    }

    public ValueTask<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(System.Data.Common.DbTransaction transaction, TaskDefinition<TPayload> task, IEnumerable<TPayload> payloads, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return PublishAsync(task, payloads, options, transaction, cancellationToken);
    }

    /// <summary>
    /// Every enqueue of many payloads, and every enqueue in the application's transaction (a single enqueue of our own has
    /// its own path, <see cref="EnqueueAsync{TPayload}(TaskDefinition{TPayload}, TPayload, EnqueueOptions?, CancellationToken)"/>):
    /// one producer span for the call (each task carries its context), the rows in one insert, the enqueued counter.
    /// With the application's <paramref name="transaction"/> (the outbox), the store checks the schema itself, inside
    /// that transaction or beside it (a migration of ours could otherwise wait for the very transaction the caller holds
    /// open), and nobody is woken: the rows are invisible until the caller commits. PostgreSQL's NOTIFY fires on commit;
    /// SQLite's workers notice the commit at their next poll.
    /// </summary>
    private async ValueTask<IReadOnlyList<long>> PublishAsync<TPayload>(TaskDefinition<TPayload> task, IEnumerable<TPayload> payloads, EnqueueOptions? options, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(payloads);
        var list = payloads as IReadOnlyCollection<TPayload> ?? [.. payloads];
        if (list.Count == 0)
        {
            return [];
        }

        using var activity = TaskTracing.StartPublish(task.Name, task.Queue, list.Count);
        try
        {
            var (traceParent, traceState) = TaskTracing.CurrentContext();
            var now = _timeProvider.GetUtcNow();
            var rows = new List<NewTask>(list.Count);
            foreach (var payload in list)
            {
                rows.Add(ToNewTask(task, task.SerializePayload(payload), options, now, traceParent, traceState));
            }

            long[] ids;
            if (transaction is null)
            {
                await EnsureMigratedAsync().ConfigureAwait(false);
                ids = await _store.InsertManyAsync(rows, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                ids = await _store.InsertManyAsync(rows, transaction, cancellationToken).ConfigureAwait(false);
            }

            Published(task, activity, ids, wake: transaction is null);
            return ids;
        }
        catch (Exception ex) when (TaskTracing.Failed(activity, ex))
        {
            throw; // never reached: the filter only marks the span
        }
    }

    public async ValueTask<TaskInfo?> GetTaskAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        return await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<TaskStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        return new TaskStatistics(await _store.CountByQueueAndStateAsync(cancellationToken).ConfigureAwait(false));
    }

    public ValueTask<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskState state, int limit = 100, long afterId = 0, CancellationToken cancellationToken = default) =>
        ListTasksAsync(new TaskQuery { State = state, Limit = limit, AfterId = afterId }, cancellationToken);

    public async ValueTask<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, 10_000, nameof(query));
        await EnsureMigratedAsync().ConfigureAwait(false);
        return await _store.ListTasksAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        return await _store.DeleteFinishedBeforeAsync(finishedBefore, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CancelResult> CancelAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        var result = await _store.CancelAsync(id, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (result == CancelResult.CancellationRequested)
        {
            _running.RequestCancel(id);
        }
        else if (result == CancelResult.Cancelled)
        {
            _changes.Publish();
        }

        return result;
    }

    public async ValueTask<DeleteResult> DeleteTaskAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        var result = await _store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        if (result == DeleteResult.Deleted)
        {
            _changes.Publish();
        }

        return result;
    }

    public async ValueTask<bool> RequeueAsync(long id, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        var requeued = await _store.RequeueAsync(id, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (requeued)
        {
            _wake.Set();
        }

        return requeued;
    }

    private static void CheckQueueName(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (!Hosting.QueueNames.IsValid(queue))
        {
            throw new ArgumentException($"The queue name '{queue}' is not valid: {Hosting.QueueNames.Rule}", nameof(queue));
        }
    }

    public async ValueTask<bool> PauseQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        CheckQueueName(queue);
        await EnsureMigratedAsync().ConfigureAwait(false);
        return await _store.SetQueuePausedAsync(queue, paused: true, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> ResumeQueueAsync(string queue, CancellationToken cancellationToken = default)
    {
        CheckQueueName(queue);
        await EnsureMigratedAsync().ConfigureAwait(false);
        var resumed = await _store.SetQueuePausedAsync(queue, paused: false, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (resumed)
        {
            _wake.Set(); // the local worker claims the queue's backlog at once.
        }

        return resumed;
    }

    public async ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        return await _store.ListQueuesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<TaskInfo> WaitForCompletionAsync(long id, CancellationToken cancellationToken = default)
    {
        await WatchOtherProcessesAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var changed = _changes.Next;
            var task = await GetTaskAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"There is no task {id}.");
            if (task.State is TaskState.Succeeded or TaskState.Dead or TaskState.Cancelled)
            {
                return task;
            }

            await WaitForChangeAsync(changed, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask WaitUntilDrainedAsync(CancellationToken cancellationToken = default)
    {
        await WatchOtherProcessesAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var changed = _changes.Next;
            await EnsureMigratedAsync().ConfigureAwait(false);
            if (!await _store.AnyUnfinishedAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await WaitForChangeAsync(changed, cancellationToken).ConfigureAwait(false);
        }
    }

    // Before the first read: from here on, other processes' commits publish to the change feed where the store can tell
    // (SQLite's WAL watcher), so their outcomes are seen at once rather than at the next poll.
    private async Task WatchOtherProcessesAsync(CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync().ConfigureAwait(false);
        await _store.WatchForExternalCommitsAsync(cancellationToken).ConfigureAwait(false);
    }

    // In-process workers publish every batch they write, and the store other processes' commits where it can tell; the
    // poll interval covers the rest.
    private async Task WaitForChangeAsync(Task changed, CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(_options.PollInterval, _timeProvider, poll.Token);
        await Task.WhenAny(changed, timeout).ConfigureAwait(false);
        await poll.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    // The schema is checked once per process; a failed check (say, a locked file) is tried again on the next call.
    internal Task EnsureMigratedAsync()
    {
        lock (_migrationGate)
        {
            if (_migration is null || _migration.IsFaulted || _migration.IsCanceled)
            {
                _migration = _store.MigrateAsync(CancellationToken.None);
            }

            return _migration;
        }
    }

    /// <summary>
    /// After an insert: the span gets the id of a single task, the counter the rows, and the local worker a wake-up (a due
    /// task wakes it at once; a scheduled one wakes it to recompute how long to sleep), except for the outbox, whose rows
    /// are invisible until the caller commits.
    /// </summary>
    private void Published<TPayload>(TaskDefinition<TPayload> task, System.Diagnostics.Activity? activity, long[] ids, bool wake)
    {
        if (ids.Length == 1)
        {
            TaskTracing.Published(activity, ids[0]);
        }

        _metrics.Enqueued(task.Name, task.Queue, ids.Length);
        if (wake)
        {
            _wake.Set();
        }
    }

    /// <summary>A key for "the same payload": the SHA-256 of its JSON, which the generated serializer writes deterministically.</summary>
    private static string PayloadKey(string payload) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(payload)));

    private NewTask ToNewTask<TPayload>(TaskDefinition<TPayload> task, string payload, EnqueueOptions? options, DateTimeOffset now, string? traceParent, string? traceState)
    {
        // UTF-8 is at most 3 bytes per UTF-16 unit, so only payloads near the limit need counting.
        if (payload.Length * 3L > _options.MaxPayloadBytes && System.Text.Encoding.UTF8.GetByteCount(payload) > _options.MaxPayloadBytes)
        {
            throw new TaskPayloadTooLargeException(
                $"The payload of a '{task.Name}' task is {System.Text.Encoding.UTF8.GetByteCount(payload)} bytes of JSON, over the limit of {_options.MaxPayloadBytes} (TypedQueue:MaxPayloadBytes). Store large data elsewhere and enqueue a reference to it.");
        }

        var runAt = options?.RunAt ?? (options?.Delay is { } delay ? now + delay : now);
        var priority = options?.Priority ?? task.Priority;
        if (priority is < TaskPriority.Min or > TaskPriority.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(options), priority, $"Priority must be between {TaskPriority.Min} and {TaskPriority.Max}.");
        }

        var key = options?.IdempotencyKey ?? (task.UniqueByPayload ? PayloadKey(payload) : null);
        var window = options?.UniqueFor ?? task.UniqueFor;
        if (window < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), window, "A unique window cannot be negative.");
        }

        return new NewTask(task.Name, task.Queue, priority, task.MaxAttempts, payload, now, runAt.ToUniversalTime(), key, window, traceParent, traceState);
    }
}
