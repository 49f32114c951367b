using System.Globalization;

namespace TypedQueue.Benchmarks;

/// <summary>What one scenario process was given: <c>--n</c> (10,000 unless set) and <c>--db</c>.</summary>
internal sealed record ScenarioOptions(int N, string? Database)
{
    /// <summary>The <c>--db</c> file, which the claim-deep-backlog scenarios share (the suite passes the one diag:backlog-build fills).</summary>
    public string RequiredDatabase => Database ?? throw new InvalidOperationException("This scenario needs --db FILE: the claim-deep-backlog scenarios share the database that diag:backlog-build fills.");
}

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
            new("quartz-sqlite-drain", ["--n", S(20_000)], slow), // the issue's workload (20,000 tasks, as the quick drain); not scaled by --full: 100,000 would take 4 minutes
            new("pg-drain", ["--n", S(20_000 * x)], slow),
            new("hangfire-postgresql-drain", ["--n", S(3_000 * x)], slow),
        ];
    }

    /// <summary>The names <c>--scenario</c> accepts; each step of <see cref="Plan"/> is one of them.</summary>
    public static IEnumerable<string> Names => Runs.Keys;

    /// <summary>Runs one scenario in this process.</summary>
    public static Task<List<ScenarioResult>> RunAsync(string name, ScenarioOptions options) =>
        Runs.TryGetValue(name, out var run)
            ? run(options)
            : throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", Names)}", nameof(name));

    // One table rather than a switch, so that the command line can reject an unknown name while it parses (with the list).
    private static readonly OrderedDictionary<string, Func<ScenarioOptions, Task<List<ScenarioResult>>>> Runs = new(StringComparer.Ordinal)
    {
        ["enqueue-sequential"] = o => TypedQueueScenarios.EnqueueSequentialAsync(o.N),
        ["enqueue-concurrent"] = o => TypedQueueScenarios.EnqueueConcurrentAsync(o.N, callers: 16),
        ["enqueue-batch"] = o => TypedQueueScenarios.EnqueueBatchAsync(o.N, batch: 1_000),
        ["drain"] = o => TypedQueueScenarios.DrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["diag:drain-sweep"] = o => DrainSweepAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["end-to-end"] = o => TypedQueueScenarios.EndToEndAsync(o.N, callers: 16, BenchmarkHost.DefaultConcurrency),
        ["latency-inprocess"] = o => TypedQueueScenarios.LatencyInProcessAsync(o.N, ratePerSecond: 1_000, BenchmarkHost.DefaultConcurrency),
        ["latency-crossprocess"] = o => TypedQueueScenarios.LatencyCrossProcessAsync(o.N, ratePerSecond: 1_000, BenchmarkHost.DefaultConcurrency, TimeSpan.FromMilliseconds(100)),
        ["diag:backlog-build"] = o => BacklogScenario.BuildAsync(o.RequiredDatabase, o.N),
        ["claim-deep-backlog"] = o => BacklogScenario.MeasureAsync(o.RequiredDatabase, o.N, baseline: false),
        ["claim-deep-backlog-baseline"] = _ => BacklogScenario.MeasureBaselineAsync(),
        ["claim-deep-backlog-paused"] = o => BacklogScenario.MeasurePausedAsync(o.RequiredDatabase),
        ["sqlite-raw-insert1"] = o => RawSqliteBaselines.InsertOneAsync(o.N),
        ["sqlite-raw-lifecycle"] = o => RawSqliteBaselines.LifecycleAsync(o.N),
        ["hangfire-inmemory-drain"] = o => PeerBaselines.HangfireInMemoryDrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["quartz-ram-drain"] = o => PeerBaselines.QuartzRamDrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["quartz-sqlite-drain"] = o => PeerBaselines.QuartzSqliteDrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["pg-drain"] = o => PostgreSqlScenarios.TypedQueueDrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
        ["hangfire-postgresql-drain"] = o => PostgreSqlScenarios.HangfireDrainAsync(o.N, BenchmarkHost.DefaultConcurrency),
    };

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
