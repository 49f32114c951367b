namespace TypedQueue.Execution;

/// <summary>Exponential backoff with jitter: base × 2^(attempt − 1), capped, then spread by ± jitter.</summary>
internal sealed class RetryPolicy(TimeSpan baseDelay, TimeSpan maxDelay, double jitter, Func<double> random)
{
    public static RetryPolicy From(TypedQueueOptions options) =>
        new(options.RetryBaseDelay, options.RetryMaxDelay, options.RetryJitter, Random.Shared.NextDouble);

    /// <summary>The delay after a failed <paramref name="attempt"/> (1-based) before the next one.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var raw = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        var spread = 1 + (jitter * ((2 * random()) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * spread));
    }
}
