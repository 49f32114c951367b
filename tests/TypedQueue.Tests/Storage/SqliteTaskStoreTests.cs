using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using TypedQueue.Inspection;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Storage;

/// <summary>The conformance suite on a real SQLite file, plus what only SQLite has: files, pragmas, schema versions.</summary>
public sealed class SqliteTaskStoreTests : TaskStoreConformanceTests, IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;
    private readonly TempDatabase _db = new();

    internal override ITaskStore CreateStore() => Open(_db.Path);

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task The_file_is_in_wal_mode_with_the_current_schema_version()
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA user_version";
        Assert.Equal((long)SqliteSchema.CurrentVersion, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_claim_query_uses_the_pending_index()
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteTaskStore.ClaimSql;
        foreach (var name in new[] { "$worker", "$lease", "$now", "$max" })
        {
            command.Parameters.AddWithValue(name, 1);
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, p => p.Contains("tq_tasks_pending", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, p => p.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_workers_statements_are_compiled_once_whatever_it_binds()
    {
        // SQLite recompiles a kept statement on every run whose bound values its plan depends on (a bare LIMIT $n does).
        // After a first round of each kind, claims of every size, outcomes of every kind, inserts, delayed tasks and
        // lane-by-lane claims must compile nothing on the writer: SQLite's authorizer is called for every compilation.
        await using var store = Open(_db.Path);
        await store.MigrateAsync(default);
        var lanes = new ClaimPolicy(
            QueueOrder.Priority,
            new Dictionary<string, QueuePolicy> { ["other"] = new(1, TaskOrder.Lifo, null) },
            new Dictionary<string, RateLimit> { ["b"] = new(500, TimeSpan.FromMinutes(1)) });
        IReadOnlyList<TaskCompletion> outcomes = [];
        async Task RoundAsync(int round)
        {
            var now = T0.AddMilliseconds(round * 5);
            for (var i = 0; i < round + 4; i++)
            {
                await store.InsertManyAsync([new NewTask(i % 3 == 0 ? "b" : "a", i % 2 == 0 ? "default" : "other", i % 3, 3, "{}", now, now.AddMilliseconds(i % 4 == 0 ? 7 : 0), null)], default);
            }

            var request = round % 2 == 0
                ? new ClaimRequest("w", round, now, now.AddMinutes(1))
                : new ClaimRequest("w", round, now, now.AddMinutes(1), lanes, new Dictionary<string, int> { ["default"] = round + 1 });
            var claim = await store.ClaimAvailableAsync(request, outcomes, default);
            Assert.Equal(round, claim.Tasks.Count);
            outcomes = claim.Tasks.Select((task, k) => k == 0
                ? new TaskCompletion(task.Id, "w", TaskOutcome.Retry, now, Error: new TaskError("E", "failed", null), RetryAt: now.AddMilliseconds(round))
                : new TaskCompletion(task.Id, "w", TaskOutcome.Succeeded, now)).ToList();
        }

        // Installing an authorizer expires every statement, so it goes in before the warm-up rounds, which count nothing.
        var counting = false;
        var compilations = new List<string>();
        delegate_authorizer count = (_, action, first, second, _, _) =>
        {
            if (counting)
            {
                compilations.Add($"action {action} on {first.utf8_to_string()} {second.utf8_to_string()}");
            }

            return raw.SQLITE_OK;
        };
        await store.UseWriterAsync(writer => raw.sqlite3_set_authorizer(writer.Handle, count, null));
        try
        {
            for (var round = 1; round <= 6; round++)
            {
                await RoundAsync(round);
            }

            counting = true;
            for (var round = 7; round <= 14; round++)
            {
                await RoundAsync(round);
            }
        }
        finally
        {
            counting = false;
            await store.UseWriterAsync(writer => raw.sqlite3_set_authorizer(writer.Handle, (delegate_authorizer?)null, null));
        }

        Assert.Empty(compilations);
    }

    [Fact]
    public async Task Plain_successes_look_their_tasks_up_by_id_however_many_are_running()
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteTaskStore.SucceedManySql;
        foreach (var name in SqliteTaskStore.SucceedManyParameters())
        {
            command.Parameters.AddWithValue(name, name.StartsWith("$worker", StringComparison.Ordinal) ? "w" : 1L);
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        // The VALUES rows are the outer loop; each looks its task up by id (never a scan of tq_tasks).
        Assert.Equal([$"SCAN {SqliteTaskStore.SucceedManyRows}-ROW VALUES CLAUSE", "SEARCH tq_tasks USING INTEGER PRIMARY KEY (rowid=?)"], plan);
    }

    [Fact]
    public async Task A_failed_batch_of_outcomes_is_written_not_at_all_and_leaves_nothing_for_the_next()
    {
        // The 19th success fails (a trigger stands in for a disk error) after a full statement of 16 already ran.
        var ids = await Store.InsertManyAsync([.. Enumerable.Range(0, 20).Select(i => new NewTask($"t{i}", "default", 0, 3, "{}", T0, T0, null))], default);
        Assert.Equal(20, (await Store.ClaimAvailableAsync(new ClaimRequest("w", 20, T0, T0.AddMinutes(5)), [], default)).Tasks.Count);
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TRIGGER fail BEFORE UPDATE OF state ON tq_tasks WHEN NEW.state = 3 AND OLD.id = {ids[18]} BEGIN SELECT RAISE(ABORT, 'disk'); END";
        await command.ExecuteNonQueryAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => Store.CompleteManyAsync([.. ids.Select(id => new TaskCompletion(id, "w", TaskOutcome.Succeeded, T0))], default));
        foreach (var id in ids)
        {
            Assert.Equal(TaskState.Running, (await Store.GetAsync(id, default))!.State);
        }

        command.CommandText = "DROP TRIGGER fail";
        await command.ExecuteNonQueryAsync();
        Assert.Equal(1, await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Succeeded, T0)], default));
        foreach (var id in ids.Skip(1))
        {
            Assert.Equal(TaskState.Running, (await Store.GetAsync(id, default))!.State);
        }
    }

    [Theory]
    [InlineData(SqliteTaskStore.PromoteSql, "SEARCH tq_tasks USING INDEX tq_tasks_scheduled (run_at<?)")]
    [InlineData(SqliteTaskStore.NextDueSql, "SEARCH tq_tasks USING COVERING INDEX tq_tasks_scheduled")]
    public async Task Promotion_and_the_next_due_time_use_the_scheduled_index(string sql, string step)
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        if (sql.Contains("$now", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$now", 1);
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Equal(step, Assert.Single(plan));
    }

    [Theory]
    [InlineData(TaskState.Scheduled, true, "SCAN tq_tasks USING INDEX tq_tasks_scheduled", true)]
    [InlineData(TaskState.Scheduled, false, "SEARCH tq_tasks USING INTEGER PRIMARY KEY (rowid>?)", false)]
    [InlineData(TaskState.Running, false, "SCAN tq_tasks USING INDEX tq_tasks_running", true)]
    [InlineData(TaskState.Dead, false, "SEARCH tq_tasks USING INDEX tq_tasks_failed (state=? AND id>?)", false)]
    [InlineData(TaskState.Cancelled, false, "SEARCH tq_tasks USING INDEX tq_tasks_failed (state=? AND id>?)", false)]
    [InlineData(TaskState.Pending, true, "SCAN tq_tasks USING INDEX tq_tasks_pending", true)]
    [InlineData(TaskState.Pending, false, "SEARCH tq_tasks USING INTEGER PRIMARY KEY (rowid>?)", false)]
    [InlineData(TaskState.Succeeded, false, "SEARCH tq_tasks USING INTEGER PRIMARY KEY (rowid>?)", false)]
    public async Task Listing_by_state_walks_that_states_index_or_the_primary_key(TaskState state, bool few, string walk, bool sortsById)
    {
        // A handful of pending or scheduled tasks (and running ones, always few) are cheap to sort; a state that can fill
        // the table (succeeded, or a deep pending or scheduled backlog) must never sort the whole state for one page.
        foreach (var query in new[] { new TaskQuery { State = state }, new TaskQuery { State = state, Queue = "q" }, new TaskQuery { State = state, Queue = "q", Name = "n" } })
        {
            var plan = await PlanAsync(SqliteTaskStore.ListTasksSql(query, few), ("$after", 0), ("$queue", "q"), ("$name", "n"), ("$limit", 10));

            Assert.Equal(walk, plan[0]);
            Assert.Equal(sortsById ? ["USE TEMP B-TREE FOR ORDER BY"] : [], plan.Skip(1));
        }
    }

    [Theory]
    [InlineData(TaskState.Pending, "tq_tasks_pending")]
    [InlineData(TaskState.Scheduled, "tq_tasks_scheduled")]
    public async Task The_density_probe_counts_the_states_partial_index(TaskState state, string index)
    {
        var plan = await PlanAsync(SqliteTaskStore.FewInStateSql(state));

        Assert.Contains(plan, p => p.StartsWith($"SCAN tq_tasks USING COVERING INDEX {index}", StringComparison.Ordinal) || p.StartsWith($"SCAN tq_tasks USING INDEX {index}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checking_for_unfinished_tasks_looks_into_the_partial_indexes_only()
    {
        var plan = await PlanAsync(SqliteTaskStore.AnyUnfinishedSql);

        var walks = plan.Where(p => p.Contains("tq_tasks", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, walks.Count);
        Assert.All(walks, w => Assert.Matches("^SCAN tq_tasks USING (COVERING )?INDEX tq_tasks_(pending|scheduled|running)$", w));
    }

    [Fact]
    public async Task Freeing_a_key_looks_its_holder_up_by_primary_key()
    {
        var plan = await PlanAsync(SqliteTaskStore.FreeExpiredKeySql, ("$name", "n"), ("$key", "k"), ("$now", 0));

        Assert.Contains(plan, p => p.StartsWith("SEARCH tq_unique USING PRIMARY KEY (name=? AND key=?)", StringComparison.Ordinal));
        Assert.Contains(plan, p => p.StartsWith("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Purge_removes_the_keys_of_the_tasks_it_deletes_and_keeps_the_others()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var ids = await Store.InsertManyAsync(
            [new NewTask("a", "default", 0, 1, "{}", t0, t0, "done", TimeSpan.FromDays(1)), new NewTask("b", "default", 0, 1, "{}", t0, t0, "open")], default);
        await Store.ClaimAvailableAsync(new ClaimRequest("w", 1, t0, t0.AddMinutes(1)), [], default);
        await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Succeeded, t0)], default);

        Assert.Equal(1, await Store.DeleteFinishedBeforeAsync(t0.AddSeconds(1), default));

        Assert.Equal([ids[1]], await ScalarsAsync(_db.Path, "SELECT task_id FROM tq_unique"));
    }

    [Fact]
    public async Task Migration_8_keeps_the_keys_of_a_version_7_database_as_they_were()
    {
        // A version 7 file: a succeeded task whose key the old trigger gave an expiry, a dead one that will be requeued
        // (its stale expiry must not free its key), and a pending one whose key is held without an expiry.
        var path = Path.Combine(_db.Folder, "v7.db");
        var t = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var ms = t.ToUnixTimeMilliseconds();
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            foreach (var migration in SqliteSchema.Migrations.Take(7))
            {
                command.CommandText = migration;
                await command.ExecuteNonQueryAsync();
            }

            command.CommandText = $"""
                PRAGMA user_version = 7;
                INSERT INTO tq_tasks (name, queue, state, priority, payload, attempts, max_attempts, enqueued_at, run_at, started_at, idempotency_key, unique_window_ms)
                VALUES ('u', 'default', 2, 0, '{"{}"}', 1, 1, {ms}, {ms}, {ms}, 'done', 60000),
                       ('u', 'default', 2, 0, '{"{}"}', 1, 1, {ms}, {ms}, {ms}, 'dead', 60000),
                       ('u', 'default', 1, 0, '{"{}"}', 0, 1, {ms}, {ms}, NULL, 'open', 1000);
                INSERT INTO tq_unique (name, key, task_id) VALUES ('u', 'done', 1), ('u', 'dead', 2), ('u', 'open', 3);
                UPDATE tq_tasks SET state = 3, finished_at = {ms} WHERE id = 1;
                UPDATE tq_tasks SET state = 4, finished_at = {ms} WHERE id = 2;
                """;
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal([ms + 60000, ms + 60000], await ScalarsAsync(path, "SELECT expires_at FROM tq_unique WHERE task_id IN (1, 2) ORDER BY task_id"));

        await using var store = Open(path);
        await store.MigrateAsync(default);

        Assert.Equal([8L], await ScalarsAsync(path, "PRAGMA user_version"));
        Assert.Empty(await ScalarsAsync(path, "SELECT name FROM sqlite_schema WHERE type = 'trigger' OR name = 'tq_tasks_state_id'"));
        Assert.Equal(["tq_tasks_failed"], await ScalarsAsync(path, "SELECT name FROM sqlite_schema WHERE name = 'tq_tasks_failed'"));
        NewTask Keyed(string key, DateTimeOffset at) => new("u", "default", 0, 1, "{}", at, at, key);
        async Task<long> EnqueueAsync(string key, DateTimeOffset at) => (await store.InsertManyAsync([Keyed(key, at)], default))[0];

        // The succeeded task holds its key for its window, then a new task takes it.
        Assert.Equal(1, await EnqueueAsync("done", t.AddMilliseconds(59_999)));
        Assert.True(await EnqueueAsync("done", t.AddMilliseconds(60_000)) > 3);

        // The dead task is requeued after its old expiry: it holds its key again.
        Assert.True(await store.RequeueAsync(2, t.AddMinutes(2), default));
        Assert.Equal(2, await EnqueueAsync("dead", t.AddMinutes(3)));

        // The pending task holds its key, however late; once finished, for its own window.
        Assert.Equal(3, await EnqueueAsync("open", t.AddDays(1)));
        var claimed = (await store.ClaimAvailableAsync(new ClaimRequest("w", 2, t.AddDays(1), t.AddDays(2)), [], default)).Tasks;
        Assert.Contains(claimed, c => c.Id == 3);
        var finished = t.AddDays(1).AddSeconds(1);
        await store.CompleteManyAsync([new TaskCompletion(3, "w", TaskOutcome.Succeeded, finished)], default);
        Assert.Equal(3, await EnqueueAsync("open", finished.AddMilliseconds(999)));
        Assert.True(await EnqueueAsync("open", finished.AddMilliseconds(1000)) > 3);
    }

    private async Task<List<string>> PlanAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }

    private static async Task<List<object>> ScalarsAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var values = new List<object>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0));
        }

        return values;
    }

    [Theory]
    [InlineData(SqliteTaskStore.NextQueueSql, "tq_tasks_lane_fifo")]
    [InlineData(SqliteTaskStore.NextLaneSql, "tq_tasks_lane_fifo")]
    [InlineData(SqliteTaskStore.LaneFifoSql, "tq_tasks_lane_fifo")]
    [InlineData(SqliteTaskStore.LaneLifoSql, "tq_tasks_lane_lifo")]
    public async Task The_lane_queries_seek_their_index_and_never_sort(string sql, string index)
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteTaskStore.LaneFifoIndexSql + ";" + SqliteTaskStore.LaneLifoIndexSql;
        await command.ExecuteNonQueryAsync();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$queue", "$name", "$limit" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, name == "$limit" ? 10 : "x");
            }
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        var step = Assert.Single(plan);
        Assert.Matches($@"^SEARCH tq_tasks USING (COVERING )?INDEX {index} \(queue[=>]", step);
    }

    [Fact]
    public async Task Lane_indexes_exist_only_once_a_claim_needs_them_or_a_queue_is_paused()
    {
        await Store.InsertManyAsync([new NewTask("a", "default", 0, 1, "{}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null)], default);
        await Store.ClaimAvailableAsync(new ClaimRequest("w", 10, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1)), [], default);
        Assert.Empty(await LaneIndexesAsync());

        await Store.SetQueuePausedAsync("emails", true, DateTimeOffset.UnixEpoch, default);
        Assert.Equal(["tq_tasks_lane_fifo"], await LaneIndexesAsync());

        var lifo = new ClaimPolicy(QueueOrder.Priority, new Dictionary<string, QueuePolicy> { ["default"] = new(1, TaskOrder.Lifo, null) }, new Dictionary<string, RateLimit>());
        await Store.InsertManyAsync([new NewTask("b", "default", 0, 1, "{}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null)], default);
        Assert.Single((await Store.ClaimAvailableAsync(new ClaimRequest("w", 10, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), lifo), [], default)).Tasks);
        Assert.Equal(["tq_tasks_lane_fifo", "tq_tasks_lane_lifo"], await LaneIndexesAsync());
    }

    private async Task<List<string>> LaneIndexesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'tq_tasks_lane_%' ORDER BY name";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Fact]
    public async Task A_schema_newer_than_this_version_is_refused_with_a_clear_error()
    {
        await using (var connection = new SqliteConnection($"Data Source={_db.Path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {SqliteSchema.CurrentVersion + 1}";
            await command.ExecuteNonQueryAsync();
        }

        await using var store = Open(_db.Path);
        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.MigrateAsync(default));
        Assert.Contains("newer than this version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_in_a_missing_folder_is_refused_with_a_clear_error()
    {
        var path = Path.Combine(_db.Folder, "no-such-folder", "tasks.db");
        var error = Assert.Throws<TaskStoreException>(() => Open(path));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_refused_with_a_clear_error()
    {
        var path = Path.Combine(_db.Folder, "notes.db");
        await File.WriteAllTextAsync(path, new string('x', 8192));
        await using var store = Open(path);
        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.MigrateAsync(default));
        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_disk_fails_the_enqueue_with_a_clear_error_and_writes_no_part_of_the_batch()
    {
        // max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does.
        await using var store = new SqliteTaskStore(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = Path.Combine(_db.Folder, "small.db") }) with { ExtraPragmas = "PRAGMA max_page_count = 64;" });
        await store.MigrateAsync(default);
        var task = new NewTask("big", "default", 0, 1, new string('x', 2000), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);
        await store.InsertManyAsync([task], default);

        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync(Enumerable.Repeat(task, 500).ToList(), default));

        Assert.Contains("disk is full", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, new Inspection.TaskStatistics(await store.CountByQueueAndStateAsync(default)).Total);

        Assert.Single(await store.InsertManyAsync([task with { Payload = "{}" }], default)); // still usable afterwards
    }

    [Fact]
    public async Task An_insert_that_stores_no_row_fails_the_batch_rolls_it_back_and_frees_the_write_lock()
    {
        // SQLite ends a transaction by itself on a full disk; an error of ours inside the transaction must end it too.
        var path = Path.Combine(_db.Folder, "guarded.db");
        await using var store = Open(path);
        await store.MigrateAsync(default);
        var task = new NewTask("kept", "default", 0, 1, "{}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);
        await store.InsertManyAsync([task], default);
        await ExecuteOnOtherConnectionAsync(path, "CREATE TRIGGER tq_test_ignore BEFORE INSERT ON tq_tasks WHEN NEW.name = 'ignored' BEGIN SELECT RAISE(IGNORE); END;");

        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync([task, task with { Name = "ignored" }], default));

        Assert.Contains("interfered); nothing was enqueued", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, new Inspection.TaskStatistics(await store.CountByQueueAndStateAsync(default)).Total); // the first row went too
        // Rolled back, not left open: another process takes the write lock at once (no busy wait, and at most a second of the driver's own retries).
        await ExecuteOnOtherConnectionAsync(path, "BEGIN IMMEDIATE; DROP TRIGGER tq_test_ignore; COMMIT;");
        Assert.Single(await store.InsertManyAsync([task with { Name = "ignored" }], default));
    }

    private static async Task ExecuteOnOtherConnectionAsync(string path, string sql)
    {
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False;Default Timeout=1");
        await other.OpenAsync();
        await using var command = other.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 0; " + sql;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Under_continuous_writes_the_wal_starts_over_instead_of_growing()
    {
        // The writer never checkpoints; the store's background checkpoints must still make the WAL start over while
        // commits keep coming. A restart truncates the file to journal_size_limit, so the file shrinking is the signal.
        var path = Path.Combine(_db.Folder, "busy.db");
        await using var store = new SqliteTaskStore(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = path }) with { WalSizeLimitBytes = 256 * 1024 });
        await store.MigrateAsync(default);
        var batch = Enumerable.Range(0, 100).Select(_ => new NewTask("t", "default", 0, 1, new string('x', 400), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null)).ToList();
        var wal = new FileInfo(path + "-wal");
        long largest = 0, previous = 0;
        var restarts = 0;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (restarts < 3)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"The WAL never started over: it grew to {largest:N0} bytes.");
            await store.InsertManyAsync(batch, default);
            wal.Refresh();
            if (wal.Length < previous)
            {
                restarts++;
            }

            previous = wal.Length;
            largest = Math.Max(largest, wal.Length);
        }

        Assert.InRange(previous, 0, 1024 * 1024); // the limit, plus the frames written since the restart
        Assert.InRange(largest, 0, 64L * 1024 * 1024); // without the restarts it passes 1 GB within a minute
    }

    [Fact]
    public async Task Empty_strings_are_stored_as_empty_text_not_null()
    {
        await using var store = Open(_db.Path);
        await store.MigrateAsync(default);
        await store.InsertManyAsync([new NewTask("t", "default", 0, 1, "{}", T0, T0, IdempotencyKey: "", TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState: "")], default);

        var claimed = Assert.Single((await store.ClaimAvailableAsync(new ClaimRequest("w", 1, T0, T0.AddMinutes(1)), [], default)).Tasks);
        Assert.Equal("", claimed.IdempotencyKey);
        Assert.Equal("", claimed.TraceState);
        await using var c = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT typeof(idempotency_key) || ',' || typeof(trace_state) FROM tq_tasks";
        Assert.Equal("text,text", (string?)await cmd.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("UTF-8")]
    [InlineData("UTF-16le")]
    public async Task Claimed_names_queues_and_payloads_read_back_exactly_in_either_file_encoding(string encoding)
    {
        // A file created elsewhere may store text as UTF-16; the claim reads names through a cache of UTF-8 bytes.
        var path = Path.Combine(_db.Folder, "created-elsewhere.db");
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_open_v2(path, out var creator, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE, null));
        using (creator)
        {
            Assert.Equal(raw.SQLITE_OK, raw.sqlite3_exec(creator, $"PRAGMA encoding = '{encoding}'; CREATE TABLE app_first (x);"));
        }

        await using var store = Open(path);
        await store.MigrateAsync(default);
        Assert.Equal(encoding, await store.UseWriterAsync(writer =>
        {
            using var command = writer.CreateCommand();
            command.CommandText = "PRAGMA encoding";
            return (string?)command.ExecuteScalar();
        }));

        // More distinct names than the cache keeps, interleaved, so names leave it and come back.
        string NameOf(int i) => $"Grüße.日本.{i % 20}";
        string QueueOf(int i) => $"q-ç{i % 3}";
        await store.InsertManyAsync([.. Enumerable.Range(0, 60).Select(i => new NewTask(NameOf(i), QueueOf(i), 0, 1, $$"""{"i":{{i}},"s":"ünï"}""", T0, T0, null))], default);

        var claimed = (await store.ClaimAvailableAsync(new ClaimRequest("w", 60, T0, T0.AddMinutes(1)), [], default)).Tasks;

        Assert.Equal(60, claimed.Count);
        foreach (var task in claimed)
        {
            var i = (int)task.Id - 1;
            Assert.Equal((NameOf(i), QueueOf(i), $$"""{"i":{{i}},"s":"ünï"}"""), (task.Name, task.Queue, task.Payload));
        }

        // Equal names come back as one string: a claim decodes each distinct name once.
        Assert.Same(claimed.First(t => t.Id == 1).Queue, claimed.First(t => t.Id == 4).Queue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_claim_that_fails_while_reading_its_rows_rolls_back_and_leaves_the_writer_usable(bool byLane)
    {
        // A row the claim cannot turn into a task (an instant out of DateTimeOffset's range, written by another tool)
        // fails the claim after its UPDATE ran: the claim statement must still be reset, or it keeps the writer's read
        // snapshot open and every later write and claim fails.
        await using var store = Open(_db.Path);
        await store.MigrateAsync(default);
        await store.InsertManyAsync([new NewTask("a", "default", 0, 3, "{}", T0, T0, null), new NewTask("a", "default", 0, 3, "{}", T0, T0, null)], default);
        await using var other = new SqliteConnection($"Data Source={_db.Path}");
        await other.OpenAsync();
        await using var command = other.CreateCommand();
        command.CommandText = "UPDATE tq_tasks SET enqueued_at = 9000000000000000000 WHERE id = 1";
        await command.ExecuteNonQueryAsync();

        var lanes = byLane ? new ClaimPolicy(QueueOrder.Priority, new Dictionary<string, QueuePolicy>(), new Dictionary<string, RateLimit> { ["a"] = new(100, TimeSpan.FromMinutes(1)) }) : null;
        ClaimRequest Request(int max) => new("w", max, T0, T0.AddMinutes(1), lanes, byLane ? new Dictionary<string, int> { ["default"] = max } : null);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ClaimAvailableAsync(Request(2), [], default));

        command.CommandText = "SELECT group_concat(state) FROM tq_tasks";
        Assert.Equal("1,1", await command.ExecuteScalarAsync()); // rolled back: neither task was taken
        command.CommandText = "UPDATE tq_tasks SET enqueued_at = 0 WHERE id = 1";
        await command.ExecuteNonQueryAsync();

        await store.InsertManyAsync([new NewTask("a", "default", 0, 3, "{}", T0, T0, null)], default);
        var claimed = (await store.ClaimAvailableAsync(Request(3), [], default)).Tasks;
        Assert.Equal([1L, 2L, 3L], claimed.Select(t => t.Id));
        Assert.Equal(3, await store.CompleteManyAsync([.. claimed.Select(t => new TaskCompletion(t.Id, "w", TaskOutcome.Succeeded, T0))], default));
    }

    [Fact]
    public async Task A_write_lock_held_by_another_process_fails_after_bounded_retries_and_leaves_the_writer_clean()
    {
        await using var store = OpenWith("PRAGMA busy_timeout = 0;");
        await store.MigrateAsync(default);
        var task = new NewTask("t", "default", 0, 1, "{}", T0, T0, null);

        await using var holder = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await holder.OpenAsync();
        var tx = holder.BeginTransaction(deferred: false);
        var sw = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync([task], default));
        Assert.Contains("stayed locked", error.Message, StringComparison.Ordinal);
        Assert.InRange(sw.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        tx.Commit();

        Assert.Single(await store.InsertManyAsync([task], default));
        await ExecuteOnOtherConnectionAsync(_db.Path, "BEGIN IMMEDIATE; COMMIT;"); // the store's writer holds no transaction
    }

    [Fact]
    public async Task A_failed_commit_is_rolled_back_and_frees_the_write_lock()
    {
        // A deferred foreign key fails at COMMIT (SQLite keeps the transaction open): the COMMIT-failure path.
        await using var store = OpenWith("PRAGMA foreign_keys = ON;");
        await store.MigrateAsync(default);
        var task = new NewTask("ok", "default", 0, 1, "{}", T0, T0, null);
        await store.InsertManyAsync([task], default);
        await ExecuteOnOtherConnectionAsync(_db.Path, """
            CREATE TABLE tq_test_parent (id INTEGER PRIMARY KEY);
            CREATE TABLE tq_test_child (p INTEGER REFERENCES tq_test_parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER tq_test_fk AFTER INSERT ON tq_tasks WHEN NEW.name = 'bad' BEGIN INSERT INTO tq_test_child VALUES (42); END;
            """);

        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync([task, task with { Name = "bad" }], default));
        Assert.Contains("FOREIGN KEY", error.Message, StringComparison.Ordinal);

        Assert.Equal(1, new TaskStatistics(await store.CountByQueueAndStateAsync(default)).Total);
        await ExecuteOnOtherConnectionAsync(_db.Path, "BEGIN IMMEDIATE; DROP TRIGGER tq_test_fk; COMMIT;");
        Assert.Single(await store.InsertManyAsync([task with { Name = "bad" }], default));
    }

    [Fact]
    public async Task Cached_statements_survive_schema_changes_by_another_process()
    {
        await using var store = Open(_db.Path);
        await store.MigrateAsync(default);
        var now = T0.AddMinutes(10);
        await store.InsertManyAsync([new NewTask("t", "default", 0, 1, "{}", T0, T0, null), new NewTask("later", "default", 0, 1, "{}", T0, T0.AddHours(1), null)], default);
        var first = await store.ClaimAvailableAsync(new ClaimRequest("w", 1, now, now.AddMinutes(1)), [], default);

        await ExecuteOnOtherConnectionAsync(_db.Path, "CREATE INDEX tq_test_extra ON tq_tasks (queue, name); ANALYZE; CREATE TABLE tq_test_other (x);");

        await store.InsertManyAsync([new NewTask("t2", "default", 0, 1, "{}", T0, T0, null)], default);
        var second = await store.ClaimAvailableAsync(new ClaimRequest("w", 4, now, now.AddMinutes(1)),
            [new TaskCompletion(first.Tasks[0].Id, "w", TaskOutcome.Succeeded, now)], default);
        Assert.Single(second.Tasks);
        Assert.Equal(T0.AddHours(1), second.NextScheduledAt);
        Assert.Equal(1, await store.CompleteManyAsync([new TaskCompletion(second.Tasks[0].Id, "w", TaskOutcome.Succeeded, now)], default));
    }

    [Fact]
    public async Task An_outbox_enqueue_in_a_deferred_transaction_waits_for_another_writer_instead_of_failing_at_once()
    {
        await using var store = Open(_db.Path);
        await store.MigrateAsync(default);
        await using var holder = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await holder.OpenAsync();
        await using var held = (SqliteTransaction)await holder.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, default);
        await using var application = new SqliteConnection($"Data Source={_db.Path};Pooling=False;Default Timeout=1");
        await application.OpenAsync();
        await using var deferred = application.BeginTransaction(deferred: true);
        var task = new NewTask("t", "default", 0, 1, "{}", T0, T0, null);

        var waited = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync([task], deferred, default));

        // Microsoft.Data.Sqlite retried for the application's timeout (1 s) before giving up; nothing was written.
        Assert.True(waited.Elapsed >= TimeSpan.FromSeconds(0.9), $"gave up after {waited.Elapsed.TotalMilliseconds:0} ms");
        Assert.Contains("locked", error.Message, StringComparison.OrdinalIgnoreCase);
        await held.CommitAsync();
        Assert.Equal(0, new TaskStatistics(await store.CountByQueueAndStateAsync(default)).Total);
    }

    private SqliteTaskStore OpenWith(string extraPragmas) =>
        new(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = _db.Path }) with { ExtraPragmas = extraPragmas });

    private static SqliteTaskStore Open(string path) =>
        new(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = path }));
}
