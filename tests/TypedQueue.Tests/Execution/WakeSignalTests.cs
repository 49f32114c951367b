using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;

namespace TypedQueue.Tests.Execution;

/// <summary>The worker's wake-up: Set means "claim", Nudge means "look", a timeout means "look"; signals before a wait are kept.</summary>
public sealed class WakeSignalTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly WakeSignal _signal = new();

    private Task<bool> WaitAnHourAsync() => _signal.WaitUntilAsync(_time.GetUtcNow().AddHours(1), _time, CancellationToken.None);

    [Fact]
    public async Task A_nudge_wakes_a_waiter_before_its_time_and_says_it_was_not_set()
    {
        var waiting = WaitAnHourAsync();
        Assert.False(waiting.IsCompleted);

        _signal.Nudge();

        Assert.False(await waiting);
    }

    [Fact]
    public async Task A_set_wakes_a_waiter_and_says_it_was_set()
    {
        var waiting = WaitAnHourAsync();

        _signal.Set();

        Assert.True(await waiting);
    }

    [Fact]
    public async Task Signals_before_a_wait_are_kept_for_it_and_a_set_among_them_wins()
    {
        _signal.Nudge();
        Assert.False(await WaitAnHourAsync());

        _signal.Nudge();
        _signal.Set();
        _signal.Nudge();
        Assert.True(await WaitAnHourAsync());

        // Both were used up: the next wait lasts until its time.
        var waiting = WaitAnHourAsync();
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(await waiting);
    }
}
