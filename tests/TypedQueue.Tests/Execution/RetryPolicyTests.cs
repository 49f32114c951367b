using TypedQueue.Execution;

namespace TypedQueue.Tests.Execution;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 2_000)]
    [InlineData(2, 4_000)]
    [InlineData(3, 8_000)]
    [InlineData(10, 60_000)]
    public void Delays_double_per_attempt_up_to_the_cap(int attempt, double expectedMs)
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), jitter: 0.2, random: () => 0.5);
        Assert.Equal(expectedMs, policy.DelayAfter(attempt).TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(1.0, 1.2)]
    public void Jitter_spreads_each_delay_within_the_configured_fraction(double random, double factor)
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1), jitter: 0.2, random: () => random);
        Assert.Equal(20_000 * factor, policy.DelayAfter(2).TotalMilliseconds, precision: 6);
    }
}
