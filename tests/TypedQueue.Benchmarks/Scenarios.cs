using System.Globalization;

namespace TypedQueue.Benchmarks;

/// <summary>The scenario names of issue 7, the sizes of the quick suite, and which code runs each.</summary>
internal static class Scenarios
{
    /// <summary>One child process of the suite.</summary>
    public sealed record Step(string Name, string[] Arguments, TimeSpan Timeout);

    /// <summary>The steps of the suite, in order. <paramref name="full"/> multiplies the sizes by 5.</summary>
    public static List<Step> Plan(bool full, string backlogDatabase, int backlog)
    {
        var x = full ? 5 : 1;
        string S(int value) => value.ToString(CultureInfo.InvariantCulture);
        var slow = TimeSpan.FromMinutes(full ? 10 : 3);
        return
        [
            new("enqueue-sequential", ["--n", S(20_000 * x)], slow),
            new("enqueue-concurrent", ["--n", S(20_000 * x)], slow),
            new("enqueue-batch", ["--n", S(100_000 * x)], slow),
            new("sqlite-raw-insert1", ["--n", S(20_000 * x)], slow),
            new("drain", ["--n", S(20_000 * x)], slow),
            new("diag:drain-sweep", ["--n", S(10_000 * x)], slow),
            new("end-to-end", ["--n", S(20_000 * x)], slow),
            new("sqlite-raw-lifecycle", ["--n", S(20_000 * x)], slow),
            new("latency-inprocess", ["--n", S(5_000 * x)], slow),
            new("latency-crossprocess", ["--n", S(5_000 * x)], slow),
            new("diag:backlog-build", ["--db", backlogDatabase, "--n", S(backlog)], slow),
            new("claim-deep-backlog", ["--db", backlogDatabase, "--n", S(backlog)], slow),
            new("claim-deep-backlog-baseline", [], slow),
            new("claim-deep-backlog-paused", ["--db", backlogDatabase], slow),
            new("hangfire-inmemory-drain", ["--n", S(20_000 * x)], slow),
            new("quartz-ram-drain", ["--n", S(20_000 * x)], slow),
            new("quartz-sqlite-drain", ["--n", S(20_000)], slow), // the workload (20,000 tasks, as the quick drain); not scaled by --full: 100,000 would take 4 minutes
            new("pg-drain", ["--n", S(20_000 * x)], slow),
            new("hangfire-postgresql-drain", ["--n", S(3_000 * x)], slow),
        ];
    }

    /// <summary>Runs one scenario in this process.</summary>
    public static Task<List<ScenarioResult>> RunAsync(string name, Arguments arguments)
    {
        var n = arguments.Int("--n", 10_000);
        var slots = BenchmarkHost.DefaultConcurrency;
        return name switch
        {
            "enqueue-sequential" => TypedQueueScenarios.EnqueueSequentialAsync(n),
            "enqueue-concurrent" => TypedQueueScenarios.EnqueueConcurrentAsync(n, callers: 16),
            "enqueue-batch" => TypedQueueScenarios.EnqueueBatchAsync(n, batch: 1_000),
            "drain" => TypedQueueScenarios.DrainAsync(n, slots),
            "diag:drain-sweep" => DrainSweepAsync(n, slots),
            "end-to-end" => TypedQueueScenarios.EndToEndAsync(n, callers: 16, slots),
            "latency-inprocess" => TypedQueueScenarios.LatencyInProcessAsync(n, ratePerSecond: 1_000, slots),
            "latency-crossprocess" => TypedQueueScenarios.LatencyCrossProcessAsync(n, ratePerSecond: 1_000, slots, TimeSpan.FromMilliseconds(100)),
            "diag:backlog-build" => BacklogScenario.BuildAsync(arguments.Value("--db")!, n),
            "claim-deep-backlog" => BacklogScenario.MeasureAsync(arguments.Value("--db")!, n, baseline: false),
            "claim-deep-backlog-baseline" => BacklogScenario.MeasureBaselineAsync(),
            "claim-deep-backlog-paused" => BacklogScenario.MeasurePausedAsync(arguments.Value("--db")!),
            "sqlite-raw-insert1" => RawSqliteBaselines.InsertOneAsync(n),
            "sqlite-raw-lifecycle" => RawSqliteBaselines.LifecycleAsync(n),
            "hangfire-inmemory-drain" => PeerBaselines.HangfireInMemoryDrainAsync(n, slots),
            "quartz-ram-drain" => PeerBaselines.QuartzRamDrainAsync(n, slots),
            "quartz-sqlite-drain" => PeerBaselines.QuartzSqliteDrainAsync(n, slots),
            "pg-drain" => PostgreSqlScenarios.TypedQueueDrainAsync(n, slots),
            "hangfire-postgresql-drain" => PostgreSqlScenarios.HangfireDrainAsync(n, slots),
            _ => throw new ArgumentException($"Unknown scenario '{name}'.", nameof(name)),
        };
    }

    // How drain throughput moves with the slot count: the worker claims at most its free slots per transaction.
    private static async Task<List<ScenarioResult>> DrainSweepAsync(int n, int defaultSlots)
    {
        var rows = new List<ScenarioResult>();
        foreach (var slots in new[] { 1, 16, 64 }.Where(s => s != defaultSlots))
        {
            rows.AddRange(await TypedQueueScenarios.DrainAsync(n, slots, "diag:drain", diagnostic: true));
        }

        return rows;
    }
}
