using System.Globalization;

namespace TypedQueue.Generators.Shared;

/// <summary>
/// What <c>[QueueTask(RateLimit, RateLimitPeriodSeconds)]</c> accepts, shared by the generator (which skips a handler
/// with a bad value) and the analyzers (which report it as TQ0006), so the two never disagree.
/// </summary>
internal static class RateLimitRules
{
    public const double MaxPeriodSeconds = 7 * 24 * 3600;

    /// <summary>Why a written RateLimit is refused, or null.</summary>
    public static string? DescribeLimit(int value) =>
        value < 1 ? $"is {value.ToString(CultureInfo.InvariantCulture)}; a rate limit must allow at least 1 start per period (omit it for no limit)" : null;

    /// <summary>Why a written RateLimitPeriodSeconds is refused, or null.</summary>
    public static string? DescribePeriod(double seconds, bool hasLimit) =>
        double.IsNaN(seconds) || seconds < 0.001 || seconds > MaxPeriodSeconds
            ? $"is {seconds.ToString(CultureInfo.InvariantCulture)}; it must be a positive number of seconds, at least 0.001 and at most 7 days"
            : !hasLimit ? "is set without RateLimit; it only says how long RateLimit's window is"
            : null;

    /// <summary>Whether the written values (null when not written) are acceptable.</summary>
    public static bool IsValid(int? limit, double? periodSeconds) =>
        (limit is null || DescribeLimit(limit.Value) is null)
        && (periodSeconds is null || DescribePeriod(periodSeconds.Value, limit is not null) is null);
}
