using System.CommandLine;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary>A <c>--state</c> option that accepts the state names in any case, parsed without reflection.</summary>
internal static class TaskStateOption
{
    public static Option<TaskState?> Create(string name, string description)
    {
        var names = string.Join(", ", Enum.GetNames<TaskState>().Select(n => n.ToLowerInvariant()));
        var option = new Option<TaskState?>(name)
        {
            Description = $"{description} One of: {names}.",
            HelpName = "state",
        };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Enum.TryParse<TaskState>(text, ignoreCase: true, out var state) && Enum.IsDefined(state) && !char.IsAsciiDigit(text.FirstOrDefault()))
            {
                return state;
            }

            result.AddError($"'{text}' is not a task state. Use one of: {names}.");
            return null;
        };
        return option;
    }
}
