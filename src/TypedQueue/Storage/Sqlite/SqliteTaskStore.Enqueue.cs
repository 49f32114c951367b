using Microsoft.Data.Sqlite;
using TypedQueue.Inspection;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// Enqueueing: group commit of concurrent callers, the outbox insert inside an application's transaction, and unique keys.
/// </summary>
internal sealed partial class SqliteTaskStore
{
    /// <summary>
    /// Group commit: every caller adds its rows to a shared batch, and whichever caller gets the write lock first writes
    /// the whole batch in one transaction for everybody; the others find their ids ready. One commit then serves many
    /// concurrent enqueues. A failed transaction fails every caller in it, and none of its rows is stored.
    /// </summary>
    public async Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, CancellationToken cancellationToken)
    {
        if (tasks.Count == 0)
        {
            return [];
        }

        var request = new InsertRequest(tasks);
        lock (_pendingInserts)
        {
            _pendingInserts.Add(request);
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled while waiting: withdraw the rows, unless a leader already took them (then report what it did).
            lock (_pendingInserts)
            {
                if (_pendingInserts.Remove(request))
                {
                    throw;
                }
            }

            return await request.Ids.Task.ConfigureAwait(false);
        }

        try
        {
            if (!request.Ids.Task.IsCompleted)
            {
                // The batch holds other callers' rows too, so one caller's cancellation must not abort it.
                await WriteInsertBatchAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        return await request.Ids.Task.ConfigureAwait(false);
    }

    private async Task WriteInsertBatchAsync(CancellationToken cancellationToken)
    {
        var batch = TakePendingInserts();
        if (batch.Count == 0)
        {
            return; // a claim took them along (see ClaimAvailableAsync)
        }

        try
        {
            var ids = await InTransactionAsync("enqueue", (connection, transaction) => InsertRequestsAsync(connection, transaction, batch), cancellationToken).ConfigureAwait(false);
            for (var r = 0; r < batch.Count; r++)
            {
                batch[r].Ids.TrySetResult(ids[r]);
            }
        }
        catch (Exception ex)
        {
            foreach (var request in batch)
            {
                request.Ids.TrySetException(ex);
            }
        }
    }

    private List<InsertRequest> TakePendingInserts()
    {
        lock (_pendingInserts)
        {
            List<InsertRequest> batch = [.. _pendingInserts];
            _pendingInserts.Clear();
            return batch;
        }
    }

    private async Task<long[][]> InsertRequestsAsync(SqliteConnection connection, SqliteTransaction transaction, List<InsertRequest> batch)
    {
        var all = new long[batch.Count][];
        for (var r = 0; r < batch.Count; r++)
        {
            var tasks = batch[r].Tasks;
            var ids = all[r] = new long[tasks.Count];
            for (var i = 0; i < tasks.Count; i++)
            {
                ids[i] = await InsertOneAsync(connection, transaction, tasks[i]).ConfigureAwait(false);
            }
        }

        return all;
    }

    public async Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction is not SqliteTransaction { Connection: { } connection } sqliteTransaction)
        {
            throw new ArgumentException("The SQLite store enqueues only inside an open SqliteTransaction (its connection must still be open).", nameof(transaction));
        }

        try
        {
            // The caller's transaction holds the write lock, so the schema is checked (and, on a new file, created) inside
            // it rather than by a transaction of ours that would wait for it.
            await MigrateInAsync(connection, sqliteTransaction, connection.DataSource, cancellationToken).ConfigureAwait(false);
            var ids = new long[tasks.Count];
            for (var i = 0; i < tasks.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ids[i] = await InsertOneAsync(connection, sqliteTransaction, tasks[i]).ConfigureAwait(false);
            }

            return ids;
        }
        catch (SqliteException ex)
        {
            throw new TaskStoreException($"TypedQueue could not enqueue in the application's transaction on '{connection.DataSource}': {ex.Message}", ex);
        }
    }

    /// <summary>Inserts one task inside the caller's transaction; returns its id, or the id of the task holding its key.</summary>
    private async Task<long> InsertOneAsync(SqliteConnection connection, SqliteTransaction transaction, NewTask task)
    {
        if (task.IdempotencyKey is { } key && await FindHolderAsync(connection, transaction, task, key).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        // The prepared statement belongs to the writer; an application's connection (the outbox) gets its own.
        var own = !ReferenceEquals(connection, _writer);
        using var ownInsert = own ? PrepareInsert(connection) : null;
        var insert = ownInsert ?? (_insert ??= PrepareInsert(connection));
        insert.Transaction = transaction;
        var p = insert.Parameters;
        p[0].Value = task.Name;
        p[1].Value = task.Queue;
        p[2].Value = (long)(task.RunAt > task.EnqueuedAt ? TaskState.Scheduled : TaskState.Pending);
        p[3].Value = (long)task.Priority;
        p[4].Value = task.Payload;
        p[5].Value = (long)task.MaxAttempts;
        p[6].Value = task.EnqueuedAt.ToUnixTimeMilliseconds();
        p[7].Value = task.RunAt.ToUnixTimeMilliseconds();
        p[8].Value = (object?)task.IdempotencyKey ?? DBNull.Value;
        p[9].Value = task.IdempotencyKey is null ? DBNull.Value : (long)task.UniqueWindow.TotalMilliseconds;
        p[10].Value = (object?)task.TraceParent ?? DBNull.Value;
        p[11].Value = (object?)task.TraceState ?? DBNull.Value;
        // No RETURNING: reading the id back through a data reader costs more than the insert's own step.
        if (await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) != 1)
        {
            throw new TaskStoreException($"Enqueuing '{task.Name}' on '{connection.DataSource}' stored no row (a trigger on tq_tasks, or another user of the connection, interfered); nothing was enqueued.");
        }

        var id = SQLitePCL.raw.sqlite3_last_insert_rowid(connection.Handle);
        if (task.IdempotencyKey is not null)
        {
            await ExecuteAsync(connection, transaction, "UPDATE tq_unique SET task_id = $id WHERE name = $name AND key = $key", CancellationToken.None,
                ("$id", id), ("$name", task.Name), ("$key", task.IdempotencyKey)).ConfigureAwait(false);
        }

        return id;
    }

    private static SqliteCommand PrepareInsert(SqliteConnection connection) => Prepare(connection, """
            INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at, idempotency_key, unique_window_ms, trace_parent, trace_state)
            VALUES ($name, $queue, $state, $priority, $payload, $max_attempts, $enqueued_at, $run_at, $idempotency_key, $unique_window_ms, $trace_parent, $trace_state)
            """, "$name", "$queue", "$state", "$priority", "$payload", "$max_attempts", "$enqueued_at", "$run_at", "$idempotency_key", "$unique_window_ms", "$trace_parent", "$trace_state");

    /// <summary>
    /// Frees a key whose holder no longer holds it: the holder's row is gone, or it finished (state 3 or more) and its
    /// unique window has passed. The expiry is read from the holder's row here rather than kept in tq_unique, so a state
    /// change costs nothing extra (migration 8); requeueing a finished task makes it hold its key again by itself.
    /// </summary>
    internal const string FreeExpiredKeySql = """
        DELETE FROM tq_unique
        WHERE name = $name AND key = $key
          AND NOT EXISTS (SELECT 1 FROM tq_tasks t
                          WHERE t.id = tq_unique.task_id
                            AND (t.state < 3 OR COALESCE(t.finished_at, 0) + COALESCE(t.unique_window_ms, 0) > $now))
        """;

    /// <summary>
    /// Takes the task's key, or returns the id of the task that holds it. The primary key of tq_unique decides: a
    /// holder that no longer holds the key is removed first, then the insert either takes the key or conflicts with a
    /// live holder.
    /// </summary>
    private static async Task<long?> FindHolderAsync(SqliteConnection connection, SqliteTransaction transaction, NewTask task, string key)
    {
        var now = task.EnqueuedAt.ToUnixTimeMilliseconds();
        await ExecuteAsync(connection, transaction, FreeExpiredKeySql, CancellationToken.None,
            ("$name", task.Name), ("$key", key), ("$now", now)).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO tq_unique (name, key, task_id) VALUES ($name, $key, 0)
            ON CONFLICT (name, key) DO NOTHING
            RETURNING 1
            """;
        command.Parameters.AddWithValue("$name", task.Name);
        command.Parameters.AddWithValue("$key", key);
        if (await command.ExecuteScalarAsync().ConfigureAwait(false) is not null)
        {
            return null; // the key is ours now
        }

        command.CommandText = "SELECT task_id FROM tq_unique WHERE name = $name AND key = $key";
        return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private sealed class InsertRequest(IReadOnlyList<NewTask> tasks)
    {
        public IReadOnlyList<NewTask> Tasks { get; } = tasks;

        public TaskCompletionSource<long[]> Ids { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
