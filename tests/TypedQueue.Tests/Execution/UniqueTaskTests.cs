using Microsoft.Extensions.Time.Testing;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>Idempotency keys: a duplicate enqueue returns the existing task's id, enforced by the database.</summary>
public sealed class UniqueTaskTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_duplicate_key_returns_the_existing_task_while_it_is_unfinished_and_a_new_one_after()
    {
        await using var host = TestHost.Build(_db.Path, timeProvider: _time);
        var keyed = new EnqueueOptions { IdempotencyKey = "order-42" };

        var first = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "a" }, keyed);
        var again = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "b" }, keyed);
        var batch = await host.Queue.EnqueueManyAsync(Tasks.RecordOrder.Definition, [new OrderPayload { Label = "c" }, new OrderPayload { Label = "d" }], keyed);
        var otherKey = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "e" }, new EnqueueOptions { IdempotencyKey = "order-43" });

        Assert.Equal(first, again);
        Assert.Equal([first, first], batch);
        Assert.NotEqual(first, otherKey);
        Assert.Equal(2, (await host.Queue.GetStatisticsAsync()).Total);

        await host.Host.StartAsync();
        await host.WaitForCompletionAsync(first);
        var afterwards = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "f" }, keyed);
        Assert.NotEqual(first, afterwards);
        Assert.Equal("order-42", (await host.Queue.GetTaskAsync(afterwards))!.IdempotencyKey);
    }

    [Fact]
    public async Task A_payload_derived_key_holds_for_the_unique_window_after_completion()
    {
        await using var host = await TestHost.StartAsync(_db.Path, timeProvider: _time);

        var first = await host.Queue.EnqueueAsync(Tasks.Dedupe.Definition, new OrderPayload { Label = "same", Sequence = 1 });
        var different = await host.Queue.EnqueueAsync(Tasks.Dedupe.Definition, new OrderPayload { Label = "same", Sequence = 2 });
        Assert.NotEqual(first, different);
        await host.WaitForCompletionAsync(first);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(first, await host.Queue.EnqueueAsync(Tasks.Dedupe.Definition, new OrderPayload { Label = "same", Sequence = 1 }));

        _time.Advance(TimeSpan.FromSeconds(2));
        var later = await host.Queue.EnqueueAsync(Tasks.Dedupe.Definition, new OrderPayload { Label = "same", Sequence = 1 });
        Assert.NotEqual(first, later);
        Assert.StartsWith("sha256:", (await host.Queue.GetTaskAsync(later))!.IdempotencyKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_keyed_task_releases_its_key()
    {
        await using var host = TestHost.Build(_db.Path, o => o.RunWorker = false, _time);
        var keyed = new EnqueueOptions { IdempotencyKey = "k", Delay = TimeSpan.FromHours(1) };
        var first = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload(), keyed);

        await host.Queue.CancelAsync(first);
        var second = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload(), keyed);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Many_concurrent_enqueuers_on_two_connections_create_exactly_one_task()
    {
        await using var a = TestHost.Build(_db.Path, o => o.RunWorker = false);
        await using var b = TestHost.Build(_db.Path, o => o.RunWorker = false);
        await a.Queue.GetStatisticsAsync(); // schema first, so both race on inserts only
        var keyed = new EnqueueOptions { IdempotencyKey = "payment-7" };

        var ids = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = $"caller {i}" }, keyed))));

        Assert.Single(ids.Distinct());
        Assert.Equal(1, (await a.Queue.GetStatisticsAsync()).Total);
    }
}
