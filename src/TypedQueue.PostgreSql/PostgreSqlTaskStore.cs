using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.PostgreSql;

/// <summary>
/// The PostgreSQL store. Every operation is one short transaction on a pooled connection; workers in any number of
/// processes and machines claim with <c>FOR UPDATE SKIP LOCKED</c>, so they never wait for each other's rows. Inserts
/// NOTIFY the schema's channel, which wakes idle workers at once; polling remains the fallback.
/// </summary>
internal sealed partial class PostgreSqlTaskStore : ITaskStore
{
    /// <summary>Error type recorded on a task whose worker stopped renewing its lease (as the SQLite store writes it).</summary>
    internal const string LeaseExpiredError = "TypedQueue.LeaseExpired";

    // Deadlocks (two enqueuers taking the same idempotency keys in opposite orders) and serialization failures end the
    // transaction cleanly; running it again succeeds.
    private const int MaxRetries = 8;

    /// <summary>How long after its task finishes an occurrence's key still refuses a second task for that occurrence.</summary>
    private static readonly TimeSpan OccurrenceKeyWindow = TimeSpan.FromDays(1);

    private readonly PostgreSqlStoreSettings _settings;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgreSqlChangeListener _listener;
    private readonly Sql _sql;
    private readonly QueueSql _queueSql;
    private volatile bool _migrated;

