using System.CommandLine;

namespace TypedQueue.Cli.Commands;

/// <summary>
/// <c>pause</c> and <c>resume</c>: declared so scripts and help show them, but the runtime cannot pause a queue yet,
/// so they fail with <see cref="ExitCodes.NotSupported"/> and change nothing.
/// </summary>
internal static class QueuePauseCommands
{
    public static Command Create(string name, string description)
    {
        var queue = new Argument<string>("queue") { Description = "The queue name." };
        var command = new Command(name, $"{description} Not supported yet: needs queue pause support in the TypedQueue runtime.") { queue };
        command.SetAction(async (parse, _) =>
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync(
                $"error: '{name}' is not supported yet (needs queue pause support in the runtime); queue '{parse.GetValue(queue)}' was not changed.").ConfigureAwait(false);
            return ExitCodes.NotSupported;
        });
        return command;
    }
}
