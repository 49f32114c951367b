using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>Named queues on a running worker: pause and resume, LIFO, per-queue concurrency, strict and weighted order, rate limits.</summary>
public sealed class NamedQueueTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_queue_name_with_control_characters_is_refused_by_pause_and_resume()
    {
        await using var host = TestHost.Build(_db.Path, o => o.RunWorker = false);

        Assert.Equal("queue", (await Assert.ThrowsAsync<ArgumentException>(async () => await host.Queue.PauseQueueAsync("a\nb"))).ParamName);
        Assert.Equal("queue", (await Assert.ThrowsAsync<ArgumentException>(async () => await host.Queue.ResumeQueueAsync(" "))).ParamName);
        Assert.Empty(await host.Queue.ListQueuesAsync());
    }

    [Fact]
    public async Task A_queue_paused_at_run_time_keeps_its_tasks_pending_until_resumed()
    {
        await using var host = await TestHost.StartAsync(_db.Path);
        Assert.True(await host.Queue.PauseQueueAsync("emails"));

        var mail = await host.Queue.EnqueueAsync(Tasks.Mail.Definition, new OrderPayload { Label = "mail" });
        var other = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "other" });
        await host.WaitForCompletionAsync(other);

        var waiting = (await host.Queue.GetTaskAsync(mail))!;
        Assert.Equal((TaskState.Pending, 0), (waiting.State, waiting.Attempts));
        var emails = Assert.Single(await host.Queue.ListQueuesAsync(), q => q.Name == "emails");
        Assert.True(emails.IsPaused);
        Assert.NotNull(emails.PausedAt);

        Assert.True(await host.Queue.ResumeQueueAsync("emails"));
        Assert.Equal(TaskState.Succeeded, (await host.WaitForCompletionAsync(mail)).State);
        Assert.Equal(["other", "mail"], host.Recorder.Order);
        Assert.False(await host.Queue.ResumeQueueAsync("emails"));
    }

    [Fact]
    public async Task A_pause_from_another_process_holds_for_a_running_worker_and_so_does_the_resume()
    {
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        await worker.WaitForCompletionAsync(await worker.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "warm-up" }));
        await using var other = TestHost.Build(_db.Path, o => o.RunWorker = false);

        Assert.True(await other.Queue.PauseQueueAsync("emails"));
        var mail = await other.Queue.EnqueueAsync(Tasks.Mail.Definition, new OrderPayload { Label = "mail" });
        var next = await other.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "next" });
        await worker.WaitForCompletionAsync(next);
        Assert.Equal(TaskState.Pending, (await worker.Queue.GetTaskAsync(mail))!.State);

        Assert.True(await other.Queue.ResumeQueueAsync("emails"));
        Assert.Equal(TaskState.Succeeded, (await worker.WaitForCompletionAsync(mail)).State);
        Assert.Equal(["warm-up", "next", "mail"], worker.Recorder.Order);
    }

    [Fact]
    public async Task A_lifo_queue_runs_its_newest_task_first()
    {
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.Concurrency = 1;
            o.Queues["stack"] = new QueueOptions { Order = TaskOrder.Lifo };
        });
        foreach (var label in new[] { "first", "second", "third" })
        {
            await host.Queue.EnqueueAsync(Tasks.Stack.Definition, new OrderPayload { Label = label });
        }

        await host.Host.StartAsync();
        await host.Queue.WaitUntilDrainedAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["third", "second", "first"], host.Recorder.Order);
    }

    [Fact]
    public async Task A_queue_never_runs_more_tasks_at_once_than_its_concurrency()
    {
        await using var host = await TestHost.StartAsync(_db.Path, o =>
        {
            o.Concurrency = 8;
            o.Queues["limited"] = new QueueOptions { Concurrency = 2 };
        });

        var ids = await host.Queue.EnqueueManyAsync(Tasks.Limited.Definition, Enumerable.Range(0, 10).Select(i => new OrderPayload { Label = $"l{i}", Sequence = i }));
        var other = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "other" });
        foreach (var id in ids.Append(other))
        {
            Assert.Equal(TaskState.Succeeded, (await host.WaitForCompletionAsync(id)).State);
        }

        Assert.Equal(2, host.Recorder.LimitedMaxRunning);
    }

    [Fact]
    public async Task Strict_order_drains_the_heavier_queue_first()
    {
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.Concurrency = 1;
            o.QueueOrder = QueueOrder.Strict;
            o.Queues["high"] = new QueueOptions { Weight = 5 };
        });
        await host.Queue.EnqueueManyAsync(Tasks.Low.Definition, [new OrderPayload { Label = "l1" }, new OrderPayload { Label = "l2" }], new EnqueueOptions { Priority = TaskPriority.Critical });
        await host.Queue.EnqueueManyAsync(Tasks.High.Definition, [new OrderPayload { Label = "h1" }, new OrderPayload { Label = "h2" }]);

        await host.Host.StartAsync();
        await host.Queue.WaitUntilDrainedAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["h1", "h2", "l1", "l2"], host.Recorder.Order);
    }

    [Fact]
    public async Task Weighted_order_shares_the_slots_by_weight()
    {
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.Concurrency = 1;
            o.QueueOrder = QueueOrder.Weighted;
            o.Queues["high"] = new QueueOptions { Weight = 3 };
        });
        await host.Queue.EnqueueManyAsync(Tasks.Low.Definition, Enumerable.Range(0, 6).Select(i => new OrderPayload { Label = $"l{i}" }));
        await host.Queue.EnqueueManyAsync(Tasks.High.Definition, Enumerable.Range(0, 6).Select(i => new OrderPayload { Label = $"h{i}" }));

        await host.Host.StartAsync();
        await host.Queue.WaitUntilDrainedAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["h0", "h1", "l0", "h2", "h3", "h4", "l1", "h5", "l2", "l3", "l4", "l5"], host.Recorder.Order);
    }

    [Fact]
    public async Task A_rate_limited_task_starts_n_times_then_waits_for_the_window_on_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromMinutes(10), time);

        var ids = await host.Queue.EnqueueManyAsync(Tasks.Throttled.Definition, Enumerable.Range(0, 5).Select(i => new OrderPayload { Label = $"t{i}" }));
        foreach (var id in ids.Take(3))
        {
            await host.WaitForCompletionAsync(id);
        }

        await host.Logs.WaitForEventAsync(5000); // the worker knows it is held back, and until when
        Assert.Equal(["t0", "t1", "t2"], host.Recorder.Order.Order(StringComparer.Ordinal)); // they ran side by side
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

        Assert.Equal(["t3", "t4"], host.Recorder.Order.Skip(3).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Queue_settings_bind_from_configuration_and_bad_ones_are_refused_at_start()
    {
        var settings = new Dictionary<string, string?>
        {
            ["TypedQueue:QueueOrder"] = "Weighted",
            ["TypedQueue:Queues:emails:Concurrency"] = "2",
            ["TypedQueue:Queues:emails:Weight"] = "3",
            ["TypedQueue:Queues:emails:Order"] = "Lifo",
            ["TypedQueue:Queues:emails:RateLimit"] = "10",
            ["TypedQueue:Queues:emails:RateLimitPeriod"] = "00:00:05",
        };

        // Through AddTypedQueue, i.e. the source-generated configuration binder, then the callback on top.
        var options = Resolve(settings, o => o.Queues["stack"] = new QueueOptions { Order = TaskOrder.Lifo }).Value;
        var emails = options.Queues["emails"];
        Assert.Equal((QueueOrder.Weighted, 2, 3, TaskOrder.Lifo, 10, TimeSpan.FromSeconds(5)), (options.QueueOrder, emails.Concurrency, emails.Weight, emails.Order, emails.RateLimit, emails.RateLimitPeriod));
        Assert.Equal(TaskOrder.Lifo, options.Queues["stack"].Order);

        settings["TypedQueue:Queues:reports:RateLimit"] = "0";
        settings["TypedQueue:Queues:reports:Weight"] = "0";
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings).Value);
        Assert.Equal(
        [
            "TypedQueue:Queues:reports:Weight must be between 1 and 1000.",
            "TypedQueue:Queues:reports:RateLimit must be at least 1 (or not set).",
        ], error.Failures);
    }

    private IOptions<TypedQueueOptions> Resolve(Dictionary<string, string?> settings, Action<TypedQueueOptions>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddTypedQueue(o =>
            {
                o.DatabasePath = _db.Path;
                configure?.Invoke(o);
            })
            .BuildServiceProvider()
            .GetRequiredService<IOptions<TypedQueueOptions>>();
    }
}
