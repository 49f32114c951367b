using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using TypedQueue.Diagnostics;
using TypedQueue.Inspection;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// The embedded default store. Writes go through one connection guarded by a lock (so "database is locked" never
/// comes from this process), each in a <c>BEGIN IMMEDIATE</c> transaction; other processes are waited for by
/// busy_timeout and a bounded retry. Reads use pooled connections and never block the writer (WAL).
/// </summary>
internal sealed partial class SqliteTaskStore : ITaskStore
{
    /// <summary>
    /// Claims the best pending tasks in one statement. INDEXED BY pins the walk to the pending index, so the cost stays
    /// O(log n + claimed) however deep the backlog, whatever the planner's statistics say. <c>LIMIT $max + 0</c>, not
    /// <c>LIMIT $max</c>: SQLite (3.53) compiles a bare bound LIMIT's value into the plan, and binding such a parameter
    /// (every claim binds it) expires the statement, so the kept statement was
    /// recompiled on every claim, whatever the value (8 % of a drain's CPU).
    /// </summary>
    internal const string ClaimSql = $"""
        UPDATE tq_tasks
        SET state = 2, attempts = attempts + 1, worker_id = $worker, lease_expires_at = $lease, started_at = $now
        WHERE id IN (SELECT id FROM tq_tasks INDEXED BY tq_tasks_pending WHERE state = 1 ORDER BY priority DESC, run_at, id LIMIT $max + 0)
        RETURNING {TaskRows.ClaimedColumns}
        """;

    /// <summary>How many plain successes one <see cref="SucceedManySql"/> marks done.</summary>
    internal const int SucceedManyRows = 16;

    /// <summary>
    /// Marks up to <see cref="SucceedManyRows"/> plain successes (no result) done, each only while its worker holds the
    /// task: rows of ($idN, $atN, $workerN), looked up by id; a row whose id is NULL matches nothing. Should one task be
    /// in two rows, it is marked done once, with either row's time.
    /// </summary>
    internal static readonly string SucceedManySql = $"""
        UPDATE tq_tasks SET state = 3, finished_at = v.column2, result = NULL, worker_id = NULL, lease_expires_at = NULL
        FROM (VALUES {string.Join(", ", SucceedManyParameters().Chunk(3).Select(static row => $"({string.Join(", ", row)})"))}) AS v
        WHERE tq_tasks.id = v.column1 AND tq_tasks.state = 2 AND tq_tasks.worker_id = v.column3
        """;

    /// <summary>The parameters of <see cref="SucceedManySql"/> in binding order: $id0, $at0, $worker0, $id1, …</summary>
    internal static string[] SucceedManyParameters() =>
        [.. Enumerable.Range(0, SucceedManyRows).SelectMany(static r => new[] { $"$id{r}", $"$at{r}", $"$worker{r}" })];

    /// <summary>
    /// Writes any other outcome, only while its worker holds the task. A task given back ($give_back = 1) whose
    /// cancellation was requested meanwhile ends cancelled instead of pending, at $finished_at (bound for it too).
    /// </summary>
    private const string CompleteSql = """
        UPDATE tq_tasks
        SET state = CASE WHEN $give_back = 1 AND cancel_requested = 1 THEN 5 ELSE $state END,
            attempts = attempts - $give_back,
            run_at = COALESCE($run_at, run_at),
            finished_at = CASE WHEN $give_back = 1 AND cancel_requested = 0 THEN NULL ELSE $finished_at END,
            result = $result,
            error_type = COALESCE($error_type, error_type),
            error_message = COALESCE($error_message, error_message),
            error_stack = CASE WHEN $error_type IS NULL THEN error_stack ELSE $error_stack END,
            worker_id = NULL,
            lease_expires_at = NULL
        WHERE id = $id AND state = 2 AND worker_id = $worker
        """;

    /// <summary>
    /// Makes due scheduled tasks pending. INDEXED BY, as for the claim: the walk must stay on the due part of the
    /// scheduled index, whatever the planner's statistics say, so a deep backlog of delayed tasks never slows a claim.
    /// </summary>
    internal const string PromoteSql = "UPDATE tq_tasks INDEXED BY tq_tasks_scheduled SET state = 1 WHERE state = 0 AND run_at <= $now";

    /// <summary>
    /// Whether any task is scheduled, pending or running: one look into each state's partial index. With no index on
    /// state alone, <c>state IN (0, 1, 2)</c> would scan the table, every finished task included.
    /// </summary>
    internal const string AnyUnfinishedSql = """
        SELECT EXISTS (SELECT 1 FROM tq_tasks WHERE state = 1)
            OR EXISTS (SELECT 1 FROM tq_tasks WHERE state = 0)
            OR EXISTS (SELECT 1 FROM tq_tasks WHERE state = 2)
        """;

