namespace TypedQueue.Storage;

/// <summary>
/// The starts of one rate-limit key inside its window (a sliding window log, times in Unix milliseconds): at most
/// <c>limit</c> starts in any <c>period</c>. Each store reads the log rows of a key into one of these.
/// </summary>
internal sealed class RateWindow(int limit, long period)
{
    private readonly List<(long At, long Starts)> _rows = [];
    private long _used;

    /// <summary>The window's length in milliseconds; starts at or before <c>now - Period</c> have left it.</summary>
    public long Period => period;

    /// <summary>How many more starts the window allows now.</summary>
    public int Allowance => (int)Math.Max(0, limit - _used);

    /// <summary>Adds a log row (rows must come oldest first).</summary>
    public void Add(long at, long starts)
    {
        _rows.Add((at, starts));
        _used += starts;
    }

    /// <summary>When the oldest starts leave the window enough for one more; null while a start is allowed now.</summary>
    public DateTimeOffset? NextAllowedAt()
    {
        if (_used < limit)
        {
            return null;
        }

        var used = _used;
        foreach (var (at, starts) in _rows)
        {
            used -= starts;
            if (used < limit)
            {
                return DateTimeOffset.FromUnixTimeMilliseconds(at + period);
            }
        }

        return null;
    }

    /// <summary>The window length of a limit, in whole milliseconds (rounded up).</summary>
    public static long PeriodOf(RateLimit limit) => (long)Math.Ceiling(limit.Period.TotalMilliseconds);
}
