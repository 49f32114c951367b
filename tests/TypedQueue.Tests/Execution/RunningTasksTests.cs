using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;

namespace TypedQueue.Tests.Execution;

/// <summary>Timeouts are armed by one sweeping timer, so an attempt that ends within a second never creates its own.</summary>
public sealed class RunningTasksTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_long_timeout_gets_its_timer_from_the_sweep_and_fires_at_the_deadline()
    {
        using var running = new RunningTasks(_time);
        using var attempt = new RunningTask(1, TimeSpan.FromMinutes(30), _time, CancellationToken.None);
        running.Add(attempt);
        Assert.True(attempt.WaitsForTimer);

        _time.Advance(RunningTasks.SweepPeriod);
        Assert.False(attempt.WaitsForTimer);

        _time.Advance(TimeSpan.FromMinutes(30) - RunningTasks.SweepPeriod - TimeSpan.FromMilliseconds(1));
        Assert.False(attempt.Token.IsCancellationRequested);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(attempt.Token.IsCancellationRequested);
        Assert.Equal(RunningTask.StopReason.TimedOut, attempt.Reason);
    }

    [Fact]
    public void A_timeout_passed_in_one_step_fires_at_the_sweep()
    {
        using var running = new RunningTasks(_time);
        using var attempt = new RunningTask(1, TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        running.Add(attempt);

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(attempt.Token.IsCancellationRequested);
        Assert.Equal(RunningTask.StopReason.TimedOut, attempt.Reason);
    }

    [Fact]
    public void A_timeout_shorter_than_two_sweeps_is_armed_at_once()
    {
        using var attempt = new RunningTask(1, TimeSpan.FromMilliseconds(500), _time, CancellationToken.None);
        Assert.False(attempt.WaitsForTimer);

        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(RunningTask.StopReason.TimedOut, attempt.Reason);
    }

    [Fact]
    public void A_finished_attempt_is_never_armed()
    {
        using var running = new RunningTasks(_time);
        var attempt = new RunningTask(1, TimeSpan.FromMinutes(30), _time, CancellationToken.None);
        running.Add(attempt);
        running.Remove(attempt);
        attempt.Dispose();

        _time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(RunningTask.StopReason.None, attempt.Reason);
        Assert.True(attempt.WaitsForTimer); // removed before the sweep: no timer was ever created for it
    }

    [Fact]
    public void An_attempt_disposed_while_the_sweep_still_sees_it_gets_no_timer()
    {
        using var running = new RunningTasks(_time);
        var attempt = new RunningTask(1, TimeSpan.FromMinutes(30), _time, CancellationToken.None);
        running.Add(attempt);
        attempt.Dispose(); // finished, not yet removed: the sweep still finds it

        _time.Advance(TimeSpan.FromMinutes(31));

        Assert.True(attempt.WaitsForTimer);
        Assert.Equal(RunningTask.StopReason.None, attempt.Reason);
    }

    [Fact]
    public async Task An_overdue_timer_fires_inside_the_lock_and_a_token_callback_may_reenter_it()
    {
        var attempt = new RunningTask(1, TimeSpan.FromMinutes(30), _time, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(31)); // no sweep: nothing armed yet
        var token = attempt.Token;
        using var registration = token.Register(attempt.Dispose); // re-enters the lock on the same thread

        await Task.Run(attempt.ArmTimeout).WaitAsync(TimeSpan.FromSeconds(10)); // the fake timer is due at once: it fires inside ArmTimeout

        Assert.True(token.IsCancellationRequested);
        Assert.Equal(RunningTask.StopReason.TimedOut, attempt.Reason);
    }

    [Fact]
    public void The_first_reason_wins_and_a_cancel_after_dispose_is_ignored()
    {
        var attempt = new RunningTask(1, TimeSpan.FromMilliseconds(500), _time, CancellationToken.None);
        attempt.Cancel(RunningTask.StopReason.CancelRequested);
        _time.Advance(TimeSpan.FromSeconds(1)); // the timeout fires too, later
        attempt.Dispose();
        attempt.Cancel(RunningTask.StopReason.TimedOut); // the timer or a sweep racing the end of the attempt

        Assert.Equal(RunningTask.StopReason.CancelRequested, attempt.Reason);
    }

    [Fact]
    public async Task Arming_and_disposing_from_many_threads_never_leaves_a_timer_behind()
    {
        for (var i = 0; i < 200; i++)
        {
            var attempt = new RunningTask(i, TimeSpan.FromMinutes(30), _time, CancellationToken.None);
            using var start = new Barrier(2);
            var arm = Task.Run(() => { start.SignalAndWait(); attempt.ArmTimeout(); });
            var dispose = Task.Run(() => { start.SignalAndWait(); attempt.Dispose(); });
            await Task.WhenAll(arm, dispose).WaitAsync(TimeSpan.FromSeconds(10));

            _time.Advance(TimeSpan.FromMinutes(31)); // a timer created before Dispose was disposed by it; none after
            Assert.Equal(RunningTask.StopReason.None, attempt.Reason);
        }
    }
}
