using Cronos;

namespace TypedQueue.Scheduling;

/// <summary>A parsed cron expression in its time zone: the one place that talks to Cronos.</summary>
internal sealed class CronSchedule
{
    private static readonly TimeSpan[] s_lookBack = [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(31), TimeSpan.FromDays(366)];

    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses 5 fields, 6 fields (seconds first) or a macro; the field count decides.</summary>
    /// <exception cref="ArgumentException">The expression is invalid (with Cronos's message).</exception>
    public static CronSchedule Parse(string cron, TimeZoneInfo? zone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cron);
        var text = cron.Trim();
        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
        var format = !text.StartsWith('@') && fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return new CronSchedule(CronExpression.Parse(text, format), zone ?? TimeZoneInfo.Utc);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException($"'{cron}' is not a valid cron expression: {ex.Message}", nameof(cron), ex);
        }
    }

    /// <summary>Finds a zone by IANA or Windows id; null or empty is UTC.</summary>
    /// <exception cref="ArgumentException">This machine knows no such zone.</exception>
    public static TimeZoneInfo FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id is "UTC" or "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Time zone '{id}' is not known on this machine: {ex.Message}", nameof(id), ex);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>; <see cref="DateTimeOffset.MaxValue"/> when there is none.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime() ?? DateTimeOffset.MaxValue;

    /// <summary>
    /// The latest occurrences in [<paramref name="from"/>, <paramref name="now"/>], oldest first, at most
    /// <paramref name="max"/>. Looks back in widening windows, so a long outage over a frequent expression stays cheap.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> LatestDue(DateTimeOffset from, DateTimeOffset now, int max)
    {
        var latest = new Queue<DateTimeOffset>(max);
        foreach (var window in s_lookBack.Append(TimeSpan.MaxValue))
        {
            var start = window == TimeSpan.MaxValue || now - from <= window ? from : now - window;
            latest.Clear();
            // Searched as "after one tick before start" rather than "from start inclusive": Cronos moves an occurrence
            // that falls into a spring-forward gap to the jump, and only a search from before the jump finds it there.
            foreach (var occurrence in _expression.GetOccurrences(start.ToUniversalTime().AddTicks(-1), now.ToUniversalTime(), Zone, fromInclusive: false, toInclusive: true))
            {
                if (latest.Count == max)
                {
                    latest.Dequeue();
                }

                latest.Enqueue(occurrence.ToUniversalTime());
            }

            if (latest.Count >= max || start == from)
            {
                break;
            }
        }

        return [.. latest];
    }
}
