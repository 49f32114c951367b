using Microsoft.Extensions.Time.Testing;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>Named queues on a running worker with the PostgreSQL store: a pause and a resume from another process, a rate limit.</summary>
public sealed class PostgreSqlNamedQueueTests : IAsyncLifetime
{
    private readonly TempDatabase _db = new();
    private readonly string _schema = PostgresServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _db.Dispose();
        await PostgresServer.DropSchemaAsync(_schema);
    }

    [SkippableFact]
    public async Task A_pause_from_another_process_holds_for_a_running_worker_and_the_resume_wakes_it()
    {
        // The worker polls once an hour: the enqueue and the resume wake it through NOTIFY.
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromHours(1), settings: Settings());
        await worker.WaitForCompletionAsync(await worker.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "warm-up" }));
        await using var other = TestHost.Build(_db.Path, o => o.RunWorker = false, settings: Settings());

        Assert.True(await other.Queue.PauseQueueAsync("emails"));
        var mail = await other.Queue.EnqueueAsync(Tasks.Mail.Definition, new OrderPayload { Label = "mail" });
        var next = await other.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "next" });
        await worker.WaitForCompletionAsync(next);
        Assert.Equal((TaskState.Pending, 0), ((await worker.Queue.GetTaskAsync(mail))!.State, (await worker.Queue.GetTaskAsync(mail))!.Attempts));
        Assert.True(Assert.Single(await worker.Queue.ListQueuesAsync(), q => q.Name == "emails").IsPaused);

        Assert.True(await other.Queue.ResumeQueueAsync("emails"));
        Assert.Equal(TaskState.Succeeded, (await worker.WaitForCompletionAsync(mail)).State);
        Assert.Equal(["warm-up", "next", "mail"], worker.Recorder.Order);
    }

    [SkippableFact]
    public async Task A_rate_limited_task_starts_n_times_then_waits_for_the_window_on_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromMinutes(10), time, Settings());

        var ids = await host.Queue.EnqueueManyAsync(Tasks.Throttled.Definition, Enumerable.Range(0, 5).Select(i => new OrderPayload { Label = $"t{i}" }));
        foreach (var id in ids.Take(3))
        {
            await host.WaitForCompletionAsync(id);
        }

        await host.Logs.WaitForEventAsync(5000); // the worker knows it is held back, and until when
        foreach (var id in ids.Skip(3))
        {
            Assert.Equal(TaskState.Pending, (await host.Queue.GetTaskAsync(id))!.State);
        }

        time.Advance(TimeSpan.FromSeconds(60));
        foreach (var id in ids.Skip(3))
        {
            var done = await host.WaitForCompletionAsync(id);
            Assert.Equal(time.GetUtcNow(), done.StartedAt);
        }

        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], host.Recorder.Order.Order(StringComparer.Ordinal));
    }

    private KeyValuePair<string, string?>[] Settings() =>
    [
        new("TypedQueue:PostgreSql:ConnectionString", PostgresServer.ConnectionString),
        new("TypedQueue:PostgreSql:Schema", _schema),
    ];
}
