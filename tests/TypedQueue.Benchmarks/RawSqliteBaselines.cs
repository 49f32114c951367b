using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace TypedQueue.Benchmarks;

/// <summary>
/// The physical limit: plain Microsoft.Data.Sqlite on the same table (created by TypedQueue's own migration), WAL,
/// synchronous=NORMAL, one connection, prepared commands reused.
/// </summary>
internal static class RawSqliteBaselines
{
    /// <summary>
    /// The claim statement as <c>SqliteTaskStore.ClaimSql</c> has it (an internal constant the benchmark cannot reference,
    /// so it is copied here; keep the two in step).
    /// </summary>
    public const string ClaimSql = """
        UPDATE tq_tasks
        SET state = 2, attempts = attempts + 1, worker_id = $worker, lease_expires_at = $lease, started_at = $now
        WHERE id IN (SELECT id FROM tq_tasks INDEXED BY tq_tasks_pending WHERE state = 1 ORDER BY priority DESC, run_at, id LIMIT $max + 0)
        RETURNING id, name, queue, priority, payload, attempts, max_attempts, enqueued_at, run_at, idempotency_key, trace_parent, trace_state
        """;

    private const string InsertSql = """
        INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at, idempotency_key)
        VALUES ($name, $queue, 1, 0, $payload, 5, $now, $now, NULL)
        """;

    private const string CompleteSql = """
        UPDATE tq_tasks SET state = 3, finished_at = $now, result = NULL, worker_id = NULL, lease_expires_at = NULL
        WHERE id = $id AND state = 2 AND worker_id = $worker
        """;

    private const string Payload = """{"index":1,"tag":"bench"}""";

    /// <summary><c>sqlite-raw-insert1</c>: one row per <c>BEGIN IMMEDIATE</c> transaction; plus group-commit diagnostics.</summary>
    public static async Task<List<ScenarioResult>> InsertOneAsync(int n)
    {
        var results = new List<ScenarioResult>();
        foreach (var (rowsPerTransaction, autoCheckpoint) in new[] { (1, true), (16, true), (1, false) })
        {
            using var scratch = new ScratchDirectory();
            await CreateSchemaAsync(scratch.Database());
            using var connection = Open(scratch.Database());
            if (!autoCheckpoint)
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA wal_autocheckpoint = 0";
                pragma.ExecuteNonQuery();
            }

            using var insert = Prepare(connection, InsertSql, "$name", "$queue", "$payload", "$now");
            Metrics.WarmUp(() => Insert(connection, insert, 1_000, rowsPerTransaction, null));
            var latencies = new long[n / rowsPerTransaction];
            Metrics.SettleJit();
            var allocated = Metrics.AllocatedBytes();
            var started = Stopwatch.GetTimestamp();
            Insert(connection, insert, n, rowsPerTransaction, latencies);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var allocatedPerRow = (double)(Metrics.AllocatedBytes() - allocated) / n;
            var (p50, p99) = Metrics.Percentiles(latencies);
            results.Add(!autoCheckpoint
                ? new ScenarioResult
                {
                    Scenario = "diag:sqlite-raw-insert1-nockpt", N = n, Concurrency = 1, OpsPerSec = n / elapsed.TotalSeconds, P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = allocatedPerRow, IsDiagnostic = true,
                    Note = "as sqlite-raw-insert1 with wal_autocheckpoint=0: the tail that checkpoints on the commit path add",
                }
                : rowsPerTransaction == 1
                ? new ScenarioResult
                {
                    Scenario = "sqlite-raw-insert1", N = n, Concurrency = 1, OpsPerSec = n / elapsed.TotalSeconds, P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = allocatedPerRow,
                    Note = "raw INSERT, 1 row per BEGIN IMMEDIATE transaction; latency per transaction",
                }
                : new ScenarioResult
                {
                    Scenario = "diag:sqlite-raw-insert16", N = n, Concurrency = rowsPerTransaction, OpsPerSec = n / elapsed.TotalSeconds, P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = allocatedPerRow, IsDiagnostic = true,
                    Note = "raw INSERT, 16 rows per transaction: what group commit of 16 callers could reach",
                });
        }

