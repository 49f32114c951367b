using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace TypedQueue.Benchmarks;

/// <summary>
/// Drain on PostgreSQL: TypedQueue's PostgreSQL store beside Hangfire.PostgreSql on the same server, each in a fresh schema
/// (dropped afterwards). The server comes from TYPEDQUEUE_BENCH_POSTGRES (else TYPEDQUEUE_TEST_POSTGRES); without one the
/// rows say "unavailable".
/// </summary>
internal static class PostgreSqlScenarios
{
    private static string? ConnectionString =>
        Environment.GetEnvironmentVariable("TYPEDQUEUE_BENCH_POSTGRES") is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("TYPEDQUEUE_TEST_POSTGRES") is { Length: > 0 } test ? test
        : null;

    /// <summary><c>pg-drain</c>: N no-op tasks queued, then one worker drains them through the PostgreSQL store.</summary>
    public static async Task<List<ScenarioResult>> TypedQueueDrainAsync(int n, int concurrency)
    {
        if (ConnectionString is not { } connectionString)
        {
            return [Unavailable("pg-drain")];
        }

        await Metrics.WarmUpAsync(() => TypedQueueDrainOnceAsync(connectionString, Math.Min(n, 2_000), concurrency));
        var elapsed = await TypedQueueDrainOnceAsync(connectionString, n, concurrency);
        return [new ScenarioResult
        {
            Scenario = "pg-drain", N = n, Concurrency = concurrency, OpsPerSec = n / elapsed.TotalSeconds,
            Note = $"TypedQueue.PostgreSql (Npgsql 10.0.3), {n:N0} queued, then 1 worker with {concurrency} slots until drained",
        }];
    }

    private static async Task<TimeSpan> TypedQueueDrainOnceAsync(string connectionString, int n, int concurrency)
    {
        var schema = "bench_tq_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using var host = BenchmarkHost.Build("unused.db", runWorker: true, concurrency, configure: o =>
            {
                o.Store = "PostgreSql";
                o.PostgreSql.ConnectionString = connectionString;
                o.PostgreSql.Schema = schema;
            });
            var queue = await BenchmarkHost.ReadyQueueAsync(host);
            for (var i = 0; i < n; i += 1_000)
            {
                await queue.EnqueueManyAsync(Tasks.Noop.Definition, Enumerable.Range(i, Math.Min(1_000, n - i)).Select(j => new NoopPayload(j, "bench")));
            }

            HandlerSink.Reset(n);
            await Metrics.SettleJitAsync();
            var started = Stopwatch.GetTimestamp();
            await host.StartAsync();
            await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(5));
            await queue.WaitUntilDrainedAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);
            await host.StopAsync();
            return elapsed;
        }
        finally
        {
            await DropSchemaAsync(connectionString, schema);
        }
    }

    /// <summary><c>hangfire-postgresql-drain</c>: Hangfire.Core with Hangfire.PostgreSql storage, same workload and server.</summary>
    public static async Task<List<ScenarioResult>> HangfireDrainAsync(int n, int workers)
    {
        if (ConnectionString is not { } connectionString)
        {
            return [Unavailable("hangfire-postgresql-drain")];
        }

        await Metrics.WarmUpAsync(() => HangfireDrainOnceAsync(connectionString, Math.Min(n, 200), workers)); // JIT, schema install
        var elapsed = await HangfireDrainOnceAsync(connectionString, n, workers);
        return [new ScenarioResult
        {
            Scenario = "hangfire-postgresql-drain", N = n, Concurrency = workers, OpsPerSec = n / elapsed.TotalSeconds,
            Note = $"Hangfire.Core 1.8.25 + Hangfire.PostgreSql 1.21.1, {workers} workers, queue poll 100 ms; until every job is Succeeded",
        }];
    }

    private static async Task<TimeSpan> HangfireDrainOnceAsync(string connectionString, int n, int workers)
    {
        var schema = "bench_hf_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var options = new PostgreSqlStorageOptions { SchemaName = schema, PrepareSchemaIfNecessary = true, QueuePollInterval = TimeSpan.FromMilliseconds(100) };
            var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
            return await PeerBaselines.HangfireDrainAsync(storage, n, workers, TimeSpan.FromMinutes(5));
        }
        finally
        {
            await DropSchemaAsync(connectionString, schema);
        }
    }

    private static ScenarioResult Unavailable(string scenario) =>
        new() { Scenario = scenario, Note = "unavailable: set TYPEDQUEUE_BENCH_POSTGRES (or TYPEDQUEUE_TEST_POSTGRES) to a PostgreSQL connection string" };

    private static async Task DropSchemaAsync(string connectionString, string schema)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
