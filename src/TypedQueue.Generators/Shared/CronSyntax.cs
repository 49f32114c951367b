using System;
using System.Collections.Generic;
using System.Globalization;

namespace TypedQueue.Generators.Shared;

/// <summary>
/// A syntax check for cron expressions, shared by the generator and the analyzers (Cronos, which the runtime parses
/// with, is not available to Roslyn components). It accepts what Cronos accepts for the common forms: 5 fields, 6 fields
/// with seconds first, and the macros; each field a list of <c>*</c>, <c>?</c>, values, ranges and steps within the
/// field's bounds, with month and day-of-week names and Cronos's <c>L</c>, <c>W</c> and <c>#</c> forms.
/// </summary>
internal static class CronSyntax
{
    private static readonly HashSet<string> s_macros = new(StringComparer.OrdinalIgnoreCase)
    {
        "@every_second", "@every_minute", "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
    };

    private static readonly string[] s_months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] s_days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private enum Field
    {
        Second,
        Minute,
        Hour,
        DayOfMonth,
        Month,
        DayOfWeek,
    }

    /// <summary>Null when <paramref name="cron"/> is valid, else why not (a sentence fragment).</summary>
    public static string? Describe(string? cron)
    {
        if (cron is null || cron.Trim().Length == 0)
        {
            return "is empty; give a cron expression such as \"0 * * * *\" or a macro such as \"@hourly\"";
        }

        var text = cron.Trim();
        if (text.StartsWith("@", StringComparison.Ordinal))
        {
            return s_macros.Contains(text) ? null : $"'{text}' is not a known macro (use @every_second, @every_minute, @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)";
        }

        var parts = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (5 or 6))
        {
            return $"'{text}' has {parts.Length} fields; a cron expression has 5 (minute hour day month weekday) or 6 (with seconds first)";
        }

        var fields = parts.Length == 6
            ? new[] { Field.Second, Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek }
            : new[] { Field.Minute, Field.Hour, Field.DayOfMonth, Field.Month, Field.DayOfWeek };
        for (var i = 0; i < parts.Length; i++)
        {
            if (DescribeField(parts[i], fields[i]) is { } problem)
            {
                return $"'{text}': {problem}";
            }
        }

        return null;
    }

    private static string? DescribeField(string text, Field field)
    {
        var (min, max) = Bounds(field);
        var name = Name(field);
        foreach (var item in text.Split(','))
        {
            if (item.Length == 0)
            {
                return $"the {name} field '{text}' has an empty list item";
            }

            if (item is "*" or "?")
            {
                continue; // Cronos reads '?' as '*' in any field.
            }

            if (IsSpecial(item, field))
            {
                continue;
            }

            var range = item;
            var slash = item.IndexOf('/');
            if (slash >= 0)
            {
                range = item.Substring(0, slash);
                if (!int.TryParse(item.Substring(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1 || step > max)
                {
                    return $"the step in '{item}' ({name} field) must be a number from 1 to {max}";
                }

                if (range == "*")
                {
                    continue;
                }
            }

            var dash = range.IndexOf('-');
            var first = dash >= 0 ? range.Substring(0, dash) : range;
            if (Value(first, field) is not { } low || low < min || low > max)
            {
                return $"'{first}' is not a valid {name} (expected {min}-{max})";
            }

            if (dash >= 0)
            {
                var last = range.Substring(dash + 1);
                if (Value(last, field) is not { } high || high < min || high > max)
                {
                    return $"'{last}' is not a valid {name} (expected {min}-{max})";
                }
            }
        }

        return null;
    }

    // Cronos's extensions: L, LW, L-n, nW in day of month; nL, n#k in day of week.
    private static bool IsSpecial(string item, Field field)
    {
        var upper = item.ToUpperInvariant();
        if (field == Field.DayOfMonth)
        {
            if (upper is "L" or "LW")
            {
                return true;
            }

            if (upper.StartsWith("L-", StringComparison.Ordinal))
            {
                return int.TryParse(upper.Substring(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) && offset is >= 0 and <= 30;
            }

            return upper.EndsWith("W", StringComparison.Ordinal) && int.TryParse(upper.Substring(0, upper.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var day) && day is >= 1 and <= 31;
        }

        if (field == Field.DayOfWeek)
        {
            if (upper.EndsWith("L", StringComparison.Ordinal) && upper.Length > 1)
            {
                return Value(upper.Substring(0, upper.Length - 1), field) is >= 0 and <= 7;
            }

            var hash = upper.IndexOf('#');
            if (hash > 0)
            {
                return Value(upper.Substring(0, hash), field) is >= 0 and <= 7
                    && int.TryParse(upper.Substring(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var nth) && nth is >= 1 and <= 5;
            }
        }

        return false;
    }

    private static int? Value(string text, Field field)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var names = field == Field.Month ? s_months : field == Field.DayOfWeek ? s_days : null;
        var index = names is null ? -1 : Array.IndexOf(names, text.ToUpperInvariant());
        return index < 0 ? null : field == Field.Month ? index + 1 : index;
    }

    private static (int Min, int Max) Bounds(Field field) => field switch
    {
        Field.Second or Field.Minute => (0, 59),
        Field.Hour => (0, 23),
        Field.DayOfMonth => (1, 31),
        Field.Month => (1, 12),
        _ => (0, 7),
    };

    private static string Name(Field field) => field switch
    {
        Field.Second => "second",
        Field.Minute => "minute",
        Field.Hour => "hour",
        Field.DayOfMonth => "day-of-month",
        Field.Month => "month",
        _ => "day-of-week",
    };
}
