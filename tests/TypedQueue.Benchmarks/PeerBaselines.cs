using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Data.Sqlite;
using Quartz;

namespace TypedQueue.Benchmarks;

/// <summary>The peers of issue 7 on the same workload: N no-op jobs queued first, then drained with the same number of workers.</summary>
internal static class PeerBaselines
{
    /// <summary><c>hangfire-inmemory-drain</c>: Hangfire.Core with Hangfire.InMemory storage.</summary>
    public static async Task<List<ScenarioResult>> HangfireInMemoryDrainAsync(int n, int workers)
    {
        await Metrics.WarmUpAsync(() => HangfireDrainOnceAsync(Math.Min(n, 2_000), workers));
        var elapsed = await HangfireDrainOnceAsync(n, workers);
        return [new ScenarioResult
        {
            Scenario = "hangfire-inmemory-drain", N = n, Concurrency = workers, OpsPerSec = n / elapsed.TotalSeconds,
            Note = $"Hangfire.Core 1.8.25 + Hangfire.InMemory 1.0.0, {workers} workers; until every job is Succeeded",
        }];
    }

    private static async Task<TimeSpan> HangfireDrainOnceAsync(int n, int workers)
    {
        using var storage = new InMemoryStorage();
        return await HangfireDrainAsync(storage, n, workers, TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// Enqueues <paramref name="n"/> no-op jobs into <paramref name="storage"/>, then times a Hangfire server with
    /// <paramref name="workers"/> workers until every job is Succeeded (Hangfire has no completion signal: its
    /// monitoring API is polled once the handlers have all run).
    /// </summary>
    internal static async Task<TimeSpan> HangfireDrainAsync(JobStorage storage, int n, int workers, TimeSpan timeout)
    {
        var client = new BackgroundJobClient(storage);
        for (var i = 0; i < n; i++)
        {
            client.Enqueue(() => HangfireJobs.Noop(new NoopPayload(i, "bench")));
        }

        HandlerSink.Reset(n);
        var monitoring = storage.GetMonitoringApi();
        await Metrics.SettleJitAsync();
        var started = Stopwatch.GetTimestamp();
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers }, storage);
        await HandlerSink.AllHandled.WaitAsync(timeout);
        while (monitoring.SucceededListCount() < n)
        {
            await Task.Delay(1);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        server.SendStop();
        return elapsed;
    }

    /// <summary><c>quartz-ram-drain</c>: Quartz RAM job store, one job and one fire-now trigger per task.</summary>
    public static async Task<List<ScenarioResult>> QuartzRamDrainAsync(int n, int threads)
    {
        await Metrics.WarmUpAsync(() => QuartzDrainOnceAsync(Math.Min(n, 2_000), threads, null));
        var elapsed = await QuartzDrainOnceAsync(n, threads, null);
        return [new ScenarioResult
        {
            Scenario = "quartz-ram-drain", N = n, Concurrency = threads, OpsPerSec = n / elapsed.TotalSeconds,
            Note = $"Quartz 4.7.3 RAM store, {threads} threads, 1 job + 1 fire-now trigger per task",
        }];
    }

    /// <summary><c>quartz-sqlite-drain</c>: Quartz AdoJobStore on SQLite through Microsoft.Data.Sqlite.</summary>
    public static async Task<List<ScenarioResult>> QuartzSqliteDrainAsync(int n, int threads)
    {
        using var scratch = new ScratchDirectory();
        var round = 0;
        await Metrics.WarmUpAsync(() => QuartzDrainOnceAsync(Math.Min(n, 100), threads, scratch.Database($"warmup{++round}.db")));
        var elapsed = await QuartzDrainOnceAsync(n, threads, scratch.Database());
        return [new ScenarioResult
        {
            Scenario = "quartz-sqlite-drain", N = n, Concurrency = threads, OpsPerSec = n / elapsed.TotalSeconds,
            Note = $"Quartz 4.7.3 AdoJobStore, Microsoft.Data.Sqlite, file pre-set to WAL, {threads} threads",
        }];
    }

    private static async Task<TimeSpan> QuartzDrainOnceAsync(int n, int threads, string? database)
    {
        if (database is not null)
        {
            // Give Quartz the journal mode TypedQueue uses (the mode is stored in the file; synchronous stays Quartz's default).
            using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL";
            wal.ExecuteNonQuery();
        }

        var scheduler = await QuartzSchedulerBuilder.Create(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = "bench-" + Guid.NewGuid().ToString("N"));
            q.UseDefaultThreadPool(threads);
            if (database is null)
            {
                q.UseInMemoryStore();
            }
            else
            {
                q.UsePersistentStore(s =>
                {
                    s.UseSqlite($"Data Source={database}");
                    s.ProvisionSchema();
                });
            }
        }).BuildScheduler();

        var jobs = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>(n);
        for (var i = 0; i < n; i++)
        {
            var job = JobBuilder.Create<QuartzNoopJob>()
                .WithIdentity("noop-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .UsingJobData("payload", "{\"index\":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"tag\":\"bench\"}")
                .Build();
            var trigger = TriggerBuilder.Create()
                .WithIdentity("noop-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .StartNow()
                .Build();
            jobs[job] = [trigger];
        }

        await scheduler.ScheduleJobs(jobs);
        HandlerSink.Reset(n);
        await Metrics.SettleJitAsync();
        var started = Stopwatch.GetTimestamp();
        await scheduler.Start();
        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(2));
        var elapsed = Stopwatch.GetElapsedTime(started);
        await scheduler.Shutdown(true);
        return elapsed;
    }
}

/// <summary>The Hangfire job: a static no-op method with the same record payload.</summary>
public static class HangfireJobs
{
    /// <summary>Does nothing but report.</summary>
    public static void Noop(NoopPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        HandlerSink.Handled();
    }
}

/// <summary>The Quartz job: reads its payload and reports.</summary>
public sealed class QuartzNoopJob : IJob
{
    /// <inheritdoc />
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = context.MergedJobDataMap.GetString("payload");
        HandlerSink.Handled();
        return ValueTask.CompletedTask;
    }
}
