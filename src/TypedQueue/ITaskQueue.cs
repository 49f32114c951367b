using TypedQueue.Dispatch;
using TypedQueue.Inspection;

namespace TypedQueue;

/// <summary>Enqueues and inspects tasks. Injectable; generated <c>Tasks.X.EnqueueAsync</c> calls go through the same queue.</summary>
public interface ITaskQueue
{
    /// <summary>Stores one task and returns its id.</summary>
    ValueTask<long> EnqueueAsync<TPayload>(TaskDefinition<TPayload> task, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Stores many tasks of one kind in one transaction and returns their ids in payload order.</summary>
    ValueTask<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(TaskDefinition<TPayload> task, IEnumerable<TPayload> payloads, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The outbox: stores one task inside the application's own open transaction (a <c>SqliteTransaction</c> on the same
    /// file for SQLite, an <c>NpgsqlTransaction</c> on the same database for PostgreSQL), so the task exists only if that
    /// transaction commits. The id is final once it commits. Workers see the task after the commit: at once on
    /// PostgreSQL (NOTIFY is delivered on commit) and on a SQLite file the system reports changes of (a local disk: the
    /// commit changes the WAL file, which workers watch), else within <c>PollInterval</c>.
    /// </summary>
    ValueTask<long> EnqueueAsync<TPayload>(System.Data.Common.DbTransaction transaction, TaskDefinition<TPayload> task, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The outbox for many tasks of one kind: stored inside the application's transaction, ids in payload order.</summary>
    ValueTask<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(System.Data.Common.DbTransaction transaction, TaskDefinition<TPayload> task, IEnumerable<TPayload> payloads, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>One task by id, or null when there is none.</summary>
    ValueTask<TaskInfo?> GetTaskAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Counts per queue and state.</summary>
    ValueTask<TaskStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default);

    /// <summary>Tasks in one state, oldest id first, one page at a time (pass the last id seen as <paramref name="afterId"/>).</summary>
    ValueTask<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskState state, int limit = 100, long afterId = 0, CancellationToken cancellationToken = default);

    /// <summary>Tasks matching <paramref name="query"/> (state, queue, name), oldest id first, one page at a time.</summary>
    ValueTask<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes finished tasks (succeeded, dead or cancelled) that finished before <paramref name="finishedBefore"/>; returns how many.</summary>
    ValueTask<int> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a task: one that has not started never runs; a running one has its handler's token fired (at once in
    /// this process, within a heartbeat interval in another) and ends <see cref="TaskState.Cancelled"/> when it stops.
    /// </summary>
    ValueTask<CancelResult> CancelAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Makes a dead or cancelled task pending again with a fresh set of attempts; false when it is in another state.</summary>
    ValueTask<bool> RequeueAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes one task that is not running (scheduled or pending ones then never run) and releases its idempotency key;
    /// a running task is left alone (<see cref="DeleteResult.Running"/>): cancel it first.
    /// </summary>
    ValueTask<DeleteResult> DeleteTaskAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pauses a queue in every process on the database, across restarts: its pending tasks stay pending, untouched, and
    /// no worker claims them until <see cref="ResumeQueueAsync"/>. Running tasks finish. Returns false when it already was paused.
    /// </summary>
    ValueTask<bool> PauseQueueAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused queue; workers claim its tasks again. Returns false when it was not paused.</summary>
    ValueTask<bool> ResumeQueueAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Every queue that has tasks or was ever paused, by name, with its paused state.</summary>
    ValueTask<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes when the task reaches a final state (succeeded, dead or cancelled) and returns it. Outcomes written by
    /// this process's worker are seen at once; by another process, at once on a SQLite file on a local disk (the WAL
    /// watcher tells), else (PostgreSQL, network shares) within <c>PollInterval</c>.
    /// </summary>
    ValueTask<TaskInfo> WaitForCompletionAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Completes when no task is scheduled, pending or running (another process's progress is seen as by <see cref="WaitForCompletionAsync"/>).</summary>
    ValueTask WaitUntilDrainedAsync(CancellationToken cancellationToken = default);
}
