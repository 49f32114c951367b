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
            var ids = await InTransactionAsync("enqueue", connection => InsertRequestsAsync(connection, batch), cancellationToken).ConfigureAwait(false);
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

    /// <summary>The rows of a batch's requests in one insert; each request gets back the ids of its own rows.</summary>
    private async Task<long[][]> InsertRequestsAsync(SqliteConnection connection, List<InsertRequest> batch)
    {
        IReadOnlyList<NewTask> rows = batch.Count == 1 ? batch[0].Tasks : [.. batch.SelectMany(request => request.Tasks)];
        var ids = await InsertAllAsync(rows, connection, null, WriterInsert, WriterSeesTriggersOnTasks, CancellationToken.None).ConfigureAwait(false);
        var all = new long[batch.Count][];
        for (int r = 0, k = 0; r < batch.Count; k += all[r].Length, r++)
        {
            all[r] = batch.Count == 1 ? ids : ids.AsSpan(k, batch[r].Tasks.Count).ToArray();
        }

        return all;
    }

    /// <summary>
    /// Whether tq_tasks has a trigger, read on the writer again only after another connection committed (PRAGMA
    /// data_version, as for the paused queues): the writer creates no trigger, so only another connection can add one.
    /// </summary>
    private bool WriterSeesTriggersOnTasks(SqliteConnection connection)
    {
        var version = DataVersion(connection);
        if (version != _triggersVersion)
        {
            _triggersOnTasks = (_triggersCheck ??= SqliteStatement.Prepare(connection, TriggersOnTasksSql)).ExecuteScalarInt64() != 0;
            _triggersVersion = version;
        }

        return _triggersOnTasks;
    }

    /// <summary>The writer's kept insert statement for <paramref name="rows"/> rows (one per row count, compiled on first use).</summary>
    private SqliteStatement WriterInsert(SqliteConnection connection, int rows) =>
        _insert[rows] ??= SqliteStatement.Prepare(connection, InsertSql(rows));

    public async Task<long[]> InsertManyAsync(IReadOnlyList<NewTask> tasks, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (transaction is not SqliteTransaction { Connection: { } connection } sqliteTransaction)
        {
            throw new ArgumentException("The SQLite store enqueues only inside an open SqliteTransaction (its connection must still be open).", nameof(transaction));
        }

        // The application's connection gets statements of its own, for this call; the writer's belong to the writer.
        var statements = new SqliteStatement?[MaxRowsPerInsert + 1];
        try
        {
            // The caller's transaction holds the write lock, so the schema is checked (and, on a new file, created) inside
            // it rather than by a transaction of ours that would wait for it.
            await MigrateInAsync(connection, sqliteTransaction, connection.DataSource, cancellationToken).ConfigureAwait(false);
            // A deferred transaction that has not written yet still needs the write lock. A write statement that changes
            // nothing takes it through Microsoft.Data.Sqlite, which waits for it (the connection's Default Timeout);
            // the raw insert below would fail at once while another connection holds it.
            await ExecuteAsync(connection, sqliteTransaction, "DELETE FROM tq_unique WHERE 0", cancellationToken).ConfigureAwait(false);
            return await InsertAllAsync(tasks, connection, sqliteTransaction,
                (_, rows) => statements[rows] ??= SqliteStatement.Prepare(connection, InsertSql(rows), reused: false),
                _ =>
                {
                    using var check = SqliteStatement.Prepare(connection, TriggersOnTasksSql, reused: false);
                    return check.ExecuteScalarInt64() != 0;
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw new TaskStoreException($"TypedQueue could not enqueue in the application's transaction on '{connection.DataSource}': {ex.Message}", ex);
        }
        finally
        {
            foreach (var statement in statements)
            {
                statement?.Dispose();
            }
        }
    }

    /// <summary>
    /// Inserts rows in order inside the transaction open on <paramref name="connection"/> (the application's
    /// <paramref name="transaction"/> on the outbox path, or the store's own: null): runs of rows without a key go in one
    /// statement of up to <see cref="MaxRowsPerInsert"/> rows (a row costs 2.4 instead of 4.0 µs that way: SQLite opens
    /// the table's and the index's cursors once per statement, not once per row), the others one at a time. While
    /// tq_tasks has a trigger (the application's: TypedQueue has none on it), every row goes on its own: a trigger that
    /// inserts into tq_tasks takes ids between a statement's rows, so they are not the ones before its last id, and
    /// sqlite3_changes does not count the trigger's rows. <paramref name="hasTriggers"/> tells (<see cref="TriggersOnTasksSql"/>);
    /// it is asked at most once per call, inside the transaction, which holds the write lock, so no other connection
    /// changes the schema before the inserts.
    /// </summary>
    private static async Task<long[]> InsertAllAsync(IReadOnlyList<NewTask> rows, SqliteConnection connection, SqliteTransaction? transaction,
        Func<SqliteConnection, int, SqliteStatement> insert, Func<SqliteConnection, bool> hasTriggers, CancellationToken cancellationToken)
    {
        var ids = new long[rows.Count];
        bool? manyPerStatement = null;
        for (var k = 0; k < rows.Count;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = RunWithoutKeys(rows, k);
            if (run > 1 && (manyPerStatement ??= !hasTriggers(connection)))
            {
                InsertRows(insert(connection, run), connection, rows, k, run, ids);
                k += run;
            }
            else
            {
                ids[k] = await InsertAsync(insert(connection, 1), connection, transaction, rows[k]).ConfigureAwait(false);
                k++;
            }
        }

        return ids;
    }

    /// <summary>1 when tq_tasks has a trigger (the database's own, or a TEMP one of this connection), else 0.</summary>
    private const string TriggersOnTasksSql = """
        SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'tq_tasks')
            OR EXISTS (SELECT 1 FROM sqlite_temp_schema WHERE type = 'trigger' AND tbl_name = 'tq_tasks')
        """;

    /// <summary>The most rows one insert statement takes (12 parameters each).</summary>
    private const int MaxRowsPerInsert = 16;

    /// <summary>How many rows from <paramref name="start"/> on have no key (at most <see cref="MaxRowsPerInsert"/>).</summary>
    private static int RunWithoutKeys(IReadOnlyList<NewTask> rows, int start)
    {
        var end = start;
        while (end < rows.Count && end - start < MaxRowsPerInsert && rows[end].IdempotencyKey is null)
        {
            end++;
        }

        return end - start;
    }

    /// <summary>
    /// Inserts <paramref name="count"/> rows without keys with one statement of that many rows; their ids go to
    /// <paramref name="ids"/> at the same positions. The statement reports only its last id (<c>last_insert_rowid</c>);
    /// the others are the ones before it: tq_tasks numbers its rows with AUTOINCREMENT (migration 7), which gives each
    /// new row the largest id the table ever had plus one, never an id picked at random, and fails the insert
    /// (SQLITE_FULL) when the numbers run out. Only while tq_tasks has no trigger (see <see cref="InsertAllAsync"/>).
    /// </summary>
    private static void InsertRows(SqliteStatement insert, SqliteConnection connection, IReadOnlyList<NewTask> rows, int start, int count, long[] ids)
    {
        for (var i = 0; i < count; i++)
        {
            BindRow(insert, i * ColumnsPerRow, rows[start + i]);
        }

        if (insert.Execute() is var stored && stored != count)
        {
            throw new TaskStoreException($"Enqueuing {count} tasks on '{connection.DataSource}' stored {stored} rows (a trigger on tq_tasks, or another user of the connection, interfered); nothing was enqueued.");
        }

        var last = SQLitePCL.raw.sqlite3_last_insert_rowid(connection.Handle);
        for (var i = 0; i < count; i++)
        {
            ids[start + i] = last - (count - 1) + i;
        }
    }

    /// <summary>Inserts one task in the store's own transaction with the writer's statement; see <see cref="InsertAsync"/>.</summary>
    private ValueTask<long> InsertOneAsync(SqliteConnection connection, NewTask task) =>
        InsertAsync(WriterInsert(connection, 1), connection, null, task);

    /// <summary>
    /// Inserts one task inside the transaction open on the connection (the application's <paramref name="transaction"/>
    /// on the outbox path, or the store's own: null); returns its id, or the id of the task holding its key.
    /// </summary>
    private static ValueTask<long> InsertAsync(SqliteStatement insert, SqliteConnection connection, SqliteTransaction? transaction, NewTask task) =>
        task.IdempotencyKey is { } key
            ? new(InsertKeyedAsync(insert, connection, transaction, task, key))
            : new(InsertRow(insert, connection, task));

    /// <summary>Inserts a task with a key inside the caller's transaction: its id, or the id of the task holding the key.</summary>
    private static async Task<long> InsertKeyedAsync(SqliteStatement insert, SqliteConnection connection, SqliteTransaction? transaction, NewTask task, string key)
    {
        if (await FindHolderAsync(connection, transaction, task, key).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var id = InsertRow(insert, connection, task);
        await ExecuteAsync(connection, transaction, "UPDATE tq_unique SET task_id = $id WHERE name = $name AND key = $key", CancellationToken.None,
            ("$id", id), ("$name", task.Name), ("$key", key)).ConfigureAwait(false);
        return id;
    }

    /// <summary>Inserts one row inside the transaction open on <paramref name="connection"/>; returns its id.</summary>
    private static long InsertRow(SqliteStatement insert, SqliteConnection connection, NewTask task)
    {
        BindRow(insert, 0, task);
        // No RETURNING: reading the id back costs more than the insert's own step.
        if (insert.Execute() != 1)
        {
            throw new TaskStoreException($"Enqueuing '{task.Name}' on '{connection.DataSource}' stored no row (a trigger on tq_tasks, or another user of the connection, interfered); nothing was enqueued.");
        }

        return SQLitePCL.raw.sqlite3_last_insert_rowid(connection.Handle);
    }

    /// <summary>Binds a task's columns to parameters <paramref name="offset"/> + 1 … + <see cref="ColumnsPerRow"/> of an insert.</summary>
    private static void BindRow(SqliteStatement insert, int offset, NewTask task)
    {
        insert.Bind(offset + 1, task.Name);
        insert.Bind(offset + 2, task.Queue);
        insert.Bind(offset + 3, (long)(task.RunAt > task.EnqueuedAt ? TaskState.Scheduled : TaskState.Pending));
        insert.Bind(offset + 4, task.Priority);
        insert.Bind(offset + 5, task.Payload);
        insert.Bind(offset + 6, task.MaxAttempts);
        insert.Bind(offset + 7, task.EnqueuedAt.ToUnixTimeMilliseconds());
        insert.Bind(offset + 8, task.RunAt.ToUnixTimeMilliseconds());
        insert.Bind(offset + 9, task.IdempotencyKey);
        insert.Bind(offset + 10, task.IdempotencyKey is null ? null : (long)task.UniqueWindow.TotalMilliseconds);
        insert.Bind(offset + 11, task.TraceParent);
        insert.Bind(offset + 12, task.TraceState);
    }

    private const int ColumnsPerRow = 12;

    private static string Values(int offset) =>
        "(" + string.Join(", ", Enumerable.Range(offset + 1, ColumnsPerRow).Select(parameter => "?" + parameter)) + ")";

    /// <summary>An insert of <paramref name="rows"/> rows: parameters ?1 … ?12 for the first row's columns, ?13 … for the next.</summary>
    private static string InsertSql(int rows) =>
        "INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at, idempotency_key, unique_window_ms, trace_parent, trace_state) VALUES "
        + string.Join(", ", Enumerable.Range(0, rows).Select(row => Values(row * ColumnsPerRow)));

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
    private static async Task<long?> FindHolderAsync(SqliteConnection connection, SqliteTransaction? transaction, NewTask task, string key)
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