        results.AddRange(await ChangeCheckAsync());
        return results;
    }

    /// <summary>
    /// What an idle worker's "anything new?" look costs: <c>PRAGMA data_version</c> on an open connection, and the look
    /// after a WAL report that shows no change yet (the same pragma again inside an empty <c>BEGIN IMMEDIATE</c> …
    /// <c>COMMIT</c>, which waits for a commit whose frames are written but not yet visible).
    /// </summary>
    private static async Task<List<ScenarioResult>> ChangeCheckAsync()
    {
        const int Calls = 20_000;
        using var scratch = new ScratchDirectory();
        await CreateSchemaAsync(scratch.Database());
        using (var writer = Open(scratch.Database()))
        using (var insert = Prepare(writer, InsertSql, "$name", "$queue", "$payload", "$now"))
        {
            Insert(writer, insert, 20_000, 1_000, null);
        }

        using var connection = Open(scratch.Database());
        using var dataVersion = connection.CreateCommand();
        dataVersion.CommandText = "PRAGMA data_version";
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        using var commit = connection.CreateCommand();
        commit.CommandText = "COMMIT";
        var results = new List<ScenarioResult>();
        foreach (var pragmaOnly in new[] { true, false })
        {
            var latencies = new long[Calls];
            Metrics.SettleJit();
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                _ = dataVersion.ExecuteScalar();
                if (!pragmaOnly)
                {
                    begin.ExecuteNonQuery();
                    _ = dataVersion.ExecuteScalar();
                    commit.ExecuteNonQuery();
                }

                latencies[i] = Stopwatch.GetTimestamp() - t0;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var (p50, p99) = Metrics.Percentiles(latencies);
            results.Add(new ScenarioResult
            {
                Scenario = pragmaOnly ? "diag:check-data-version" : "diag:check-data-version-locked",
                N = Calls, Concurrency = 1, OpsPerSec = Calls / elapsed.TotalSeconds, P50Ms = p50, P99Ms = p99, IsDiagnostic = true,
                Note = pragmaOnly
                    ? "PRAGMA data_version on an open connection: a cross-process change check"
                    : "data_version, then again inside an empty BEGIN IMMEDIATE/COMMIT: the look after a WAL report that changed nothing yet",
            });
        }

        return results;
    }

    /// <summary>
    /// <c>sqlite-raw-lifecycle</c>: insert N (1,000 per transaction), then claim 64 at a time with UPDATE … RETURNING and
    /// complete each claimed batch in one transaction. Diagnostics: the claim + complete phase alone, with claim batches of 64, 4 and 1.
    /// </summary>
    public static async Task<List<ScenarioResult>> LifecycleAsync(int n)
    {
        var results = new List<ScenarioResult>();
        foreach (var claimBatch in new[] { 64, 4, 1 })
        {
            using var scratch = new ScratchDirectory();
            await CreateSchemaAsync(scratch.Database());
            using var connection = Open(scratch.Database());
            using var insert = Prepare(connection, InsertSql, "$name", "$queue", "$payload", "$now");
            using var claim = Prepare(connection, ClaimSql, "$worker", "$lease", "$now", "$max");
            using var complete = Prepare(connection, CompleteSql, "$now", "$id", "$worker");

            Metrics.WarmUp(() =>
            {
                Insert(connection, insert, 1_000, 1_000, null);
                ClaimAndComplete(connection, claim, complete, claimBatch, null);
            });

            var claimLatencies = new List<long>(n / claimBatch + 1);
            Metrics.SettleJit();
            var started = Stopwatch.GetTimestamp();
            Insert(connection, insert, n, 1_000, null);
            var inserted = Stopwatch.GetTimestamp();
            var allocated = Metrics.AllocatedBytes();
            var processed = ClaimAndComplete(connection, claim, complete, claimBatch, claimLatencies);
            var finished = Stopwatch.GetTimestamp();
            var allocatedPerTask = (double)(Metrics.AllocatedBytes() - allocated) / n;
            if (processed != n)
            {
                throw new InvalidOperationException($"Processed {processed} of {n} rows.");
            }

            var total = Stopwatch.GetElapsedTime(started, finished).TotalSeconds;
            var claimPhase = Stopwatch.GetElapsedTime(inserted, finished).TotalSeconds;
            var (p50, p99) = Metrics.Percentiles([.. claimLatencies]);
            if (claimBatch == 64)
            {
                results.Add(new ScenarioResult
                {
                    Scenario = "sqlite-raw-lifecycle", N = n, Concurrency = claimBatch, OpsPerSec = n / total, P50Ms = p50, P99Ms = p99,
                    Note = "raw: insert (1,000/txn) + claim 64/txn (UPDATE..RETURNING) + complete 64/txn; latency per claim txn",
                });
            }

            results.Add(new ScenarioResult
            {
                Scenario = $"diag:raw-claim{claimBatch}-complete", N = n, Concurrency = claimBatch, OpsPerSec = n / claimPhase, P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = allocatedPerTask, IsDiagnostic = true,
                Note = $"raw claim {claimBatch}/txn + complete that batch in 1 txn, no insert (compare with drain)",
            });
        }

        return results;
    }

    /// <summary>Creates the TypedQueue schema through the public API, so the baselines use exactly its table and indexes.</summary>
    public static async Task CreateSchemaAsync(string database)
    {
        using var host = BenchmarkHost.Build(database, runWorker: false);
        await BenchmarkHost.ReadyQueueAsync(host);
    }

    /// <summary>A connection configured like TypedQueue's writer: WAL, synchronous=NORMAL, busy_timeout.</summary>
    public static SqliteConnection Open(string database)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Inserts pending rows, <paramref name="rowsPerTransaction"/> per transaction.</summary>
    public static void Insert(SqliteConnection connection, SqliteCommand insert, int n, int rowsPerTransaction, long[]? latencies)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var done = 0; done < n;)
        {
            var t0 = Stopwatch.GetTimestamp();
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                insert.Transaction = transaction;
                for (var i = 0; i < rowsPerTransaction && done < n; i++, done++)
                {
                    insert.Parameters[0].Value = "Noop";
                    insert.Parameters[1].Value = "default";
                    insert.Parameters[2].Value = Payload;
                    insert.Parameters[3].Value = now;
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            if (latencies is not null)
            {
                latencies[(done - 1) / rowsPerTransaction] = Stopwatch.GetTimestamp() - t0;
            }
        }
    }

    /// <summary>Claims up to <paramref name="batch"/> rows per transaction and completes them in the next one, until none is left.</summary>
    public static int ClaimAndComplete(SqliteConnection connection, SqliteCommand claim, SqliteCommand complete, int batch, List<long>? claimLatencies)
    {
        var ids = new long[batch];
        var processed = 0;
        while (true)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var t0 = Stopwatch.GetTimestamp();
            var claimed = Claim(connection, claim, batch, now, ids);
            claimLatencies?.Add(Stopwatch.GetTimestamp() - t0);
            if (claimed == 0)
            {
                return processed;
            }

            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                complete.Transaction = transaction;
                for (var i = 0; i < claimed; i++)
                {
                    complete.Parameters[0].Value = now;
                    complete.Parameters[1].Value = ids[i];
                    complete.Parameters[2].Value = "raw";
                    processed += complete.ExecuteNonQuery();
                }

                transaction.Commit();
            }
        }
    }

    /// <summary>One claim transaction, reading every returned column as the store does.</summary>
    public static int Claim(SqliteConnection connection, SqliteCommand claim, int batch, long now, long[] ids)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        claim.Transaction = transaction;
        claim.Parameters[0].Value = "raw";
        claim.Parameters[1].Value = now + 300_000;
        claim.Parameters[2].Value = now;
        claim.Parameters[3].Value = (long)batch;
        var claimed = 0;
        using (var reader = claim.ExecuteReader())
        {
            while (reader.Read())
            {
                ids[claimed++] = reader.GetInt64(0);
                _ = reader.GetString(1);
                _ = reader.GetString(2);
                _ = reader.GetString(4);
            }
        }

        transaction.Commit();
        return claimed;
    }
}
