using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>
/// Claiming ahead (<see cref="TypedQueueOptions.ClaimAhead"/>): with one slot, gate "g1" runs first; what the worker
/// claims after it finishes depends on how long it ran (the fake clock stands still unless a test moves it).
/// </summary>
public sealed class ClaimAheadTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(true, false, TaskState.Running)]
    [InlineData(true, true, TaskState.Pending)]
    [InlineData(false, false, TaskState.Pending)]
    public async Task A_worker_claims_ahead_of_its_slots_only_while_they_free_quickly_and_never_runs_more_than_its_slots(bool claimAhead, bool firstTaskTakesASecond, TaskState queuedWhileSecondRuns)
    {
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.Concurrency = 1;
            o.ClaimAhead = claimAhead;
        }, _time);
        var (g1, g2, quick) = await EnqueueAsync(host);
        await host.Host.StartAsync();

        Assert.Equal(g1, await host.Recorder.NextStartedAsync());
        if (firstTaskTakesASecond)
        {
            _time.Advance(TimeSpan.FromSeconds(1)); // one slot freed in a second: nothing frees within a millisecond
        }

        host.Recorder.Gate("g1").SetResult();
        Assert.Equal(g2, await host.Recorder.NextStartedAsync());

        // Claimed ahead, the quick task is running as far as the queue can tell, but its handler has not run: one slot.
        Assert.Equal(queuedWhileSecondRuns, (await host.Queue.GetTaskAsync(quick))!.State);
        Assert.Empty(host.Recorder.Order);
        await OpenG2AndExpectTheQuickTaskToRunOnceAsync(host, quick);
    }

    [Fact]
    public async Task Slow_tasks_finishing_one_right_after_another_are_no_reason_to_claim_ahead()
    {
        // Two one-second tasks started together finish together. Sized by how fast tasks finished since the last claim,
        // the second finish, right after the claim the first one triggered, looked like an instant slot: the worker
        // claimed ahead behind two slow tasks (a worker killed mid-task in an integration test had such tasks leased).
        // Sized by run time, it takes none: one second each.
        await using var host = TestHost.Build(_db.Path, o => o.Concurrency = 2, _time);
        var g1 = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("g1"));
        var g2 = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("g2"));
        var g3 = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("g3"));
        var h = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("h"));
        var quick = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "quick" });
        await host.Host.StartAsync();
        Assert.Equal([g1, g2], new[] { await host.Recorder.NextStartedAsync(), await host.Recorder.NextStartedAsync() }.Order());

        _time.Advance(TimeSpan.FromSeconds(1));
        host.Recorder.Gate("g1").SetResult();
        Assert.Equal(g3, await host.Recorder.NextStartedAsync());
        host.Recorder.Gate("g2").SetResult();
        Assert.Equal(h, await host.Recorder.NextStartedAsync());

        Assert.Equal(TaskState.Pending, (await host.Queue.GetTaskAsync(quick))!.State);
        host.Recorder.Gate("g3").SetResult();
        host.Recorder.Gate("h").SetResult();
        Assert.Equal(TaskState.Succeeded, (await host.WaitForCompletionAsync(quick)).State);
        Assert.Equal(["quick"], host.Recorder.Order);
    }

    [Fact]
    public async Task A_task_claimed_ahead_that_waits_20_ms_for_a_slot_goes_back_to_the_queue_with_its_attempt_unspent()
    {
        await using var host = TestHost.Build(_db.Path, o => o.Concurrency = 1, _time);
        var (_, _, quick) = await ClaimQuickAheadAsync(host);

        _time.Advance(SlotsAndAhead.Limit);
        var back = await host.WaitForAsync(quick, t => t.State == TaskState.Pending);
        Assert.Equal(0, back.Attempts);
        Assert.Empty(host.Recorder.Order);

        await OpenG2AndExpectTheQuickTaskToRunOnceAsync(host, quick);
    }

    [Fact]
    public async Task A_stopping_worker_writes_back_the_tasks_it_claimed_ahead_before_it_waits_for_its_running_handlers()
    {
        // Kept in memory until the grace period ends, they would stay Running, leased to a worker that will never start
        // them: no other worker could take them meanwhile, and a process killed during the grace period would leave them
        // to the rescue, which counts an attempt they never made (dead, if it was their last).
        await using var host = TestHost.Build(_db.Path, o => o.Concurrency = 1, _time);
        var (_, g2, quick) = await ClaimQuickAheadAsync(host);

        var waiting = host.Logs.WaitForEventAsync(1006); // waiting for the running task
        var stopping = host.Host.StopAsync();
        await waiting.WaitAsync(TimeSpan.FromSeconds(60));

        var back = (await host.Queue.GetTaskAsync(quick))!;
        Assert.Equal((TaskState.Pending, 0), (back.State, back.Attempts));
        Assert.Equal(TaskState.Running, (await host.Queue.GetTaskAsync(g2))!.State);

        host.Recorder.Gate("g2").SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(TaskState.Succeeded, (await host.Queue.GetTaskAsync(g2))!.State);
        back = (await host.Queue.GetTaskAsync(quick))!;
        Assert.Equal((TaskState.Pending, 0), (back.State, back.Attempts));
        Assert.Empty(host.Recorder.Order);
    }

    [Fact]
    public async Task A_fault_escaping_the_executor_does_not_cost_the_worker_its_slot()
    {
        // A log sink that throws makes ExecuteAsync throw (Microsoft.Extensions.Logging hands the failure to the caller):
        // TaskSucceeded throws, then so does TaskRetrying in the catch. The slot must serve the next task all the same;
        // before claiming ahead it did (the counter of running tasks went down in a finally).
        await using var host = TestHost.Build(_db.Path, o => o.Concurrency = 1, _time);
        var faults = 2;
        host.Logs.ThrowOn = id => id is 2000 or 2001 && Interlocked.Decrement(ref faults) >= 0;
        await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "faulted" });
        var next = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "next" });
        await host.Host.StartAsync();

        Assert.Equal(TaskState.Succeeded, (await host.WaitForCompletionAsync(next)).State);
        Assert.Equal(["faulted", "next"], host.Recorder.Order);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_task_claimed_ahead_whose_cancellation_is_requested_never_starts_and_ends_cancelled(bool fromAnotherHost)
    {
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.Concurrency = 1;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(10); // brings another host's request before the 20 ms give-back
        }, _time);
        var (_, g2, quick) = await ClaimQuickAheadAsync(host);

        if (fromAnotherHost)
        {
            await using var other = TestHost.Build(_db.Path, o => o.RunWorker = false, _time);
            Assert.Equal(CancelResult.CancellationRequested, await other.Queue.CancelAsync(quick));
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
        else
        {
            Assert.Equal(CancelResult.CancellationRequested, await host.Queue.CancelAsync(quick)); // reaches the worker at once
        }

        var cancelled = await host.WaitForAsync(quick, t => t.State == TaskState.Cancelled);
        Assert.Equal(fromAnotherHost ? T0.AddMilliseconds(10) : T0, cancelled.FinishedAt);
        Assert.Equal(0, cancelled.Attempts); // it never ran: as a pending task cancelled, or one given back after the request
        Assert.Equal(TaskState.Running, (await host.Queue.GetTaskAsync(g2))!.State);
        host.Recorder.Gate("g2").SetResult();
        Assert.Equal(TaskState.Succeeded, (await host.WaitForCompletionAsync(g2)).State);
        Assert.Equal(TaskState.Cancelled, (await host.Queue.GetTaskAsync(quick))!.State);
        Assert.Empty(host.Recorder.Order);
    }

    /// <summary>Gates g1 and g2, then a quick task, queued before the worker starts.</summary>
    private static async Task<(long G1, long G2, long Quick)> EnqueueAsync(TestHost host)
    {
        var g1 = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("g1"));
        var g2 = await host.Queue.EnqueueAsync(Tasks.Gated.Definition, new BlockPayload("g2"));
        var quick = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "quick" });
        return (g1, g2, quick);
    }

    /// <summary>Lets g2 finish; the quick task then runs, once, on its first attempt.</summary>
    private static async Task OpenG2AndExpectTheQuickTaskToRunOnceAsync(TestHost host, long quick)
    {
        host.Recorder.Gate("g2").SetResult();
        var done = await host.WaitForCompletionAsync(quick);
        Assert.Equal((TaskState.Succeeded, 1), (done.State, done.Attempts));
        Assert.Equal(["quick"], host.Recorder.Order);
    }

    /// <summary>Runs g1 to the end at once, so the next claim takes g2 into the slot and the quick task ahead; g2 stays shut.</summary>
    private async Task<(long G1, long G2, long Quick)> ClaimQuickAheadAsync(TestHost host)
    {
        var ids = await EnqueueAsync(host);
        await host.Host.StartAsync();
        Assert.Equal(ids.G1, await host.Recorder.NextStartedAsync());
        host.Recorder.Gate("g1").SetResult();
        Assert.Equal(ids.G2, await host.Recorder.NextStartedAsync());
        var ahead = (await host.Queue.GetTaskAsync(ids.Quick))!;
        Assert.Equal((TaskState.Running, 1), (ahead.State, ahead.Attempts));
        return ids;
    }
}
