using System.CommandLine;

namespace TypedQueue.Cli.Commands;

/// <summary>An option holding a <see cref="DurationParser"/> duration.</summary>
internal static class DurationOption
{
    public static Option<TimeSpan> Create(string name, string description, TimeSpan? defaultValue = null, TimeSpan? minimum = null)
    {
        var option = new Option<TimeSpan>(name)
        {
            Description = $"{description} Accepts {DurationParser.Help}.",
            HelpName = "duration",
        };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!DurationParser.TryParse(text, out var duration))
            {
                result.AddError($"'{text}' is not a duration for {name}: use {DurationParser.Help}.");
            }
            else if (minimum is { } min && duration < min)
            {
                result.AddError($"{name} must be at least {min.TotalMilliseconds} ms.");
            }

            return duration;
        };
        return option;
    }
}
