using Microsoft.Extensions.Time.Testing;
using TypedQueue.Dispatch;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Storage;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>Timeouts, cancellation, non-retryable failures, heartbeats and shutdown, in one process on a real file.</summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_timed_out_attempt_fires_the_token_counts_as_failed_and_is_retried()
    {
        await using var host = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromMinutes(10), _time);
        var id = await host.Queue.EnqueueAsync(Tasks.Hang.Definition, new BlockPayload("slow"));

        Assert.Equal(id, await host.Recorder.NextStartedAsync());
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(id, await host.Recorder.NextStartedAsync()); // the retry started: attempt 1 failed on its timeout
        var retried = (await host.Queue.GetTaskAsync(id))!;
        Assert.Equal(TaskExecutor.TimeoutError, retried.LastError?.Type);

        _time.Advance(TimeSpan.FromSeconds(5));
        var dead = await host.WaitForCompletionAsync(id);
        Assert.Equal(TaskState.Dead, dead.State);
        Assert.Equal(2, dead.Attempts);
        Assert.Equal(TaskExecutor.TimeoutError, dead.LastError!.Type);
        Assert.Contains("timeout (00:00:05)", dead.LastError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_pending_task_never_runs()
    {
        await using var host = await TestHost.StartAsync(_db.Path, timeProvider: _time);
        var id = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "never" }, new EnqueueOptions { Delay = TimeSpan.FromMinutes(1) });

        Assert.Equal(CancelResult.Cancelled, await host.Queue.CancelAsync(id));
        _time.Advance(TimeSpan.FromMinutes(2));
        var marker = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "after" });
        await host.WaitForCompletionAsync(marker);

        var cancelled = (await host.Queue.GetTaskAsync(id))!;
        Assert.Equal(TaskState.Cancelled, cancelled.State);
        Assert.Equal(0, cancelled.Attempts);
        Assert.Equal(["after"], host.Recorder.Order);
        Assert.Equal(CancelResult.AlreadyFinished, await host.Queue.CancelAsync(id));
        Assert.Equal(CancelResult.NotFound, await host.Queue.CancelAsync(987654));
    }

    [Fact]
    public async Task Cancelling_a_running_task_fires_its_token_and_it_ends_cancelled()
    {
        await using var host = await TestHost.StartAsync(_db.Path);
        var id = await host.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("cancel me"));
        await host.Recorder.NextStartedAsync();

        Assert.Equal(CancelResult.CancellationRequested, await host.Queue.CancelAsync(id));
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Cancelled, done.State);
        Assert.Equal(1, done.Attempts);
    }

    [Fact]
    public async Task A_cancellation_requested_from_another_process_reaches_the_worker_on_its_heartbeat()
    {
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.HeartbeatInterval = TimeSpan.FromSeconds(5), _time);
        await using var other = TestHost.Build(_db.Path, o => o.RunWorker = false, _time);
        var id = await worker.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("remote cancel"));
        await worker.Recorder.NextStartedAsync();

        // The other host has its own registry of running tasks: like another process, it can only write the request.
        Assert.Equal(CancelResult.CancellationRequested, await other.Queue.CancelAsync(id));
        _time.Advance(TimeSpan.FromSeconds(5));
        var done = await worker.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Cancelled, done.State);
    }

    [Fact]
    public async Task A_non_retryable_failure_goes_straight_to_dead_and_a_dead_task_can_be_requeued()
    {
        await using var host = await TestHost.StartAsync(_db.Path);
        var id = await host.Queue.EnqueueAsync(Tasks.Refuse.Definition, new FailPayload("invalid account number"));

        var dead = await host.WaitForCompletionAsync(id);
        Assert.Equal(TaskState.Dead, dead.State);
        Assert.Equal(1, dead.Attempts);
        Assert.Equal(typeof(NonRetryableTaskException).FullName, dead.LastError!.Type);
        Assert.Equal("invalid account number", dead.LastError.Message);

        var later = await host.Queue.EnqueueAsync(Tasks.Refuse.Definition, new FailPayload("later"), new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        Assert.False(await host.Queue.RequeueAsync(later)); // scheduled, neither dead nor cancelled
        Assert.True(await host.Queue.RequeueAsync(id));
        var again = await host.WaitForAsync(id, t => t.State == TaskState.Dead && t.FinishedAt is not null);
        Assert.Equal(1, again.Attempts);
    }

    [Fact]
    public async Task Heartbeats_keep_a_task_running_three_times_the_lease_alive()
    {
        await using var host = await TestHost.StartAsync(_db.Path, o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(30);
            o.HeartbeatInterval = TimeSpan.FromSeconds(5);
            o.PollInterval = TimeSpan.FromSeconds(1);
        }, _time);
        var id = await host.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("long"));
        await host.Recorder.NextStartedAsync();

        for (var i = 0; i < 18; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            var running = (await host.Queue.GetTaskAsync(id))!;
            Assert.Equal(TaskState.Running, running.State);
        }

        host.Recorder.Release.SetResult();
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1, host.Recorder.Runs[id]);
    }

    [Fact]
    public async Task Shutdown_lets_running_tasks_finish_within_the_grace_period()
    {
        var host = await TestHost.StartAsync(_db.Path, o => o.ShutdownTimeout = TimeSpan.FromMinutes(1), _time);
        var id = await host.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("finish me"));
        await host.Recorder.NextStartedAsync();

        var stopping = host.Host.StopAsync();
        host.Recorder.Release.SetResult();
        await stopping;
        host.Host.Dispose();

        await using var reader = TestHost.Build(_db.Path, o => o.RunWorker = false);
        var done = (await reader.Queue.GetTaskAsync(id))!;
        Assert.Equal(TaskState.Succeeded, done.State);
    }

    [Fact]
    public async Task Shutdown_cancels_tasks_past_the_grace_period_and_gives_them_back_without_spending_an_attempt()
    {
        var host = await TestHost.StartAsync(_db.Path, o => o.ShutdownTimeout = TimeSpan.FromSeconds(10), _time);
        var id = await host.Queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload("interrupted"));
        await host.Recorder.NextStartedAsync();

        var stopping = host.Host.StopAsync();
        await host.Logs.WaitForEventAsync(1006); // the worker is inside its grace period, its timer running
        _time.Advance(TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(60));
        host.Host.Dispose();

        await using var reader = TestHost.Build(_db.Path, o => o.RunWorker = false);
        var released = (await reader.Queue.GetTaskAsync(id))!;
        Assert.Equal(TaskState.Pending, released.State);
        Assert.Equal(0, released.Attempts);
    }

    [Fact]
    public async Task A_payload_over_the_size_limit_is_refused_and_nothing_is_stored()
    {
        await using var host = TestHost.Build(_db.Path, o => { o.RunWorker = false; o.MaxPayloadBytes = 100; });

        var error = await Assert.ThrowsAsync<TaskPayloadTooLargeException>(() =>
            host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = new string('x', 200) }).AsTask());

        Assert.Contains("over the limit of 100", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await host.Queue.GetStatisticsAsync()).Total);
    }

    [Fact]
    public async Task A_read_only_database_gives_a_clear_error_on_enqueue()
    {
        await using (var setup = TestHost.Build(_db.Path, o => o.RunWorker = false))
        {
            await setup.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "existing" });
        }

        await using var host = TestHost.Build(_db.Path, o => { o.RunWorker = false; o.ConnectionString = $"Data Source={_db.Path};Mode=ReadOnly"; });

        var error = await Assert.ThrowsAsync<TaskStoreException>(() =>
            host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "new" }).AsTask());
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await host.Queue.GetStatisticsAsync()).Total);
    }
}