    public PostgreSqlTaskStore(PostgreSqlStoreSettings settings, Action? onExternalWrite = null, TimeProvider? timeProvider = null)
    {
        _settings = settings;
        // The slim builder keeps the data source free of reflection-based mappings (trimming and native AOT); arrays
        // carry the batched inserts and completions.
        var builder = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString);
        builder.EnableArrays();
        _dataSource = builder.Build();
        _listener = new PostgreSqlChangeListener(_dataSource, settings.Channel, onExternalWrite, timeProvider ?? TimeProvider.System);
        _sql = new Sql(settings.QuotedSchema);
        _queueSql = new QueueSql(settings.QuotedSchema, settings.Schema);
    }

    /// <summary>Where this store writes, for log lines and messages.</summary>
    public string Description => $"PostgreSQL {_settings.Describe()}";

    /// <inheritdoc />
    public override string ToString() => Description;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await WriteAsync("prepare the database", async (connection, transaction) =>
        {
            // One migrator at a time per schema, however many processes start together.
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext($1))", cancellationToken, $"typedqueue:{_settings.Schema}").ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, $"""
                CREATE SCHEMA IF NOT EXISTS {_settings.QuotedSchema};
                CREATE TABLE IF NOT EXISTS {_settings.QuotedSchema}.tq_schema_version (version integer NOT NULL);
                INSERT INTO {_settings.QuotedSchema}.tq_schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {_settings.QuotedSchema}.tq_schema_version);
                """, cancellationToken).ConfigureAwait(false);
            var version = (int)(await ScalarAsync(connection, transaction, $"SELECT max(version) FROM {_settings.QuotedSchema}.tq_schema_version", cancellationToken).ConfigureAwait(false))!;
            if (version > PostgreSqlSchema.CurrentVersion)
            {
                throw new TaskStoreException(
                    $"The PostgreSQL schema {_settings.Describe()} has TypedQueue schema version {version}, newer than this version of TypedQueue.PostgreSql understands ({PostgreSqlSchema.CurrentVersion}). Upgrade the TypedQueue packages in this application.");
            }

            for (var next = version; next < PostgreSqlSchema.CurrentVersion; next++)
            {
                await ExecuteAsync(connection, transaction, PostgreSqlSchema.Migration(next, _settings.QuotedSchema), cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"UPDATE {_settings.QuotedSchema}.tq_schema_version SET version = $1", cancellationToken, next + 1).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
        _migrated = true;
    }

    public Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken) =>
        tasks.Count == 0
            ? Task.FromResult<long[]>([])
            : WriteAsync("enqueue", (connection, transaction) => InsertCoreAsync(connection, transaction, tasks, cancellationToken), cancellationToken);

    /// <summary>The outbox: inserts inside the application's own open transaction, so the tasks exist only if it commits.</summary>
    public async Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction is not NpgsqlTransaction { Connection: { } connection } npgsqlTransaction)
        {
            throw new ArgumentException("The PostgreSQL store enqueues only inside an open NpgsqlTransaction (its connection must still be open).", nameof(transaction));
        }

        if (tasks.Count == 0)
        {
            return [];
        }

        // The schema is created on a connection of ours (PostgreSQL's DDL does not wait for the caller's transaction),
        // once per store.
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await InsertCoreAsync(connection, npgsqlTransaction, tasks, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Translate(ex, "enqueue in the application's transaction");
        }
    }

    /// <summary>
    /// Inserts in input order: each run of tasks without a key is one multi-row INSERT over unnest'ed arrays; a task with a
    /// key is inserted only if its key was free (else it gets the holder's id). Ids are increasing in input order. The NOTIFY is
    /// delivered when the transaction commits, never before.
    /// </summary>
    private async Task<long[]> InsertCoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken)
    {
        // Keys first, all of them, in one (ordinal) order: two enqueuers sharing keys then never wait for each other in
        // opposite orders, so key contention cannot deadlock. Null: the key is ours and its task not inserted yet.
        Dictionary<(string Name, string Key), long?>? holders = null;
        foreach (var task in tasks.Where(static t => t.IdempotencyKey is not null)
            .OrderBy(static t => t.Name, StringComparer.Ordinal).ThenBy(static t => t.IdempotencyKey, StringComparer.Ordinal))
        {
            holders ??= [];
            if (!holders.ContainsKey((task.Name, task.IdempotencyKey!)))
            {
                holders[(task.Name, task.IdempotencyKey!)] = await TakeKeyAsync(connection, transaction, task, task.IdempotencyKey!, cancellationToken).ConfigureAwait(false);
            }
        }

        var ids = new long[tasks.Count];
        var start = 0;
        while (start < tasks.Count)
        {
            if (tasks[start].IdempotencyKey is { } key)
            {
                var task = tasks[start];
                if (holders![(task.Name, key)] is not { } holder)
                {
                    holder = (await InsertRowsAsync(connection, transaction, tasks, start, 1, cancellationToken).ConfigureAwait(false))[0];
                    await ExecuteAsync(connection, transaction, _sql.SetKeyHolder, cancellationToken, holder, task.Name, key).ConfigureAwait(false);
                    holders[(task.Name, key)] = holder; // a second task with the same key in this batch gets this one's id
                }

                ids[start++] = holder;
                continue;
            }

            var end = start;
            while (end < tasks.Count && tasks[end].IdempotencyKey is null)
            {
                end++;
            }

            var inserted = await InsertRowsAsync(connection, transaction, tasks, start, end - start, cancellationToken).ConfigureAwait(false);
            inserted.CopyTo(ids, start);
            start = end;
        }

        await ExecuteAsync(connection, transaction, "SELECT pg_notify($1, 'enqueued')", cancellationToken, _settings.Channel).ConfigureAwait(false);
        return ids;
    }

    private async Task<long[]> InsertRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewTask> tasks, int start, int count, CancellationToken cancellationToken)
    {
        var names = new string[count];
        var queues = new string[count];
        var states = new short[count];
        var priorities = new int[count];
        var payloads = new string[count];
        var maxAttempts = new int[count];
        var enqueuedAt = new DateTime[count];
        var runAt = new DateTime[count];
        var keys = new string?[count];
        var windows = new long?[count];
        var traceParents = new string?[count];
        var traceStates = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var task = tasks[start + i];
            names[i] = task.Name;
            queues[i] = task.Queue;
            states[i] = (short)(task.RunAt > task.EnqueuedAt ? TaskState.Scheduled : TaskState.Pending);
            priorities[i] = task.Priority;
            payloads[i] = task.Payload;
            maxAttempts[i] = task.MaxAttempts;
            enqueuedAt[i] = task.EnqueuedAt.UtcDateTime;
            runAt[i] = task.RunAt.UtcDateTime;
            keys[i] = task.IdempotencyKey;
            windows[i] = task.IdempotencyKey is null ? null : (long)task.UniqueWindow.TotalMilliseconds;
            traceParents[i] = task.TraceParent;
            traceStates[i] = task.TraceState;
        }

        await using var command = new NpgsqlCommand(_sql.Insert, connection, transaction);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]> { TypedValue = names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = queues, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<short[]> { TypedValue = states, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = priorities, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = maxAttempts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = enqueuedAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = runAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<long?[]> { TypedValue = windows, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = traceParents, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = traceStates, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

        var ids = new long[count];
        var n = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids[n++] = reader.GetInt64(0);
            }
        }

        // The identity values are drawn in the order unnest yields the rows (input order); RETURNING promises no order,
        // so sort them back.
        Array.Sort(ids);
        return ids;
    }

    /// <summary>
    /// Takes the task's key (null), or returns the id of the task that holds it. The primary key of tq_unique decides: an
    /// expired holder is removed first, then the insert either takes the key or meets a live holder (waiting for a
    /// concurrent enqueuer of the same key to commit or roll back first, so exactly one task is created).
    /// </summary>
    private async Task<long?> TakeKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewTask task, string key, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, _sql.DeleteExpiredKey, cancellationToken, task.Name, key, task.EnqueuedAt.UtcDateTime).ConfigureAwait(false);
        return await ScalarAsync(connection, transaction, _sql.TakeKey, cancellationToken, task.Name, key).ConfigureAwait(false) is null
            ? (long)(await ScalarAsync(connection, transaction, _sql.KeyHolder, cancellationToken, task.Name, key).ConfigureAwait(false))!
            : null;
    }

    /// <summary>
    /// One round trip: outcomes, promotion, the claim and the next due time go out as one batch, which PostgreSQL runs as
    /// one implicit transaction (all or nothing) without a BEGIN/COMMIT exchange. Paused queues, a policy or per-queue
    /// slots take the lane-by-lane claim instead (<see cref="ClaimByLaneAsync"/>).
    /// </summary>
    public async Task<ClaimResult> ClaimAvailableAsync(ClaimRequest request, IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken)
    {
        // Only workers claim: they are the ones to wake when another process enqueues.
        _ = _listener.StartAsync();
        if (_anyPaused || request.Policy is { IsPlain: false } || request.QueueSlots is { Count: > 0 })
        {
            return await ClaimByLaneAsync(request, completions, cancellationToken).ConfigureAwait(false);
        }

        return await RetryAsync("claim tasks", async connection =>
        {
            var now = request.Now.UtcDateTime;
            await using var batch = new NpgsqlBatch(connection);
            foreach (var command in CompletionCommands(completions))
            {
                batch.BatchCommands.Add(command);
            }

            batch.BatchCommands.Add(BatchCommand(_sql.Promote, now));
            if (request.Max > 0)
            {
                batch.BatchCommands.Add(BatchCommand(_sql.Claim, request.WorkerId, request.LeaseExpiresAt.UtcDateTime, now, request.Max));
            }

            batch.BatchCommands.Add(BatchCommand(_sql.NextDue));
            var claimed = new List<ClaimedTask>(Math.Max(request.Max, 0));
            DateTimeOffset? next;
            // Statements without rows (the updates) yield no result set: the first one is the claim's, if any.
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (request.Max > 0)
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        claimed.Add(TaskRows.ReadClaimed(reader, ReadTime));
                    }

                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                next = await ReadNextDueAsync(reader, cancellationToken).ConfigureAwait(false);
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }

            ClaimedTask.SortInClaimOrder(claimed);
            return new ClaimResult(claimed, next);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the <see cref="Sql.NextDue"/> row: the next due time, and whether any queue is paused (which sends the next claims lane by lane).</summary>
    private async Task<DateTimeOffset?> ReadNextDueAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        _anyPaused = reader.GetBoolean(1);
        return reader.IsDBNull(0) ? null : Time(reader, 0);
    }

    public Task<bool> HasExternalWritesAsync(CancellationToken cancellationToken) => _listener.HasWritesAsync(cancellationToken);

    public Task WatchForExternalCommitsAsync(CancellationToken cancellationToken) => Task.CompletedTask; // outcomes are not NOTIFYed: waiters poll

    public Task<int> CompleteManyAsync(IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken) =>
        completions.Count == 0
            ? Task.FromResult(0)
            : WriteAsync("record task outcomes", (connection, transaction) => CompleteCoreAsync(connection, transaction, completions, cancellationToken), cancellationToken);

    /// <summary>Two statements at most, whatever the batch size: plain successes, then every other outcome, each row written only while its worker holds the task.</summary>
    private async Task<int> CompleteCoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in CompletionCommands(completions))
        {
            batch.BatchCommands.Add(command);
        }

        return batch.BatchCommands.Count == 0 ? 0 : await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statements writing <paramref name="completions"/>, ordered by id so concurrent writers lock rows in one order.</summary>
    private List<NpgsqlBatchCommand> CompletionCommands(IReadOnlyList<TaskCompletion> completions)
    {
        var commands = new List<NpgsqlBatchCommand>(2);
        var plain = completions.Where(static c => c.Outcome == TaskOutcome.Succeeded && c.Result is null).OrderBy(static c => c.Id).ToList();
        if (plain.Count > 0)
        {
            var succeed = new NpgsqlBatchCommand(_sql.SucceedMany);
            succeed.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. plain.Select(static c => c.Id)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            succeed.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. plain.Select(static c => c.At.UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            succeed.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plain.Select(static c => c.WorkerId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            commands.Add(succeed);
        }

        var other = completions.Where(static c => !(c.Outcome == TaskOutcome.Succeeded && c.Result is null)).OrderBy(static c => c.Id).ToList();
        if (other.Count == 0)
        {
            return commands;
        }

        var ids = new long[other.Count];
        var workers = new string[other.Count];
        var states = new short[other.Count];
        var giveBack = new int[other.Count];
        var runAt = new DateTime?[other.Count];
        var finishedAt = new DateTime?[other.Count];
        var results = new string?[other.Count];
        var errorTypes = new string?[other.Count];
        var errorMessages = new string?[other.Count];
        var errorStacks = new string?[other.Count];
        for (var i = 0; i < other.Count; i++)
        {
            var completion = other[i];
            var at = completion.At.UtcDateTime;
            (TaskState state, DateTime? finished, DateTime? retryAt) = completion.Outcome switch
            {
                TaskOutcome.Succeeded => (TaskState.Succeeded, (DateTime?)at, (DateTime?)null),
                TaskOutcome.Dead => (TaskState.Dead, (DateTime?)at, (DateTime?)null),
                TaskOutcome.Cancelled => (TaskState.Cancelled, (DateTime?)at, (DateTime?)null),
                TaskOutcome.Retry => (TaskState.Scheduled, (DateTime?)null, (completion.RetryAt ?? completion.At).UtcDateTime),
                TaskOutcome.Released => (TaskState.Pending, (DateTime?)at, (DateTime?)null), // finished at `at` only if its cancellation was requested
                _ => throw new ArgumentOutOfRangeException(nameof(completions), completion.Outcome, "Unknown outcome."),
            };
            ids[i] = completion.Id;
            workers[i] = completion.WorkerId;
            states[i] = (short)state;
            giveBack[i] = completion.Outcome == TaskOutcome.Released ? 1 : 0;
            runAt[i] = retryAt;
            finishedAt[i] = finished;
            results[i] = completion.Result;
            errorTypes[i] = completion.Error?.Type;
            errorMessages[i] = completion.Error?.Message;
            errorStacks[i] = completion.Error?.StackTrace;
        }

        var complete = new NpgsqlBatchCommand(_sql.CompleteMany);
        var p = complete.Parameters;
        p.Add(new NpgsqlParameter<long[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = workers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<short[]> { TypedValue = states, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = giveBack, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = runAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = finishedAt, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = results, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = errorTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = errorMessages, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = errorStacks, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        commands.Add(complete);
        return commands;
    }

    public Task<IReadOnlyList<long>> ExtendLeasesAsync(string workerId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>("renew leases", async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, _sql.ExtendLeases, leaseExpiresAt.UtcDateTime, workerId);
            var cancelRequested = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetBoolean(1))
                {
                    cancelRequested.Add(reader.GetInt64(0));
                }
            }

            return cancelRequested;
        }, cancellationToken);

    public Task<int> RescueExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("rescue expired leases", (connection, transaction) =>
            ExecuteAsync(connection, transaction, _sql.Rescue, cancellationToken, now.UtcDateTime), cancellationToken);

    public Task<DeleteResult> DeleteAsync(long id, CancellationToken cancellationToken) =>
        WriteAsync("delete a task", async (connection, transaction) =>
        {
            var schema = _settings.QuotedSchema;
            if (await ExecuteAsync(connection, transaction, $"DELETE FROM {schema}.tq_tasks WHERE id = $1 AND state <> 2", cancellationToken, id).ConfigureAwait(false) == 1)
            {
                await ExecuteAsync(connection, transaction, $"DELETE FROM {schema}.tq_unique WHERE task_id = $1", cancellationToken, id).ConfigureAwait(false);
                return DeleteResult.Deleted;
            }

            return (bool)(await ScalarAsync(connection, transaction, $"SELECT EXISTS (SELECT 1 FROM {schema}.tq_tasks WHERE id = $1)", cancellationToken, id).ConfigureAwait(false))!
                ? DeleteResult.Running
                : DeleteResult.NotFound;
        }, cancellationToken);

    public Task<CancelResult> CancelAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("cancel a task", async (connection, transaction) =>
        {
            var state = await ScalarAsync(connection, transaction, _sql.Cancel, cancellationToken, id, now.UtcDateTime).ConfigureAwait(false);
            if (state is short s)
            {
                return s == (short)TaskState.Running ? CancelResult.CancellationRequested : CancelResult.Cancelled;
            }

            return await ScalarAsync(connection, transaction, $"SELECT 1 FROM {_settings.QuotedSchema}.tq_tasks WHERE id = $1", cancellationToken, id).ConfigureAwait(false) is null
                ? CancelResult.NotFound
                : CancelResult.AlreadyFinished;
        }, cancellationToken);

    public Task<bool> RequeueAsync(long id, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("re-enqueue a task", async (connection, transaction) =>
        {
            var requeued = await ExecuteAsync(connection, transaction, _sql.Requeue, cancellationToken, id, now.UtcDateTime).ConfigureAwait(false) == 1;
            if (requeued)
            {
                await ExecuteAsync(connection, transaction, "SELECT pg_notify($1, 'requeued')", cancellationToken, _settings.Channel).ConfigureAwait(false);
            }

            return requeued;
        }, cancellationToken);

    public Task UpsertRecurringAsync(RecurringRow entry, CancellationToken cancellationToken) =>
        WriteAsync("save a recurring task", async (connection, transaction) =>
        {
            await UpsertRecurringCoreAsync(connection, transaction, entry, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    public Task SyncDeclaredRecurringAsync(IReadOnlyList<RecurringRow> declared, CancellationToken cancellationToken) =>
        WriteAsync("save declared recurring tasks", async (connection, transaction) =>
        {
            foreach (var entry in declared)
            {
                await UpsertRecurringCoreAsync(connection, transaction, entry, cancellationToken).ConfigureAwait(false);
            }

            await using var command = new NpgsqlCommand($"DELETE FROM {_settings.QuotedSchema}.tq_recurring WHERE source = 'attribute' AND NOT (id = ANY ($1::text[]))", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. declared.Select(static d => d.Id)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    private Task UpsertRecurringCoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RecurringRow entry, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, _sql.UpsertRecurring, cancellationToken,
            entry.Id, entry.Name, entry.Queue, entry.Priority, entry.MaxAttempts, entry.Cron, entry.TimeZone,
            entry.Payload, entry.CatchUp is { } c ? (int)c : null, entry.IsDeclared ? "attribute" : "api", entry.NextRunAt.UtcDateTime);

    public Task<bool> DeleteRecurringAsync(string id, CancellationToken cancellationToken) =>
        WriteAsync("remove a recurring task", async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, $"DELETE FROM {_settings.QuotedSchema}.tq_recurring WHERE id = $1", cancellationToken, id).ConfigureAwait(false) == 1,
            cancellationToken);

    public Task<IReadOnlyList<RecurringRow>> ListRecurringAsync(CancellationToken cancellationToken) =>
        ReadAsync("read recurring tasks", connection => ReadRecurringAsync(connection, null, $"SELECT {Sql.RecurringColumns} FROM {_settings.QuotedSchema}.tq_recurring ORDER BY id COLLATE \"C\"", null, cancellationToken), cancellationToken);

    public Task<DateTimeOffset?> NextRecurringAtAsync(CancellationToken cancellationToken) =>
        ReadAsync("read recurring tasks", async connection =>
            await ScalarAsync(connection, null, $"SELECT min(next_run_at) FROM {_settings.QuotedSchema}.tq_recurring", cancellationToken).ConfigureAwait(false) is DateTime next ? Utc(next) : (DateTimeOffset?)null,
            cancellationToken);

    /// <summary>
    /// Due entries are locked (FOR UPDATE SKIP LOCKED) for the transaction that fires them and advances them: a scheduler on
    /// another machine skips an entry being fired and finds it advanced afterwards; each occurrence's task also carries the
    /// key <c>cron:{id}:{unix ms}</c>, so even a repeated plan cannot enqueue an occurrence twice.
    /// </summary>
    public Task<IReadOnlyList<RecurringFiring>> FireDueRecurringAsync(DateTimeOffset now, Func<RecurringRow, DateTimeOffset, RecurringPlan?> plan, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<RecurringFiring>>("enqueue recurring tasks", async (connection, transaction) =>
        {
            var due = await ReadRecurringAsync(connection, transaction,
                $"SELECT {Sql.RecurringColumns} FROM {_settings.QuotedSchema}.tq_recurring WHERE next_run_at <= $1 ORDER BY next_run_at, id COLLATE \"C\" FOR UPDATE SKIP LOCKED",
                now.UtcDateTime, cancellationToken).ConfigureAwait(false);
            var firings = new List<RecurringFiring>(due.Count);
            foreach (var entry in due)
            {
                if (plan(entry, now) is not { } decided)
                {
                    continue;
                }

                var tasks = decided.Runs.Select(run => new NewTask(
                    entry.Name, entry.Queue, entry.Priority, entry.MaxAttempts, run.Payload, now, run.At,
                    $"cron:{entry.Id}:{run.At.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)}", OccurrenceKeyWindow)).ToList();
                var ids = tasks.Count == 0 ? [] : await InsertCoreAsync(connection, transaction, tasks, cancellationToken).ConfigureAwait(false);
                DateTimeOffset? last = decided.Runs.Count == 0 ? null : decided.Runs.Max(static r => r.At);
                await ExecuteAsync(connection, transaction,
                    $"UPDATE {_settings.QuotedSchema}.tq_recurring SET next_run_at = $1, last_run_at = COALESCE($2::timestamptz, last_run_at) WHERE id = $3",
                    cancellationToken, decided.NextRunAt.UtcDateTime, last?.UtcDateTime, entry.Id).ConfigureAwait(false);
                firings.Add(new RecurringFiring(entry.Id, entry.Name, ids, [.. decided.Runs.Select(static r => r.At)], decided.NextRunAt));
            }

            return firings;
        }, cancellationToken);

    private static async Task<IReadOnlyList<RecurringRow>> ReadRecurringAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, DateTime? now, CancellationToken cancellationToken)
    {
        await using var command = now is { } n ? Command(connection, transaction, sql, n) : Command(connection, transaction, sql);
        var rows = new List<RecurringRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(RecurringRows.Read(reader, ReadTime));
        }

        return rows;
    }

    public Task<int> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        WriteAsync("purge finished tasks", async (connection, transaction) =>
        {
            var deleted = await ExecuteAsync(connection, transaction, $"DELETE FROM {_settings.QuotedSchema}.tq_tasks WHERE state >= 3 AND finished_at < $1", cancellationToken, cutoff.UtcDateTime).ConfigureAwait(false);
            // Keys whose window ended, and keys of tasks that no longer exist, are released.
            await ExecuteAsync(connection, transaction, $"""
                DELETE FROM {_settings.QuotedSchema}.tq_unique u
                WHERE u.expires_at < $1 OR NOT EXISTS (SELECT 1 FROM {_settings.QuotedSchema}.tq_tasks t WHERE t.id = u.task_id)
                """, cancellationToken, cutoff.UtcDateTime).ConfigureAwait(false);
            return deleted;
        }, cancellationToken);

    public async Task<TaskInfo?> GetAsync(long id, CancellationToken cancellationToken)
    {
        var page = await QueryTasksAsync($"SELECT {Sql.TaskColumns} FROM {_settings.QuotedSchema}.tq_tasks WHERE id = $1", cancellationToken, id).ConfigureAwait(false);
        return page.Count == 0 ? null : page[0];
    }

    public Task<IReadOnlyList<TaskInfo>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken)
    {
        // Only the filters that are set appear in the statement, so "state = $n AND id > $1" walks the (state, id) index.
        var sql = new System.Text.StringBuilder($"SELECT {Sql.TaskColumns} FROM {_settings.QuotedSchema}.tq_tasks WHERE id > $1");
        var parameters = new List<object?> { query.AfterId, query.Limit };
        if (query.State is { } state)
        {
            parameters.Add((short)state);
            sql.Append(" AND state = $").Append(parameters.Count);
        }

        if (query.Queue is not null)
        {
            parameters.Add(query.Queue);
            sql.Append(" AND queue = $").Append(parameters.Count);
        }

        if (query.Name is not null)
        {
            parameters.Add(query.Name);
            sql.Append(" AND name = $").Append(parameters.Count);
        }

        sql.Append(" ORDER BY id LIMIT $2");
        return QueryTasksAsync(sql.ToString(), cancellationToken, [.. parameters]);
    }

    public Task<StoreHealth> GetHealthAsync(DateTimeOffset now, DateTimeOffset leaseExpiredBefore, CancellationToken cancellationToken) =>
        ReadAsync("check the database's health", async connection =>
        {
            // Each sub-query walks one partial index: pending, scheduled by due time, running by lease expiry.
            await using var command = Command(connection, null, $"""
                SELECT current_setting('transaction_read_only') = 'off' AND NOT pg_is_in_recovery(),
                       (SELECT count(*) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 1),
                       (SELECT min(run_at) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 1),
                       (SELECT count(*) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 0 AND run_at <= $1),
                       (SELECT min(run_at) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 0 AND run_at <= $1),
                       (SELECT count(*) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 2 AND lease_expires_at < $2),
                       (SELECT min(lease_expires_at) FROM {_settings.QuotedSchema}.tq_tasks WHERE state = 2 AND lease_expires_at < $2)
                """, now.UtcDateTime, leaseExpiredBefore.UtcDateTime);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            DateTimeOffset? pendingSince = reader.IsDBNull(2) ? null : Time(reader, 2);
            DateTimeOffset? dueSince = reader.IsDBNull(4) ? null : Time(reader, 4);
            var oldest = pendingSince is { } p && (dueSince is null || p <= dueSince) ? pendingSince : dueSince;
            return new StoreHealth(
                IsWritable: reader.GetBoolean(0),
                ReadyTasks: reader.GetInt64(1) + reader.GetInt64(3),
                OldestReadySince: oldest,
                ExpiredLeases: reader.GetInt64(5),
                OldestExpiredLease: reader.IsDBNull(6) ? null : Time(reader, 6));
        }, cancellationToken);

    public Task<bool> AnyUnfinishedAsync(CancellationToken cancellationToken) =>
        ReadAsync("check for unfinished tasks", async connection =>
            (bool)(await ScalarAsync(connection, null, $"SELECT EXISTS (SELECT 1 FROM {_settings.QuotedSchema}.tq_tasks WHERE state IN (0, 1, 2))", cancellationToken).ConfigureAwait(false))!,
            cancellationToken);

    public Task<IReadOnlyList<QueueStateCount>> CountByQueueAndStateAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<QueueStateCount>>("count tasks", async connection =>
        {
            await using var command = Command(connection, null, $"SELECT queue, state, count(*) FROM {_settings.QuotedSchema}.tq_tasks GROUP BY queue, state ORDER BY queue COLLATE \"C\", state");
            var counts = new List<QueueStateCount>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts.Add(new QueueStateCount(reader.GetString(0), (TaskState)reader.GetInt16(1), reader.GetInt64(2)));
            }

            return counts;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private Task<IReadOnlyList<TaskInfo>> QueryTasksAsync(string sql, CancellationToken cancellationToken, params object?[] parameters) =>
        ReadAsync<IReadOnlyList<TaskInfo>>("read tasks", async connection =>
        {
            await using var command = Command(connection, null, sql, parameters);
            var tasks = new List<TaskInfo>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tasks.Add(TaskRows.Read(reader, ReadTime));
            }

            return tasks;
        }, cancellationToken);

    /// <summary>Runs <paramref name="body"/> in one transaction on a pooled connection; runs it again after a deadlock or serialization failure.</summary>
    private Task<T> WriteAsync<T>(string action, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> body, CancellationToken cancellationToken) =>
        RetryAsync(action, async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await body(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    /// <summary>Runs <paramref name="body"/> on a pooled connection; again after a deadlock or serialization failure (which rolled everything back).</summary>
    private async Task<T> RetryAsync<T>(string action, Func<NpgsqlConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await body(connection).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxRetries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Translate(ex, action);
            }
        }
    }

    private async Task<T> ReadAsync<T>(string action, Func<NpgsqlConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await body(connection).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex, action);
        }
    }

    private TaskStoreException Translate(NpgsqlException ex, string action)
    {
        var reason = ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } => "the TypedQueue tables are missing (was the schema dropped?)",
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } p => $"permission denied ({p.MessageText})",
            PostgresException { SqlState: PostgresErrorCodes.DiskFull } => "the database server's disk is full",
            PostgresException p => p.MessageText,
            _ => ex.InnerException?.Message ?? ex.Message,
        };
        return new TaskStoreException($"TypedQueue could not {action} in {Description}: {reason}.", ex);
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    // Typed parameters: the type is known without inspecting the value at run time, and nulls carry a type too.
    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        string s => new NpgsqlParameter<string> { TypedValue = s },
        long l => new NpgsqlParameter<long> { TypedValue = l },
        int i => new NpgsqlParameter<int> { TypedValue = i },
        short s => new NpgsqlParameter<short> { TypedValue = s },
        bool b => new NpgsqlParameter<bool> { TypedValue = b },
        DateTime d => new NpgsqlParameter<DateTime> { TypedValue = d, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        _ => throw new ArgumentException($"Unsupported parameter type {value.GetType()}.", nameof(value)),
    };

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private static DateTimeOffset Time(NpgsqlDataReader reader, int ordinal) => Utc(reader.GetFieldValue<DateTime>(ordinal));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    /// <summary>Reads a stored instant (timestamptz) for the shared row readers (<see cref="TaskRows"/>, <see cref="RecurringRows"/>).</summary>
    private static readonly Func<DbDataReader, int, DateTimeOffset> ReadTime = static (reader, ordinal) => Utc(reader.GetFieldValue<DateTime>(ordinal));

    /// <summary>The statements, with the schema filled in once.</summary>
    private sealed class Sql(string s)
    {
        public const string TaskColumns = TaskRows.Columns;

        public const string RecurringColumns = RecurringRows.Columns;

        public string Insert { get; } = $"""
            INSERT INTO {s}.tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at, idempotency_key, unique_window_ms, trace_parent, trace_state)
            SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::integer[], $5::text[], $6::integer[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::bigint[], $11::text[], $12::text[])
            RETURNING id
            """;

        public string DeleteExpiredKey { get; } = $"DELETE FROM {s}.tq_unique WHERE name = $1 AND key = $2 AND expires_at <= $3";

        public string TakeKey { get; } = $"INSERT INTO {s}.tq_unique (name, key, task_id) VALUES ($1, $2, 0) ON CONFLICT (name, key) DO NOTHING RETURNING 1";

        public string KeyHolder { get; } = $"SELECT task_id FROM {s}.tq_unique WHERE name = $1 AND key = $2";

        public string SetKeyHolder { get; } = $"UPDATE {s}.tq_unique SET task_id = $1 WHERE name = $2 AND key = $3";

        // SKIP LOCKED: rows another worker is promoting or claiming right now are left to it, never waited for.
        public string Promote { get; } = $"""
            UPDATE {s}.tq_tasks SET state = 1
            WHERE id IN (SELECT id FROM {s}.tq_tasks WHERE state = 0 AND run_at <= $1 FOR UPDATE SKIP LOCKED)
            """;

        // A paused queue's tasks are filtered out on the way (a hashed lookup in the tiny tq_queues); once a claim has
        // seen a pause, the next ones go lane by lane and never walk a paused backlog.
        public string Claim { get; } = $"""
            WITH picked AS (
                SELECT id FROM {s}.tq_tasks WHERE state = 1 AND queue NOT IN (SELECT name FROM {s}.tq_queues WHERE paused)
                ORDER BY priority DESC, run_at, id
                LIMIT $4
                FOR UPDATE SKIP LOCKED)
            UPDATE {s}.tq_tasks t
            SET state = 2, attempts = t.attempts + 1, worker_id = $1, lease_expires_at = $2, started_at = $3
            FROM picked
            WHERE t.id = picked.id
            RETURNING t.id, t.name, t.queue, t.priority, t.payload, t.attempts, t.max_attempts, t.enqueued_at, t.run_at, t.idempotency_key, t.trace_parent, t.trace_state
            """;

        public string NextDue { get; } = $"SELECT (SELECT min(run_at) FROM {s}.tq_tasks WHERE state = 0), EXISTS (SELECT 1 FROM {s}.tq_queues WHERE paused)";

        public string SucceedMany { get; } = $"""
            UPDATE {s}.tq_tasks t
            SET state = 3, finished_at = d.at, result = NULL, worker_id = NULL, lease_expires_at = NULL
            FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS d(id, at, worker)
            WHERE t.id = d.id AND t.state = 2 AND t.worker_id = d.worker
            """;

        public string CompleteMany { get; } = $"""
            UPDATE {s}.tq_tasks t
            SET state = CASE WHEN d.give_back = 1 AND t.cancel_requested THEN 5 ELSE d.state END,
                attempts = t.attempts - d.give_back,
                run_at = COALESCE(d.run_at, t.run_at),
                finished_at = CASE WHEN d.give_back = 1 AND NOT t.cancel_requested THEN NULL ELSE d.finished_at END,
                result = d.result,
                error_type = COALESCE(d.error_type, t.error_type),
                error_message = COALESCE(d.error_message, t.error_message),
                error_stack = CASE WHEN d.error_type IS NULL THEN t.error_stack ELSE d.error_stack END,
                worker_id = NULL,
                lease_expires_at = NULL
            FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::integer[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[])
                AS d(id, worker, state, give_back, run_at, finished_at, result, error_type, error_message, error_stack)
            WHERE t.id = d.id AND t.state = 2 AND t.worker_id = d.worker
            """;

        public string ExtendLeases { get; } = $"""
            UPDATE {s}.tq_tasks SET lease_expires_at = $1
            WHERE state = 2 AND worker_id = $2
            RETURNING id, cancel_requested
            """;

        // A cancelled task stays cancelled; one with attempts left runs again; the rest are dead.
        public string Rescue { get; } = $"""
            UPDATE {s}.tq_tasks
            SET state = CASE WHEN cancel_requested THEN 5 WHEN attempts >= max_attempts THEN 4 ELSE 1 END,
                finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN $1 ELSE NULL END,
                error_type = '{LeaseExpiredError}',
                error_message = 'The worker ' || worker_id || ' stopped renewing its lease (it crashed, hung or lost the database) during attempt ' || attempts || '.',
                error_stack = NULL,
                worker_id = NULL,
                lease_expires_at = NULL
            WHERE id IN (SELECT id FROM {s}.tq_tasks WHERE state = 2 AND lease_expires_at < $1 FOR UPDATE SKIP LOCKED)
            """;

        public string Cancel { get; } = $"""
            UPDATE {s}.tq_tasks
            SET cancel_requested = true,
                state = CASE WHEN state IN (0, 1) THEN 5 ELSE state END,
                finished_at = CASE WHEN state IN (0, 1) THEN $2 ELSE finished_at END
            WHERE id = $1 AND state IN (0, 1, 2)
            RETURNING state
            """;

        public string Requeue { get; } = $"""
            UPDATE {s}.tq_tasks
            SET state = 1, attempts = 0, cancel_requested = false, run_at = $2, finished_at = NULL, started_at = NULL
            WHERE id = $1 AND state IN (4, 5)
            """;

        public string UpsertRecurring { get; } = $"""
            INSERT INTO {s}.tq_recurring AS r (id, name, queue, priority, max_attempts, cron, time_zone, payload, catch_up, source, next_run_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, $9::integer, $10, $11)
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, queue = excluded.queue, priority = excluded.priority, max_attempts = excluded.max_attempts,
                payload = excluded.payload, catch_up = excluded.catch_up, source = excluded.source,
                next_run_at = CASE WHEN r.cron = excluded.cron AND r.time_zone = excluded.time_zone THEN r.next_run_at ELSE excluded.next_run_at END,
                cron = excluded.cron, time_zone = excluded.time_zone
            """;
    }
}
