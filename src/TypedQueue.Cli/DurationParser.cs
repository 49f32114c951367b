using System.Globalization;

namespace TypedQueue.Cli;

/// <summary>
/// Parses the durations of <c>--older-than</c> and <c>--interval</c>: a sum of number+unit parts (<c>7d</c>, <c>1d12h</c>,
/// <c>1.5h</c>, <c>500ms</c>; units w, d, h, m, s, ms) or a .NET TimeSpan (<c>7.00:00:00</c>, <c>00:30:00</c>).
/// </summary>
internal static class DurationParser
{
    public const string Help = "a duration such as 7d, 12h, 30m, 45s, 500ms, 1d12h, or a TimeSpan such as 7.00:00:00";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        var total = 0.0;
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            if (position == start || !double.TryParse(text.AsSpan(start, position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            double? milliseconds = text.AsSpan(unitStart, position - unitStart).ToString().ToLowerInvariant() switch
            {
                "w" => TimeSpan.FromDays(7).TotalMilliseconds,
                "d" => TimeSpan.FromDays(1).TotalMilliseconds,
                "h" => TimeSpan.FromHours(1).TotalMilliseconds,
                "m" => TimeSpan.FromMinutes(1).TotalMilliseconds,
                "s" => 1000,
                "ms" => 1,
                _ => null,
            };
            if (milliseconds is not { } unit)
            {
                return false;
            }

            total += number * unit;
        }

        if (total > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }
}
