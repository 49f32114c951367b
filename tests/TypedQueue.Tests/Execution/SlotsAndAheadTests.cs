using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;

namespace TypedQueue.Tests.Execution;

/// <summary>How far ahead of its slots a worker claims (<see cref="SlotsAndAhead.AheadBudget"/>), with handlers finishing on other threads.</summary>
public sealed class SlotsAndAheadTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(0, 128)] // too quick for the clock to tell
    [InlineData(1, 128)] // 64,000 would start within the horizon
    [InlineData(250, 128)] // 256 would
    [InlineData(1_000, 64)]
    [InlineData(4_000, 16)]
    public void A_claim_goes_ahead_by_what_the_slots_free_within_the_horizon_and_at_most_twice_the_slots(int microseconds, int expected)
    {
        var slots = new SlotsAndAhead(64, claimAhead: true, _time);
        var ran = (long)(_time.TimestampFrequency * microseconds / 1_000_000);
        slots.ClaimStarting();
        for (var i = 0; i < 10; i++)
        {
            slots.HandlerFinished(slots.HandlerStarting() - ran); // the fake clock stands still: each handler ran `microseconds`
        }

        Assert.Equal(expected, slots.AheadBudget());
    }

    [Fact]
    public void A_slow_handler_finishing_while_a_claim_starts_is_never_taken_for_a_quick_one()
    {
        // Each round a one-second handler finishes on another thread just as a claim starts (both released by a barrier),
        // then the next claim is sized. Whichever side of the claim the finish fell on, it is no reason to claim ahead:
        // counted, it ran a second; not counted, nothing finished. With the count and the run time read apart, the claim
        // could note the run time but not the finish, and the next one saw a finish with no run time ("too quick for the
        // clock to tell": the whole budget); in 5 of 5 runs of 200,000 rounds some did on a 2-core machine.
        var slots = new SlotsAndAhead(64, claimAhead: true, _time);
        var second = (long)_time.TimestampFrequency;
        const int Rounds = 200_000;
        using var together = new Barrier(2);
        var handler = new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                var began = slots.HandlerStarting() - second; // the fake clock stands still: a handler that ran one second
                together.SignalAndWait();
                slots.HandlerFinished(began);
                together.SignalAndWait();
            }
        });
        handler.Start();

        var budgets = new List<int>();
        for (var i = 0; i < Rounds; i++)
        {
            together.SignalAndWait();
            slots.ClaimStarting();
            together.SignalAndWait();
            if (slots.AheadBudget() is var budget and not 0)
            {
                budgets.Add(budget);
            }
        }

        handler.Join();
        Assert.Empty(budgets);
    }
}