    /// <summary>When the earliest scheduled task falls due: the first entry of the scheduled index.</summary>
    internal const string NextDueSql = "SELECT min(run_at) FROM tq_tasks INDEXED BY tq_tasks_scheduled WHERE state = 0";

    /// <summary>Error type recorded on a task whose worker stopped renewing its lease.</summary>
    internal const string LeaseExpiredError = "TypedQueue.LeaseExpired";

    private const string TaskColumns = TaskRows.Columns;

    /// <summary>The writer connection's page cache, KiB (<c>PRAGMA cache_size</c>; SQLite's default is 2,000).</summary>
    internal const int WriterCacheKib = 32 * 1024;

    // How long SQLite's busy handler waits for another process's lock (per try; see MaxBusyRetries).
    private const int BusyTimeoutMs = 5000;

    // How long BEGIN IMMEDIATE retries with the CPU yielded before SQLite's busy handler takes over (see BeginImmediate).
    private static readonly TimeSpan QuickRetryWindow = TimeSpan.FromMilliseconds(1);

    private int _writerBusyTimeoutMs = BusyTimeoutMs;

    // SQLITE_BUSY and SQLITE_LOCKED: another process holds the write lock longer than busy_timeout.
    private const int MaxBusyRetries = 8;

    private readonly SqliteStoreSettings _settings;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;
    private readonly SqliteStatement?[] _insert = new SqliteStatement?[MaxRowsPerInsert + 1];
    private SqliteStatement? _triggersCheck;
    private bool _triggersOnTasks;
    private long _triggersVersion = long.MinValue;
    private SqliteStatement? _begin;
    private SqliteStatement? _commit;
    private SqliteStatement? _rollback;
    private SqliteStatement? _promote;
    private SqliteStatement? _claim;
    private SqliteStatement? _complete;
    private SqliteStatement? _nextDue;
    private SqliteStatement? _succeedMany;
    private readonly RepeatedText _claimedNames = new();
    private readonly RepeatedText _claimedQueues = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly List<InsertRequest> _pendingInserts = [];

    // Told when another connection's commit is visible (see SqliteTaskStore.ExternalCommits.cs); the logger says why the
    // file cannot be watched.
    private readonly Action? _onExternalCommit;
    private readonly ILogger? _logger;

    /// <param name="settings">Connection string and durability.</param>
    /// <param name="onExternalCommit">Called when another connection's commit has become visible, as soon as the WAL watcher reports it; null: no watching.</param>
    /// <param name="logger">Says once why the WAL file cannot be watched, if it cannot.</param>
    public SqliteTaskStore(SqliteStoreSettings settings, Action? onExternalCommit = null, ILogger? logger = null)
    {
        _settings = settings;
        _onExternalCommit = onExternalCommit;
        _logger = logger;
    }

    /// <summary>The database file (or URI) this store writes.</summary>
    public string DataSource => _settings.DataSource;

