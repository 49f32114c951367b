using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;
using TypedQueue.Storage;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Diagnostics;

/// <summary><c>AddHealthChecks().AddTypedQueue()</c> on real files, with a fake clock for ages.</summary>
public sealed class HealthCheckTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_fresh_database_is_healthy_before_anything_was_enqueued()
    {
        await using var services = Services(o => o.RunWorker = false);

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0L, entry.Data["readyTasks"]);
        Assert.Equal(_db.Path, entry.Data["database"]);
        Assert.True(File.Exists(_db.Path));
    }

    [Fact]
    public async Task A_running_worker_is_healthy_and_reported_in_the_data()
    {
        await using var host = TestHost.Build(_db.Path, timeProvider: _time);
        await host.Host.StartAsync();
        await host.Logs.WaitForEventAsync(1000); // worker started

        var report = await host.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var entry = report.Entries["typedqueue"];

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("running", entry.Data["worker"]);
        Assert.StartsWith(Environment.MachineName, (string)entry.Data["workerId"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_in_a_missing_folder_is_unhealthy()
    {
        await using var services = Services(o => o.DatabasePath = Path.Combine(_db.Folder, "missing", "tasks.db"));

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("does not exist", entry.Description, StringComparison.Ordinal);
        Assert.IsType<TaskStoreException>(entry.Exception);
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_unhealthy()
    {
        await File.WriteAllTextAsync(_db.Path, "just some text, not a database; long enough to have a header's worth of bytes");
        await using var services = Services(o => o.RunWorker = false);

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("not a SQLite database", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_database_is_unhealthy_even_with_its_schema_in_place()
    {
        await using (var writer = Services(o => o.RunWorker = false))
        {
            Assert.Equal(HealthStatus.Healthy, (await CheckAsync(writer)).Status); // creates the schema
        }

        await using var services = Services(o =>
        {
            o.RunWorker = false;
            o.ConnectionString = $"Data Source={_db.Path};Mode=ReadOnly";
        });

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("read-only", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_status_of_the_registration_replaces_unhealthy()
    {
        await using var services = Services(o => o.DatabasePath = Path.Combine(_db.Folder, "missing", "tasks.db"), failureStatus: HealthStatus.Degraded);

        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(services)).Status);
    }

    [Fact]
    public async Task A_ready_task_older_than_the_threshold_degrades_the_check()
    {
        await using var services = Services(o => o.RunWorker = false, h => h.MaxReadyTaskAge = TimeSpan.FromMinutes(5));
        var queue = services.GetRequiredService<ITaskQueue>();
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "waiting" });
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "due later" }, new EnqueueOptions { Delay = TimeSpan.FromMinutes(2) });

        _time.Advance(TimeSpan.FromMinutes(4));
        var young = await CheckAsync(services);
        _time.Advance(TimeSpan.FromMinutes(2));
        var old = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, young.Status);
        Assert.Equal(2L, young.Data["readyTasks"]);
        Assert.Equal(HealthStatus.Degraded, old.Status);
        Assert.Equal(360.0, old.Data["oldestReadyTaskAgeSeconds"]);
        Assert.Contains("workers are not keeping up", old.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_leases_nobody_rescued_degrade_the_check()
    {
        await using var services = Services(o =>
        {
            o.RunWorker = false;
            o.HeartbeatInterval = TimeSpan.FromSeconds(10);
        });
        var queue = services.GetRequiredService<ITaskQueue>();
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "orphan" });
        var store = services.GetRequiredService<ITaskStore>();
        var now = _time.GetUtcNow();
        Assert.Single((await store.ClaimAvailableAsync(new ClaimRequest("crashed-worker", 1, now, now.AddMinutes(1)), [], default)).Tasks);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(15)); // expired 15 s ago: within the 20 s grace
        var fresh = await CheckAsync(services);
        _time.Advance(TimeSpan.FromSeconds(10));
        var stale = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, fresh.Status);
        Assert.Equal(HealthStatus.Degraded, stale.Status);
        Assert.Equal(1L, stale.Data["expiredLeases"]);
        Assert.Contains("no worker took them back", stale.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_that_has_not_started_degrades_and_one_that_stalled_or_stopped_is_unhealthy()
    {
        // Built, not started: the worker belongs to this process (RunWorker) but has not run yet.
        await using var services = Services(o => o.PollInterval = TimeSpan.FromSeconds(1), h => h.WorkerStallThreshold = TimeSpan.FromSeconds(30));
        var worker = services.GetRequiredService<WorkerStatus>();
        var starting = await CheckAsync(services);

        worker.Started("w-1", _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(20));
        worker.LoopRan(_time.GetUtcNow());
        var alive = await CheckAsync(services);
        _time.Advance(TimeSpan.FromSeconds(31));
        var stalled = await CheckAsync(services);
        worker.Stopped(_time.GetUtcNow());
        var stopped = await CheckAsync(services);

        Assert.Equal((HealthStatus.Degraded, "starting"), (starting.Status, starting.Data["worker"]));
        Assert.Equal(HealthStatus.Healthy, alive.Status);
        Assert.Equal(20.0, alive.Data["workerHeartbeatAgeSeconds"]);
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Contains("loop has not run for 31 s", stalled.Description, StringComparison.Ordinal);
        Assert.Contains("not renewed its leases for 51 s", stalled.Description, StringComparison.Ordinal);
        Assert.Equal((HealthStatus.Unhealthy, "stopped"), (stopped.Status, stopped.Data["worker"]));
    }

    private ServiceProvider Services(Action<TypedQueueOptions> configure, Action<TypedQueueHealthCheckOptions>? check = null, HealthStatus? failureStatus = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddTypedQueue(o =>
        {
            o.DatabasePath = _db.Path;
            configure(o);
        });
        services.AddHealthChecks().AddTypedQueue(check, failureStatus: failureStatus);
        return services.BuildServiceProvider();
    }

    private static async Task<HealthReportEntry> CheckAsync(IServiceProvider services)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries[TypedQueueHealthChecksBuilderExtensions.DefaultName];
    }
}
