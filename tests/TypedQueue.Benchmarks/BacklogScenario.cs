using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace TypedQueue.Benchmarks;

/// <summary>
/// <c>claim-deep-backlog</c>: claim cost with a deep queue against a near-empty one. The deep queue is filled with raw
/// INSERTs of rows shaped like the store's own (in a process of its own, so its memory does not count), then a fresh
/// process measures (1) a TypedQueue worker processing a 10,000-task slice of it and (2) the claim statement itself,
/// claiming 4 at a time (the default slot count here) in its own transaction.
/// </summary>
internal static class BacklogScenario
{
    public const int Slice = 10_000;
    private const int RawClaims = 500;
    private const int RawClaimBatch = 4;

    /// <summary>Creates the schema through TypedQueue and fills it with <paramref name="n"/> pending no-op tasks.</summary>
    public static async Task<List<ScenarioResult>> BuildAsync(string database, int n)
    {
        var started = Stopwatch.GetTimestamp();
        await RawSqliteBaselines.CreateSchemaAsync(database);
        using var connection = RawSqliteBaselines.Open(database);
        using var insert = RawSqliteBaselines.Prepare(connection, """
            INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at)
            VALUES ('Noop', 'default', 1, 0, $payload, 5, $now, $now)
            """, "$payload", "$now");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var done = 0; done < n;)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            insert.Transaction = transaction;
            for (var i = 0; i < 50_000 && done < n; i++, done++)
            {
                insert.Parameters[0].Value = "{\"index\":" + done.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"tag\":\"bench\"}";
                insert.Parameters[1].Value = now;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return [new ScenarioResult
        {
            Scenario = "diag:backlog-build", N = n, OpsPerSec = n / elapsed.TotalSeconds, IsDiagnostic = true,
            Note = $"raw INSERT of the backlog, 50,000 rows/txn: {elapsed.TotalSeconds:0.0} s",
        }];
    }

    /// <summary>Measures the worker on a slice of the queue in <paramref name="database"/>, then the claim statement alone.</summary>
    public static async Task<List<ScenarioResult>> MeasureAsync(string database, long backlog, bool baseline)
    {
        var concurrency = BenchmarkHost.DefaultConcurrency;
        using (var warmUp = new ScratchDirectory())
        {
            await RawSqliteBaselines.CreateSchemaAsync(warmUp.Database());
            await DrainSliceAsync(warmUp.Database(), 1_000, concurrency, fill: true);
        }

        var elapsed = await DrainSliceAsync(database, Slice, concurrency, fill: false);

        var latencies = new long[RawClaims];
        using (var connection = RawSqliteBaselines.Open(database))
        using (var claim = RawSqliteBaselines.Prepare(connection, RawSqliteBaselines.ClaimSql, "$worker", "$lease", "$now", "$max"))
        {
            var ids = new long[RawClaimBatch];
            for (var i = 0; i < RawClaims; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                var claimed = RawSqliteBaselines.Claim(connection, claim, RawClaimBatch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ids);
                latencies[i] = Stopwatch.GetTimestamp() - t0;
                if (claimed != RawClaimBatch)
                {
                    throw new InvalidOperationException($"The queue ran dry after {i} claims.");
                }
            }
        }

        var (p50, p99) = Metrics.Percentiles(latencies);
        return [new ScenarioResult
        {
            Scenario = "claim-deep-backlog", N = backlog, Concurrency = concurrency, OpsPerSec = Slice / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99,
            Note = (baseline ? "BASELINE near-empty queue: " : $"{backlog:N0} queued: ")
                + $"ops/s = worker on a {Slice:N0}-task slice; p50/p99 = one claim txn of {RawClaimBatch} (ClaimSql)",
        }];
    }

    /// <summary>The near-empty comparison: a fresh queue holding just what the measurement consumes.</summary>
    public static async Task<List<ScenarioResult>> MeasureBaselineAsync()
    {
        using var scratch = new ScratchDirectory();
        // Slack: the worker goes on claiming until it notices the stop, up to three times its slots a claim (it claims up to
        // twice its slots ahead of them), and on a busy machine the stop may take tens of milliseconds: with 1,000 spare tasks the raw claims
        // that follow once found the queue dry (the scenario process exited in one suite run of two).
        var n = Slice + (RawClaims * RawClaimBatch) + 5_000;
        await BuildAsync(scratch.Database(), n);
        SqliteConnection.ClearAllPools();
        return await MeasureAsync(scratch.Database(), n, baseline: true);
    }

    /// <summary>
    /// <c>claim-deep-backlog-paused</c>: the backlog left in <paramref name="database"/> moves to a queue that is then
    /// paused, and a worker drains a fresh 10,000-task slice of another queue. Every claim now goes lane by lane (a queue
    /// is paused), skipping the paused backlog with index seeks; its rate should match the plain claim's.
    /// </summary>
    public static async Task<List<ScenarioResult>> MeasurePausedAsync(string database)
    {
        long parked;
        using (var connection = RawSqliteBaselines.Open(database))
        using (var move = connection.CreateCommand())
        {
            // claim-deep-backlog left its raw claims running (leases of 5 minutes) and its slice succeeded: clear them,
            // so this measures the lanes and not the leftovers.
            move.CommandText = "DELETE FROM tq_tasks WHERE state <> 1";
            move.ExecuteNonQuery();
            move.CommandText = "UPDATE tq_tasks SET queue = 'parked' WHERE state = 1";
            parked = move.ExecuteNonQuery();
            move.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)"; // the move rewrote the table: start from an empty WAL, as the build step does
            move.ExecuteNonQuery();
        }

        var concurrency = BenchmarkHost.DefaultConcurrency;
        var buildStarted = Stopwatch.GetTimestamp();
        using (var host = BenchmarkHost.Build(database, runWorker: false, concurrency))
        {
            var queue = await BenchmarkHost.ReadyQueueAsync(host);
            await queue.PauseQueueAsync("parked"); // builds the lane index over the parked backlog, once
        }

        var indexBuild = Stopwatch.GetElapsedTime(buildStarted);
        SqliteConnection.ClearAllPools();
        using (var connection = RawSqliteBaselines.Open(database))
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        var elapsed = await DrainSliceAsync(database, Slice, concurrency, fill: true);
        return [new ScenarioResult
        {
            Scenario = "claim-deep-backlog-paused", N = parked, Concurrency = concurrency, OpsPerSec = Slice / elapsed.TotalSeconds,
            Note = $"{parked:N0} pending in a paused queue: ops/s = worker on a fresh {Slice:N0}-task slice of another queue (lane claims; pausing built the lane index in {indexBuild.TotalSeconds:0.0} s)",
        }];
    }

    private static async Task<TimeSpan> DrainSliceAsync(string database, int slice, int concurrency, bool fill)
    {
        using var host = BenchmarkHost.Build(database, runWorker: true, concurrency);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        if (fill)
        {
            await queue.EnqueueManyAsync(Tasks.Noop.Definition, Enumerable.Range(0, slice).Select(i => new NoopPayload(i, "bench")));
        }

        HandlerSink.Reset(slice);
        await Metrics.SettleJitAsync();
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync();
        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(2));
        var elapsed = Stopwatch.GetElapsedTime(started);
        await host.StopAsync();
        return elapsed;
    }
}