    /// <summary>The store as logs and the health check name it: its database file.</summary>
    public override string ToString() => DataSource;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // A file already at this version needs no write lock: checking by a read first keeps start-up (and the first
        // call of a process) from waiting on another connection's open write transaction, such as an outbox caller's.
        var current = await ReadAsync("prepare the database", async connection =>
            Convert.ToInt32(await ScalarAsync(connection, null, "PRAGMA user_version", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == SqliteSchema.CurrentVersion,
            cancellationToken).ConfigureAwait(false);
        if (!current)
        {
            await MigrateCoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task MigrateCoreAsync(CancellationToken cancellationToken) =>
        WriteAsync("prepare the database", async connection =>
        {
            await MigrateInAsync(connection, null, DataSource, cancellationToken).ConfigureAwait(false);
            _triggersVersion = long.MinValue; // the writer's own schema changes leave data_version alone
            return 0;
        }, cancellationToken);

    /// <summary>
    /// Brings the schema to <see cref="SqliteSchema.CurrentVersion"/> inside the write transaction open on the connection:
    /// the application's <paramref name="transaction"/> on the outbox path, or the store's own (null).
    /// </summary>
    private static async Task MigrateInAsync(SqliteConnection connection, SqliteTransaction? transaction, string dataSource, CancellationToken cancellationToken)
    {
        var version = Convert.ToInt32(await ScalarAsync(connection, transaction, "PRAGMA user_version", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SqliteSchema.CurrentVersion)
        {
            throw new TaskStoreException(
                $"The database '{dataSource}' has TypedQueue schema version {version}, newer than this version of TypedQueue understands ({SqliteSchema.CurrentVersion}). Upgrade the TypedQueue package in this application.");
        }

        for (var next = version; next < SqliteSchema.CurrentVersion; next++)
        {
            await ExecuteAsync(connection, transaction, SqliteSchema.Migrations[next], cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"PRAGMA user_version = {next + 1}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One transaction for the worker: enqueues waiting for the write lock ride along (their rows go in first, so this
    /// very claim can take them: one commit where there were two), then the outcomes, promotion of due tasks and the claim.
    /// If the transaction fails, the riders go back to the waiting list and are written on their own.
    /// </summary>
    public async Task<ClaimResult> ClaimAvailableAsync(ClaimRequest request, IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken)
    {
        List<InsertRequest>? riders = null;
        long[][] riderIds = [];
        ClaimResult result;
        try
        {
            result = await ClaimCoreAsync(request, completions, async connection =>
            {
                riders ??= TakePendingInserts();
                riderIds = riders.Count == 0 ? [] : await InsertRequestsAsync(connection, riders).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch when (riders is { Count: > 0 })
        {
            // Their callers may have stopped waiting for the lock (cancelled), so a write of their own is started here.
            lock (_pendingInserts)
            {
                _pendingInserts.InsertRange(0, riders);
            }

            _ = Task.Run(async () =>
            {
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await WriteInsertBatchAsync(CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            });
            throw;
        }

        for (var r = 0; r < riderIds.Length; r++)
        {
            riders![r].Ids.TrySetResult(riderIds[r]);
        }

        return result;
    }

    private Task<ClaimResult> ClaimCoreAsync(ClaimRequest request, IReadOnlyList<TaskCompletion> completions, Func<SqliteConnection, Task> first, CancellationToken cancellationToken) =>
        WriteAsync("claim tasks", async connection =>
        {
            // Only a worker claims: its first claim starts the WAL watcher. Inside the transaction, so no other connection
            // can commit between the start and the claim: nothing after it goes unreported.
            StartWatchingWal(connection);
            await first(connection).ConfigureAwait(false);
            Complete(connection, completions);

            var now = request.Now.ToUnixTimeMilliseconds();
            var promote = _promote ??= SqliteStatement.Prepare(connection, PromoteSql, parameters: "$now");
            promote.Bind(1, now);
            promote.Execute();

            // Paused queues, rate limits, per-queue slots, LIFO or queue weights need the lane-by-lane claim; the
            // common case stays one statement over the pending index.
            await RefreshPausedAsync(connection, cancellationToken).ConfigureAwait(false);
            if (_paused.Count > 0 || request.Policy is { IsPlain: false } || request.QueueSlots is { Count: > 0 })
            {
                return await ClaimByLaneAsync(connection, request, now, cancellationToken).ConfigureAwait(false);
            }

            var claimed = new List<ClaimedTask>(Math.Max(request.Max, 0));
            if (request.Max > 0)
            {
                var claim = _claim ??= SqliteStatement.Prepare(connection, ClaimSql, parameters: ["$worker", "$lease", "$now", "$max"]);
                BindClaim(claim, request, now);
                claim.Bind(4, (long)request.Max);
                ReadClaimed(claim, claimed);
            }

            ClaimedTask.SortInClaimOrder(claimed);

            return new ClaimResult(claimed, NextDue(connection));
        }, cancellationToken);

    /// <summary>Binds what every claim statement starts with: $worker, $lease, $now.</summary>
    private static void BindClaim(SqliteStatement claim, ClaimRequest request, long now)
    {
        claim.Bind(1, request.WorkerId);
        claim.Bind(2, request.LeaseExpiresAt.ToUnixTimeMilliseconds());
        claim.Bind(3, now);
    }

    /// <summary>
    /// Runs a claim statement and reads its RETURNING list (<see cref="TaskRows.ClaimedColumns"/>, in that order) into
    /// <paramref name="claimed"/>. Names and queues repeat from task to task, so each is decoded once and shared.
    /// </summary>
    private void ReadClaimed(SqliteStatement claim, List<ClaimedTask> claimed)
    {
        try
        {
            while (claim.Read())
            {
                claimed.Add(new ClaimedTask(
                    Id: claim.Int64(0),
                    Name: claim.Text(1, _claimedNames),
                    Queue: claim.Text(2, _claimedQueues),
                    Priority: claim.Int32(3),
                    Payload: claim.Text(4),
                    Attempt: claim.Int32(5),
                    MaxAttempts: claim.Int32(6),
                    EnqueuedAt: FromMs(claim.Int64(7)),
                    ScheduledAt: FromMs(claim.Int64(8)),
                    IdempotencyKey: claim.NullableText(9),
                    TraceParent: claim.NullableText(10),
                    TraceState: claim.NullableText(11)));
            }
        }
        catch
        {
            // A row that fails to read (an instant out of range) stops the loop mid-way: a statement left un-reset keeps
            // the writer's read snapshot, so the rollback's next BEGIN IMMEDIATE and the next bind would fail for good.
            claim.Reset();
            throw;
        }
    }

    private DateTimeOffset? NextDue(SqliteConnection connection) =>
        (_nextDue ??= SqliteStatement.Prepare(connection, NextDueSql)).ExecuteScalarInt64() is { } ms ? FromMs(ms) : null;

    /// <summary>Runs <paramref name="use"/> on the writer connection under the write lock.</summary>
    internal async Task<T> UseWriterAsync<T>(Func<SqliteConnection, T> use, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return use(await GetWriterAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private long DataVersion(SqliteConnection writer) =>
        (_dataVersion ??= SqliteStatement.Prepare(writer, "PRAGMA data_version")).ExecuteScalarInt64()
        ?? throw new InvalidOperationException("PRAGMA data_version returned no row.");

    public Task<int> CompleteManyAsync(IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken) =>
        completions.Count == 0
            ? Task.FromResult(0)
            : WriteAsync("record task outcomes", connection => Task.FromResult(Complete(connection, completions)), cancellationToken);

    /// <summary>
    /// Writes outcomes; the WHERE clauses make a late finisher a no-op once the task was taken from it. Plain successes
    /// (no result), the common case, go <see cref="SucceedManyRows"/> to a statement, their ids, times and workers bound
    /// as rows of a VALUES list: against one single-row UPDATE each, 0.6-1.0 us less per task writing outcomes (3.1-3.7
    /// vs 3.8-4.7 us, 3 alternating drains of 100,000; faster drains in 13 of 16 alternating pairs). Measured earlier
    /// against one statement over a JSON array through json_each: building and parsing the JSON cost more than the binds
    /// it saved. Any other outcome is one 10-parameter UPDATE, after the successes bound before it.
    /// </summary>
    private int Complete(SqliteConnection connection, IReadOnlyList<TaskCompletion> completions)
    {
        try
        {
            return CompleteCore(connection, completions);
        }
        catch
        {
            _succeedMany?.Reset(); // successes bound but not run must not ride along with the next batch
            throw;
        }
    }

    private int CompleteCore(SqliteConnection connection, IReadOnlyList<TaskCompletion> completions)
    {
        var written = 0;
        var successes = 0; // rows bound in _succeedMany so far
        foreach (var completion in completions)
        {
            var at = completion.At.ToUnixTimeMilliseconds();
            if (completion.Outcome == TaskOutcome.Succeeded && completion.Result is null)
            {
                var succeed = _succeedMany ??= SqliteStatement.Prepare(connection, SucceedManySql, parameters: SucceedManyParameters());
                succeed.Bind(3 * successes + 1, completion.Id);
                succeed.Bind(3 * successes + 2, at);
                succeed.Bind(3 * successes + 3, completion.WorkerId);
                if (++successes == SucceedManyRows)
                {
                    WriteSuccesses();
                }

                continue;
            }

            // The successes bound so far go first: outcomes keep their batch order (one task twice in a batch, after a
            // rescued lease: its first outcome wins, as when each was a statement of its own).
            WriteSuccesses();

            (TaskState State, long? Finished, long? RunAt) row = completion.Outcome switch
            {
                TaskOutcome.Succeeded => (TaskState.Succeeded, at, null),
                TaskOutcome.Dead => (TaskState.Dead, at, null),
                TaskOutcome.Cancelled => (TaskState.Cancelled, at, null),
                TaskOutcome.Retry => (TaskState.Scheduled, null, (completion.RetryAt ?? completion.At).ToUnixTimeMilliseconds()),
                TaskOutcome.Released => (TaskState.Pending, at, null), // finished at `at` only if its cancellation was requested
                _ => throw new ArgumentOutOfRangeException(nameof(completions), completion.Outcome, "Unknown outcome."),
            };
            var complete = _complete ??= SqliteStatement.Prepare(connection, CompleteSql, parameters:
                ["$give_back", "$state", "$run_at", "$finished_at", "$result", "$error_type", "$error_message", "$error_stack", "$id", "$worker"]);
            complete.Bind(1, completion.Outcome == TaskOutcome.Released ? 1L : 0L);
            complete.Bind(2, (long)row.State);
            complete.Bind(3, row.RunAt);
            complete.Bind(4, row.Finished);
            complete.Bind(5, completion.Result);
            complete.Bind(6, completion.Error?.Type);
            complete.Bind(7, completion.Error?.Message);
            complete.Bind(8, completion.Error?.StackTrace);
            complete.Bind(9, completion.Id);
            complete.Bind(10, completion.WorkerId);
            written += complete.Execute();
        }

        WriteSuccesses();
        return written;

        // Rows not bound this time are NULL (each execution clears its bindings), and a NULL id matches nothing.
        void WriteSuccesses()
        {
            if (successes > 0)
            {
                written += _succeedMany!.Execute();
                successes = 0;
            }
        }
    }

    public Task<IReadOnlyList<long>> ExtendLeasesAsync(string workerId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>("renew leases", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE tq_tasks SET lease_expires_at = $lease
                WHERE state = 2 AND worker_id = $worker
                RETURNING id, cancel_requested
                """;
            command.Parameters.AddWithValue("$lease", leaseExpiresAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$worker", workerId);
            var cancelRequested = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetInt64(1) != 0)
                {
                    cancelRequested.Add(reader.GetInt64(0));
                }
            }

            return cancelRequested;
        }, cancellationToken);

    public Task<int> RescueExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("rescue expired leases", async connection =>
        {
            await using var command = connection.CreateCommand();
            // A cancelled task stays cancelled; one with attempts left runs again; the rest are dead.
            command.CommandText = $"""
                UPDATE tq_tasks
                SET state = CASE WHEN cancel_requested = 1 THEN 5 WHEN attempts >= max_attempts THEN 4 ELSE 1 END,
                    finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN $now ELSE NULL END,
                    error_type = '{LeaseExpiredError}',
                    error_message = 'The worker ' || worker_id || ' stopped renewing its lease (it crashed, hung or lost the database) during attempt ' || attempts || '.',
                    error_stack = NULL,
                    worker_id = NULL,
                    lease_expires_at = NULL
                WHERE state = 2 AND lease_expires_at < $now
                """;
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<CancelResult> CancelAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("cancel a task", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE tq_tasks
                SET cancel_requested = 1,
                    state = CASE WHEN state IN (0, 1) THEN 5 ELSE state END,
                    finished_at = CASE WHEN state IN (0, 1) THEN $now ELSE finished_at END
                WHERE id = $id AND state IN (0, 1, 2)
                RETURNING state
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var state = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (state is long s)
            {
                return s == (long)TaskState.Running ? CancelResult.CancellationRequested : CancelResult.Cancelled;
            }

            command.CommandText = "SELECT count(*) FROM tq_tasks WHERE id = $id";
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0 ? CancelResult.NotFound : CancelResult.AlreadyFinished;
        }, cancellationToken);

    public Task<DeleteResult> DeleteAsync(long id, CancellationToken cancellationToken) =>
        WriteAsync("delete a task", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM tq_tasks WHERE id = $id AND state <> 2";
            command.Parameters.AddWithValue("$id", id);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                command.CommandText = "DELETE FROM tq_unique WHERE task_id = $id";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return DeleteResult.Deleted;
            }

            command.CommandText = "SELECT count(*) FROM tq_tasks WHERE id = $id";
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0 ? DeleteResult.NotFound : DeleteResult.Running;
        }, cancellationToken);

    public Task<bool> RequeueAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("re-enqueue a task", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE tq_tasks
                SET state = 1, attempts = 0, cancel_requested = 0, run_at = $now, finished_at = NULL, started_at = NULL
                WHERE id = $id AND state IN (4, 5)
                """;
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    public Task<int> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        WriteAsync("purge finished tasks", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM tq_tasks WHERE state >= 3 AND finished_at < $cutoff";
            command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            // Keys of tasks that no longer exist are released. A key whose window ended before the cut-off belongs to a
            // task finished before it, so it has just been deleted too; other keys are freed when next asked for.
            command.CommandText = "DELETE FROM tq_unique WHERE NOT EXISTS (SELECT 1 FROM tq_tasks t WHERE t.id = tq_unique.task_id)";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            // Starts older than the cut-off are outside any sensible rate window; claims prune their own keys anyway.
            command.CommandText = "DELETE FROM tq_rate_starts WHERE started_at < $cutoff";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return deleted;
        }, cancellationToken);

    public async Task<TaskInfo?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var page = await QueryTasksAsync($"SELECT {TaskColumns} FROM tq_tasks WHERE id = $id", [("$id", id)], cancellationToken).ConfigureAwait(false);
        return page.Count == 0 ? null : page[0];
    }

    public async Task<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        var few = query.State is TaskState.Pending or TaskState.Scheduled
            && await ReadAsync("read tasks", async connection =>
                (long)(await ScalarAsync(connection, null, FewInStateSql(query.State.Value), cancellationToken).ConfigureAwait(false))! < FewTasks,
                cancellationToken).ConfigureAwait(false);
        return await QueryTasksAsync(
            ListTasksSql(query, few),
            [("$after", query.AfterId), ("$queue", query.Queue), ("$name", query.Name), ("$limit", (long)query.Limit)],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Below this many tasks in a state, a page reads the state's partial index whole and sorts it by id.</summary>
    internal const int FewTasks = 10_000;

    /// <summary>Counts the state's partial index up to <see cref="FewTasks"/> entries: a cheap probe of how full the state is.</summary>
    internal static string FewInStateSql(TaskState state) => state == TaskState.Pending
        ? $"SELECT count(*) FROM (SELECT 1 FROM tq_tasks INDEXED BY tq_tasks_pending WHERE state = 1 LIMIT {FewTasks})"
        : $"SELECT count(*) FROM (SELECT 1 FROM tq_tasks INDEXED BY tq_tasks_scheduled WHERE state = 0 LIMIT {FewTasks})";

    /// <summary>
    /// A page of the task list. Only the filters that are set appear in the statement. The state is written into the SQL
    /// as a number (it is an enum, not user text), because a partial index is usable only when its condition follows
    /// from the literal text of the query; each state then gets the walk that costs least. Running tasks are few, so
    /// their partial index is read whole and sorted by id; dead and cancelled tasks have their own (state, id) index (the
    /// extra <c>state &gt;= 4</c> is its condition, which SQLite matches term by term). Succeeded tasks usually fill the
    /// table, so their pages walk the primary key from <c>$after</c> and cost the rows skipped rather than a sort of every
    /// task in that state. Pending and scheduled tasks can be either: <paramref name="few"/> (from
    /// <see cref="FewInStateSql"/>) picks the sorted partial index for a handful among many finished tasks, the
    /// primary-key walk for a deep backlog.
    /// </summary>
    internal static string ListTasksSql(TaskQuery query, bool few = false)
    {
        var sql = new System.Text.StringBuilder($"SELECT {TaskColumns} FROM tq_tasks");
        if (query.State is { } state)
        {
            var number = ((int)state).ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(state switch
            {
                TaskState.Scheduled when few => " INDEXED BY tq_tasks_scheduled WHERE state = 0",
                TaskState.Pending when few => " INDEXED BY tq_tasks_pending WHERE state = 1",
                TaskState.Running => " INDEXED BY tq_tasks_running WHERE state = 2",
                >= TaskState.Dead => $" INDEXED BY tq_tasks_failed WHERE state >= 4 AND state = {number}",
                _ => $" NOT INDEXED WHERE state = {number}",
            });
            sql.Append(" AND id > $after");
        }
        else
        {
            sql.Append(" WHERE id > $after");
        }

        sql.Append(query.Queue is null ? "" : " AND queue = $queue");
        sql.Append(query.Name is null ? "" : " AND name = $name");
        sql.Append(" ORDER BY id LIMIT $limit + 0"); // + 0: see ClaimSql (a bare bound LIMIT compiles the page twice)
        return sql.ToString();
    }

    public Task<bool> AnyUnfinishedAsync(CancellationToken cancellationToken) =>
        ReadAsync("check for unfinished tasks", async connection =>
            (long)(await ScalarAsync(connection, null, AnyUnfinishedSql, cancellationToken).ConfigureAwait(false))! != 0,
            cancellationToken);

    public Task<IReadOnlyList<QueueStateCount>> CountByQueueAndStateAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<QueueStateCount>>("count tasks", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT queue, state, count(*) FROM tq_tasks GROUP BY queue, state ORDER BY queue, state";
            var counts = new List<QueueStateCount>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts.Add(new QueueStateCount(reader.GetString(0), (TaskState)reader.GetInt32(1), reader.GetInt64(2)));
            }

            return counts;
        }, cancellationToken);

    public Task<StoreHealth> GetHealthAsync(DateTimeOffset now, DateTimeOffset leaseExpiredBefore, CancellationToken cancellationToken) =>
        ReadAsync("check the database's health", async connection =>
        {
            // A file opened read-only (by its mode, or by permissions) reads fine: only the handle tells that no write will work.
            var writable = SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 0;
            await using var command = connection.CreateCommand();
            // Each sub-query walks one partial index: pending, scheduled by due time, running by lease expiry.
            command.CommandText = """
                SELECT (SELECT count(*) FROM tq_tasks WHERE state = 1),
                       (SELECT min(run_at) FROM tq_tasks WHERE state = 1),
                       (SELECT count(*) FROM tq_tasks WHERE state = 0 AND run_at <= $now),
                       (SELECT min(run_at) FROM tq_tasks WHERE state = 0 AND run_at <= $now),
                       (SELECT count(*) FROM tq_tasks WHERE state = 2 AND lease_expires_at < $expired),
                       (SELECT min(lease_expires_at) FROM tq_tasks WHERE state = 2 AND lease_expires_at < $expired)
                """;
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$expired", leaseExpiredBefore.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            DateTimeOffset? pendingSince = reader.IsDBNull(1) ? null : FromMs(reader.GetInt64(1));
            DateTimeOffset? dueSince = reader.IsDBNull(3) ? null : FromMs(reader.GetInt64(3));
            var oldest = pendingSince is { } p && (dueSince is null || p <= dueSince) ? pendingSince : dueSince;
            return new StoreHealth(
                IsWritable: writable,
                ReadyTasks: reader.GetInt64(0) + reader.GetInt64(2),
                OldestReadySince: oldest,
                ExpiredLeases: reader.GetInt64(4),
                OldestExpiredLease: reader.IsDBNull(5) ? null : FromMs(reader.GetInt64(5)));
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        if (_checkpointer is not null)
        {
            await _checkpointer.ConfigureAwait(false);
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            ResetWriter();
            _resumeTimer?.Dispose();
            _walWatcher?.Dispose();
            _walWatcher = null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task<IReadOnlyList<TaskInfo>> QueryTasksAsync(string sql, (string Name, object? Value)[] parameters, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<TaskInfo>>("read tasks", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                if (value is not null)
                {
                    command.Parameters.AddWithValue(name, value);
                }
            }

            var tasks = new List<TaskInfo>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tasks.Add(TaskRows.Read(reader, ReadTime));
            }

            return tasks;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> in a <c>BEGIN IMMEDIATE</c> transaction on the writer connection, serialized with
    /// every other write of this process; retries a bounded number of times while another process holds the lock.
    /// </summary>
    private async Task<T> WriteAsync<T>(string action, Func<SqliteConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await InTransactionAsync(action, body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a <c>BEGIN IMMEDIATE</c> transaction on the writer connection (the caller holds
    /// the write lock); retries a bounded number of times while another process holds the database's write lock.
    /// BEGIN, COMMIT and ROLLBACK are statements compiled once: <c>SqliteConnection.BeginTransaction</c> compiles
    /// "BEGIN" and "COMMIT" anew for every transaction, which cost more than a one-row insert (1,440 B and a quarter of
    /// a single enqueue's time). Microsoft.Data.Sqlite does not see this transaction, so the body's commands run with no
    /// <see cref="SqliteTransaction"/>; only code shared with the outbox path takes one (the application's, or null here).
    /// </summary>
    private async Task<T> InTransactionAsync<T>(string action, Func<SqliteConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await GetWriterAsync(cancellationToken).ConfigureAwait(false);
                if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
                {
                    // Never expected (every transaction ends in COMMIT or ROLLBACK): a writer left inside one is replaced.
                    ResetWriter();
                    connection = await GetWriterAsync(cancellationToken).ConfigureAwait(false);
                }

                BeginImmediate(connection);
                T result;
                try
                {
                    LookWhileWatcherPaused(connection);
                    result = await body(connection).ConfigureAwait(false);
                    Commit(connection);
                }
                catch
                {
                    RollBack(connection);
                    throw;
                }

                Interlocked.Increment(ref _commitsSinceCheckpoint);
                return result;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6 && attempt < MaxBusyRetries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, action);
            }
        }
    }

    /// <summary>
    /// BEGIN IMMEDIATE, tried first without SQLite's busy handler. While another process holds the write lock, that
    /// handler sleeps 1, 2, 5, 10 ms … between tries, where a TypedQueue transaction holds the lock for about 0.1 ms (a
    /// busy worker's claim of a hundred quick tasks about 1.5 ms);
    /// retrying with the CPU yielded in between for up to <see cref="QuickRetryWindow"/> takes the lock as soon as it
    /// frees. After that window, the busy handler waits as before (busy_timeout).
    /// </summary>
    private void BeginImmediate(SqliteConnection connection)
    {
        var begin = _begin ??= SqliteStatement.Prepare(connection, "BEGIN IMMEDIATE");
        var handle = connection.Handle!;
        SQLitePCL.raw.sqlite3_busy_timeout(handle, 0);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var spinner = default(SpinWait);
            while (true)
            {
                var rc = begin.TryExecute();
                if (rc == SQLitePCL.raw.SQLITE_OK)
                {
                    return;
                }

                if ((rc & 0xFF) != SQLitePCL.raw.SQLITE_BUSY || System.Diagnostics.Stopwatch.GetElapsedTime(started) > QuickRetryWindow)
                {
                    break; // the statement below reports any other error, or waits out a long lock
                }

                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }
        finally
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, _writerBusyTimeoutMs);
        }

        begin.Execute();
    }

    private void Commit(SqliteConnection connection) => (_commit ??= SqliteStatement.Prepare(connection, "COMMIT")).Execute();

    /// <summary>
    /// Undoes a failed transaction, unless SQLite already did (a full disk or an I/O error ends it). A writer that cannot
    /// roll back is closed (the writer is never pooled, so closing ends the transaction).
    /// </summary>
    private void RollBack(SqliteConnection connection)
    {
        ForgetUncommitted();
        if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
        {
            return;
        }

        try
        {
            (_rollback ??= SqliteStatement.Prepare(connection, "ROLLBACK")).Execute();
        }
        catch (Exception)
        {
            ResetWriter(); // closing the connection rolls the transaction back
        }
    }

    private async Task<T> ReadAsync<T>(string action, Func<SqliteConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(_settings.ConnectionString);
            // Readers need no PRAGMAs: in WAL they never wait for the writer, and Microsoft.Data.Sqlite retries a busy read itself.
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await body(connection).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, action, resetWriter: false); // the writer is not this caller's to reset: it does not hold the write lock
        }
    }

    private async ValueTask<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
        {
            return _writer;
        }

        // The writer lives as long as the store, so pooling it gains nothing; unpooled, closing it always ends whatever
        // transaction it was in, and its PRAGMAs never reach a pooled reader.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_settings.ConnectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ConfigureAsync(connection, cancellationToken).ConfigureAwait(false);
            // Checkpoints run in the background (CheckpointLoopAsync), not inside whichever commit crosses the threshold;
            // the writer's own autocheckpoint is only the safety net for a loop that falls behind (a starved thread pool).
            // A page cache of 32 MB rather than SQLite's 2 MB: a drain of 20,000 tasks already touches more than 2 MB of
            // table and index pages, and every page evicted is looked up in the WAL and read again (drain 1.05-1.24 x
            // faster in alternating runs). SQLite allocates it only as pages are used.
            await ExecuteAsync(connection, null, $"PRAGMA wal_autocheckpoint = {WalWriterCheckpointFrames}; PRAGMA journal_size_limit = {_settings.WalSizeLimitBytes}; PRAGMA cache_size = -{WriterCacheKib}", cancellationToken).ConfigureAwait(false);

            // The busy timeout the writer was configured with (tests lower it), restored after each quick BEGIN.
            _writerBusyTimeoutMs = Convert.ToInt32(await ScalarAsync(connection, null, "PRAGMA busy_timeout", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);

            // WAL lets readers run beside the writer; the mode is stored in the file, so readers inherit it.
            var mode = await ScalarAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false) as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "memory", StringComparison.OrdinalIgnoreCase))
            {
                throw new TaskStoreException($"The database '{DataSource}' could not be switched to WAL mode (it reports '{mode}').");
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _writer = connection;
        _checkpointer ??= Task.Run(CheckpointLoopAsync);
        return connection;
    }

    private Task ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = {_settings.Synchronous}; {_settings.ExtraPragmas}", cancellationToken);

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    /// <summary>Runs one statement (or a script) on the connection; returns the rows it changed.</summary>
    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Reads a stored instant (Unix milliseconds) for the shared row readers (<see cref="TaskRows"/>, <see cref="RecurringRows"/>).</summary>
    private static readonly Func<System.Data.Common.DbDataReader, int, DateTimeOffset> ReadTime = static (reader, ordinal) => FromMs(reader.GetInt64(ordinal));

    private TaskStoreException Translate(SqliteException ex, string action, bool resetWriter = true)
    {
        // After an I/O, disk or corruption error the writer may be unusable; open a fresh one next time (only a caller
        // holding the write lock may: the writer could be inside another caller's transaction).
        if (resetWriter && ex.SqliteErrorCode is 8 or 10 or 11 or 13 or 14 or 26)
        {
            ResetWriter();
        }

        var reason = ex.SqliteErrorCode switch
        {
            5 or 6 => "the database stayed locked by another process for longer than the busy timeout",
            8 => "the database file or its folder is read-only",
            10 => "a disk I/O error occurred",
            11 => "the database file is corrupt",
            13 => "the disk is full",
            14 => "the database file cannot be opened (does its folder exist, and may this process write there?)",
            26 => "the file is not a SQLite database",
            _ => ex.Message,
        };
        return new TaskStoreException($"TypedQueue could not {action} in '{DataSource}': {reason}.", ex);
    }

    private void ResetWriter()
    {
        foreach (var statement in new[] { _triggersCheck, _begin, _commit, _rollback, _promote, _nextDue, _succeedMany, _complete, _claim, _dataVersion }.Concat(_insert))
        {
            statement?.Dispose();
        }

        Array.Clear(_insert);
        _triggersCheck = _begin = _commit = _rollback = _promote = _nextDue = _succeedMany = _complete = _claim = _dataVersion = null;
        ResetLaneCommands();
        _writer?.Dispose();
        _writer = null;

        // A new writer counts data_version from its own start: what the old one saw says nothing about it.
        _lastDataVersion = long.MinValue;
        _reportedDataVersion = long.MinValue;
        _pausedVersion = long.MinValue;
        _triggersVersion = long.MinValue;
    }
}
