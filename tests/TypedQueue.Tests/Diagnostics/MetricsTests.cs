using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Diagnostics;

/// <summary>The "TypedQueue" meter of one host (through its IMeterFactory, so parallel tests do not mix).</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Outcomes_are_counted_by_task_name_and_queue()
    {
        await using var host = TestHost.Build(_db.Path);
        using var metrics = new Collectors(host.Host.Services);
        await host.Host.StartAsync();

        var ok = await host.Queue.EnqueueManyAsync(Tasks.RecordOrder.Definition, [new OrderPayload { Label = "a" }, new OrderPayload { Label = "b" }]);
        var flaky = await host.Queue.EnqueueAsync(Tasks.Flaky.Definition, new FlakyPayload(FailTimes: 1));
        var dead = await host.Queue.EnqueueAsync(Tasks.AlwaysFails.Definition, new FailPayload("no"));
        var sum = await host.Queue.EnqueueAsync(Tasks.Sum.Definition, [1, 2]);
        foreach (var id in ok.Append(flaky).Append(dead).Append(sum))
        {
            await host.WaitForCompletionAsync(id);
        }

        Assert.Equal(2, metrics.Total("typedqueue.tasks.enqueued", "test.record-order", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.enqueued", "Sum", "math"));
        Assert.Equal(2, metrics.Total("typedqueue.tasks.succeeded", "test.record-order", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.succeeded", "Sum", "math"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.succeeded", "Flaky", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.failed", "Flaky", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.retried", "Flaky", "default"));
        Assert.Equal(0, metrics.Total("typedqueue.tasks.dead", "Flaky", "default"));
        Assert.Equal(2, metrics.Total("typedqueue.tasks.failed", "AlwaysFails", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.retried", "AlwaysFails", "default"));
        Assert.Equal(1, metrics.Total("typedqueue.tasks.dead", "AlwaysFails", "default"));
    }

    [Fact]
    public async Task Run_time_and_queue_wait_are_recorded_in_seconds_per_attempt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var host = TestHost.Build(_db.Path, o => o.PollInterval = TimeSpan.FromMinutes(10), time);
        using var metrics = new Collectors(host.Host.Services);
        var id = await host.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("timed"), new EnqueueOptions { Delay = TimeSpan.FromSeconds(30) });

        await host.Host.StartAsync();
        time.Advance(TimeSpan.FromSeconds(42)); // due at 30 s, claimed at 42 s: 12 s in the queue
        Assert.Equal(id, await host.Recorder.NextStartedAsync());
        time.Advance(TimeSpan.FromSeconds(3));  // the handler runs for 3 s of fake time
        host.Recorder.Release.SetResult();
        await host.WaitForCompletionAsync(id);

        var wait = Assert.Single(metrics.Histogram("typedqueue.task.queue_wait").GetMeasurementSnapshot());
        Assert.Equal(12, wait.Value, precision: 3);
        Assert.Equal("Block", wait.Tags["typedqueue.task.name"]);
        Assert.Equal("default", wait.Tags["messaging.destination.name"]);
        var duration = Assert.Single(metrics.Histogram("typedqueue.task.duration").GetMeasurementSnapshot());
        Assert.Equal(3, duration.Value, precision: 3);
        Assert.Equal("succeeded", duration.Tags["typedqueue.task.outcome"]);
        Assert.Equal("s", metrics.Histogram("typedqueue.task.duration").Instrument!.Unit);
    }

    [Fact]
    public async Task The_depth_gauge_matches_the_counts_and_reads_the_store_at_most_once_per_second()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var host = TestHost.Build(_db.Path, o => o.RunWorker = false, time);
        using var depth = new MetricCollector<long>(host.Host.Services.GetRequiredService<IMeterFactory>(), TypedQueueTelemetry.MeterName, "typedqueue.queue.depth", time);
        await host.Queue.EnqueueManyAsync(Tasks.RecordOrder.Definition, [new OrderPayload { Label = "a" }, new OrderPayload { Label = "b" }]);
        var later = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "c" }, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        await host.Queue.EnqueueAsync(Tasks.Sum.Definition, [1]);
        Assert.Equal(CancelResult.Cancelled, await host.Queue.CancelAsync(later));

        var first = Read(depth);
        var stats = await host.Queue.GetStatisticsAsync();
        foreach (var queue in new[] { "default", "math" })
        {
            foreach (var state in Enum.GetValues<TaskState>())
            {
                Assert.Equal(stats.Count(queue, state), first[(queue, state.ToString().ToLowerInvariant())]);
            }
        }

        Assert.Equal((2, 1, 0), (first[("default", "pending")], first[("default", "cancelled")], first[("default", "running")]));

        // Within the second the cached counts answer; after it the store is read again.
        await host.Queue.EnqueueAsync(Tasks.Sum.Definition, [2]);
        Assert.Equal(1, Read(depth)[("math", "pending")]);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, Read(depth)[("math", "pending")]);
    }

    private static Dictionary<(string Queue, string State), long> Read(MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().ToDictionary(
            m => ((string)m.Tags["messaging.destination.name"]!, (string)m.Tags["typedqueue.task.state"]!),
            m => m.Value);
    }

    /// <summary>A collector per counter and histogram of one host's meter.</summary>
    private sealed class Collectors(IServiceProvider services) : IDisposable
    {
        private readonly Dictionary<string, MetricCollector<long>> _counters = new[]
            {
                "typedqueue.tasks.enqueued", "typedqueue.tasks.succeeded", "typedqueue.tasks.failed", "typedqueue.tasks.retried", "typedqueue.tasks.dead",
            }
            .ToDictionary(n => n, n => new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), TypedQueueTelemetry.MeterName, n));

        private readonly Dictionary<string, MetricCollector<double>> _histograms = new[] { "typedqueue.task.duration", "typedqueue.task.queue_wait" }
            .ToDictionary(n => n, n => new MetricCollector<double>(services.GetRequiredService<IMeterFactory>(), TypedQueueTelemetry.MeterName, n));

        public long Total(string counter, string taskName, string queue) =>
            _counters[counter].GetMeasurementSnapshot()
                .Where(m => (string?)m.Tags["typedqueue.task.name"] == taskName && (string?)m.Tags["messaging.destination.name"] == queue)
                .Sum(m => m.Value);

        public MetricCollector<double> Histogram(string name) => _histograms[name];

        public void Dispose()
        {
            foreach (var collector in _counters.Values)
            {
                collector.Dispose();
            }

            foreach (var collector in _histograms.Values)
            {
                collector.Dispose();
            }
        }
    }
}
