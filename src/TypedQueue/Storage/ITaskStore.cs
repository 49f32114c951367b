using TypedQueue.Inspection;

namespace TypedQueue.Storage;

/// <summary>
/// The storage seam. Every store (SQLite, PostgreSQL) implements these Noun+Verb operations
/// and passes the same conformance suite. Times are UTC.
/// </summary>
internal interface ITaskStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema; fails clearly on a schema newer than this version understands.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Inserts tasks in one transaction; returns their ids in input order (an existing task's id for a duplicate key).</summary>
    Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken);

    /// <summary>
    /// The outbox: inserts tasks inside the application's own open transaction on its own connection (of this store's
    /// kind), so they exist only if that transaction commits. Does not commit; ids are final once it does. A transaction
    /// of another kind is an <see cref="ArgumentException"/>.
    /// </summary>
    Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: writes <paramref name="completions"/> (as <see cref="CompleteManyAsync"/> does), promotes due
    /// scheduled tasks, claims up to <see cref="ClaimRequest.Max"/> pending ones (none when it is 0), and says when the
    /// earliest task still scheduled falls due, so an idle worker knows how long it may sleep.
    /// </summary>
    Task<ClaimResult> ClaimAvailableAsync(ClaimRequest request, IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken);

    /// <summary>
    /// Whether another connection (another process) has written since the last call: a cheap check that lets an idle
    /// worker skip a claim transaction when nothing changed. Errs on the side of true.
    /// </summary>
    Task<bool> HasExternalWritesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes this process hear of other processes' commits as soon as the store can tell, for callers that wait on them
    /// (<see cref="ITaskQueue.WaitForCompletionAsync"/>): SQLite starts its WAL watcher (a worker's first claim does too);
    /// PostgreSQL has nothing to add (its NOTIFY covers new tasks, not outcomes). Idempotent and cheap after the first call.
    /// </summary>
    Task WatchForExternalCommitsAsync(CancellationToken cancellationToken);

    /// <summary>Writes outcomes in one transaction, each only while the worker still holds the task; returns how many were written.</summary>
    Task<int> CompleteManyAsync(IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken);

    /// <summary>One task, or null.</summary>
    Task<TaskInfo?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Whether any task is scheduled, pending or running (an index probe, unlike a count).</summary>
    Task<bool> AnyUnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>Counts per queue and state.</summary>
    Task<IReadOnlyList<QueueStateCount>> CountByQueueAndStateAsync(CancellationToken cancellationToken);

    /// <summary>A page of tasks matching every filter the query sets, by ascending id after its <see cref="TaskQuery.AfterId"/>.</summary>
    Task<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes succeeded, dead and cancelled tasks finished before the cut-off; returns how many.</summary>
    Task<int> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);


    /// <summary>
    /// Heartbeat: extends the lease of every task this worker runs; returns the ids among them whose cancellation
    /// was requested.
    /// </summary>
    Task<IReadOnlyList<long>> ExtendLeasesAsync(string workerId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back running tasks whose lease expired (their worker died or hung): pending again, or dead when no
    /// attempt is left. Returns how many.
    /// </summary>
    Task<int> RescueExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Cancels a scheduled or pending task at once, or asks the worker running it to stop.</summary>
    Task<CancelResult> CancelAsync(long id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a recurring entry or updates it; an existing entry keeps its next run unless its cron or zone changed.
    /// </summary>
    Task UpsertRecurringAsync(RecurringRow entry, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: upserts the attribute-declared entries (as <see cref="UpsertRecurringAsync"/>) and deletes
    /// attribute-declared entries not among them.
    /// </summary>
    Task SyncDeclaredRecurringAsync(IReadOnlyList<RecurringRow> declared, CancellationToken cancellationToken);

    /// <summary>Deletes a recurring entry; false when there was none.</summary>
    Task<bool> DeleteRecurringAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every recurring entry, by id.</summary>
    Task<IReadOnlyList<RecurringRow>> ListRecurringAsync(CancellationToken cancellationToken);

    /// <summary>The earliest next run of any recurring entry, or null when there is none.</summary>
    Task<DateTimeOffset?> NextRecurringAtAsync(CancellationToken cancellationToken);

    /// <summary>
    /// In one write transaction: for every entry due at <paramref name="now"/>, asks <paramref name="plan"/> which
    /// occurrences to enqueue and when the entry runs next (null leaves the entry as it is), inserts those tasks (each keyed <c>cron:{id}:{unix ms}</c>
    /// through the idempotency-key path, so an occurrence can never be enqueued twice) and advances the entry. The write
    /// lock serializes processes: each occurrence is enqueued exactly once however many schedulers run.
    /// </summary>
    Task<IReadOnlyList<RecurringFiring>> FireDueRecurringAsync(DateTimeOffset now, Func<RecurringRow, DateTimeOffset, RecurringPlan?> plan, CancellationToken cancellationToken);

    /// <summary>Deletes a task that is not running, with its idempotency key, in one transaction.</summary>
    Task<DeleteResult> DeleteAsync(long id, CancellationToken cancellationToken);

    /// <summary>Makes a dead or cancelled task pending again with a fresh set of attempts; false when it is not dead or cancelled.</summary>
    Task<bool> RequeueAsync(long id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// What a health check needs in one read: whether the store accepts writes, the tasks ready to run at
    /// <paramref name="now"/> (pending, or scheduled and due) and the oldest one's due time, and the running tasks whose
    /// lease expired before <paramref name="leaseExpiredBefore"/> (nobody rescued them).
    /// </summary>
    Task<StoreHealth> GetHealthAsync(DateTimeOffset now, DateTimeOffset leaseExpiredBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Pauses or resumes a queue, durably: claims (in every process on the store) leave a paused queue's pending tasks
    /// alone. Returns false when the queue already was in that state.
    /// </summary>
    Task<bool> SetQueuePausedAsync(string queue, bool paused, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every queue that has tasks or a pause record, by name, with its paused state.</summary>
    Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken);
}

/// <summary>A health snapshot of a store (see <see cref="ITaskStore.GetHealthAsync"/>).</summary>
internal readonly record struct StoreHealth(bool IsWritable, long ReadyTasks, DateTimeOffset? OldestReadySince, long ExpiredLeases, DateTimeOffset? OldestExpiredLease);

/// <summary>
/// A task to insert. It starts <see cref="TaskState.Scheduled"/> when <see cref="RunAt"/> is after <see cref="EnqueuedAt"/>.
/// With an <see cref="IdempotencyKey"/>, no second task of the same name and key is created while the first is
/// unfinished or within <see cref="UniqueWindow"/> after it finished: the insert returns the first task's id.
/// <see cref="TraceParent"/> and <see cref="TraceState"/> carry the enqueuer's W3C trace context to the worker.
/// </summary>
internal sealed record NewTask(
    string Name,
    string Queue,
    int Priority,
    int MaxAttempts,
    string Payload,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset RunAt,
    string? IdempotencyKey,
    TimeSpan UniqueWindow = default,
    string? TraceParent = null,
    string? TraceState = null);

/// <summary>
/// A claim: which worker, how many free slots, and until when the lease holds. <see cref="Policy"/> adds queue order,
/// FIFO/LIFO and rate limits; <see cref="QueueSlots"/> caps what the claim takes from a queue (its free slots in this
/// worker under a per-queue concurrency). Paused queues are always skipped.
/// </summary>
internal readonly record struct ClaimRequest(
    string WorkerId,
    int Max,
    DateTimeOffset Now,
    DateTimeOffset LeaseExpiresAt,
    ClaimPolicy? Policy = null,
    IReadOnlyDictionary<string, int>? QueueSlots = null);

/// <summary>
/// The tasks a claim took, when the next scheduled task falls due (null when none is scheduled), and when a rate
/// limit that held back pending tasks next allows a start (null when none did).
/// </summary>
internal readonly record struct ClaimResult(IReadOnlyList<ClaimedTask> Tasks, DateTimeOffset? NextScheduledAt, DateTimeOffset? NextAllowedAt = null);

/// <summary>
/// A task handed to a worker. <see cref="Attempt"/> already counts this attempt. <see cref="TraceParent"/> and
/// <see cref="TraceState"/> are the enqueuer's trace context, as stored.
/// </summary>
internal sealed record ClaimedTask(
    long Id,
    string Name,
    string Queue,
    int Priority,
    string Payload,
    int Attempt,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset ScheduledAt,
    string? IdempotencyKey,
    string? TraceParent = null,
    string? TraceState = null)
{
    /// <summary>Puts claimed tasks in claim order (a claim's RETURNING list promises none): priority, then due time, then id.</summary>
    public static void SortInClaimOrder(List<ClaimedTask> tasks) =>
        tasks.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority)
            : a.ScheduledAt != b.ScheduledAt ? a.ScheduledAt.CompareTo(b.ScheduledAt)
            : a.Id.CompareTo(b.Id));
}

/// <summary>What became of an attempt.</summary>
internal enum TaskOutcome
{
    /// <summary>The handler returned.</summary>
    Succeeded,

    /// <summary>The handler failed and attempts remain: schedule again at <see cref="TaskCompletion.RetryAt"/>.</summary>
    Retry,

    /// <summary>No attempt left, or a failure no retry can fix.</summary>
    Dead,

    /// <summary>The worker is stopping, or never started the task (claimed ahead): give it back without spending the attempt.</summary>
    Released,

    /// <summary>The task's cancellation was requested and the handler stopped.</summary>
    Cancelled,
}

/// <summary>An attempt's outcome, written only while <see cref="WorkerId"/> still holds the task.</summary>
internal sealed record TaskCompletion(
    long Id,
    string WorkerId,
    TaskOutcome Outcome,
    DateTimeOffset At,
    string? Result = null,
    TaskError? Error = null,
    DateTimeOffset? RetryAt = null);

/// <summary>A recurring entry as stored. <see cref="Payload"/> is null for attribute-declared entries.</summary>
internal sealed record RecurringRow(
    string Id,
    string Name,
    string Queue,
    int Priority,
    int MaxAttempts,
    string Cron,
    string TimeZone,
    string? Payload,
    Scheduling.RecurringCatchUp? CatchUp,
    bool IsDeclared,
    DateTimeOffset NextRunAt,
    DateTimeOffset? LastRunAt = null);

/// <summary>What to do with a due entry: the occurrences to enqueue (each with its payload JSON) and its next run.</summary>
internal sealed record RecurringPlan(IReadOnlyList<RecurringRun> Runs, DateTimeOffset NextRunAt);

/// <summary>One occurrence to enqueue: its time (the task's run_at) and payload JSON.</summary>
internal readonly record struct RecurringRun(DateTimeOffset At, string Payload);

/// <summary>What firing one entry did: the tasks enqueued (ids, in occurrence order) and the entry's next run.</summary>
internal sealed record RecurringFiring(string Id, string Name, IReadOnlyList<long> TaskIds, IReadOnlyList<DateTimeOffset> Occurrences, DateTimeOffset NextRunAt);
