using System.CommandLine;
using TypedQueue.Cli.Output;

namespace TypedQueue.Cli.Commands;

/// <summary>
/// <c>pause &lt;queue&gt;</c> and <c>resume &lt;queue&gt;</c>: the durable pause flag in the database, honoured by every
/// worker on the file (running ones notice within their poll interval). Pausing twice, or resuming a queue that is not
/// paused, succeeds and says nothing changed.
/// </summary>
internal static class QueuePauseCommands
{
    public static Command Create(CliOptions options, bool pause)
    {
        var queue = new Argument<string>("queue") { Description = "The queue name." };
        var command = new Command(
            pause ? "pause" : "resume",
            pause
                ? "Pause a queue in every worker on the database: its pending tasks stay queued, untouched, until it is resumed; running tasks finish."
                : "Resume a paused queue: workers claim its tasks again.")
        {
            queue,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var name = context.Parse.GetValue(queue) ?? "";
            bool changed;
            try
            {
                changed = pause
                    ? await context.Queue.PauseQueueAsync(name, context.CancellationToken).ConfigureAwait(false)
                    : await context.Queue.ResumeQueueAsync(name, context.CancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex) when (ex.ParamName == "queue")
            {
                throw new CliException(ExitCodes.Usage, ex.Message);
            }
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new QueuePauseJson(name, pause, changed))).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync((pause, changed) switch
                {
                    (true, true) => $"Queue '{name}' paused: workers leave its pending tasks alone until 'typedqueue resume {name}'.",
                    (true, false) => $"Queue '{name}' was already paused.",
                    (false, true) => $"Queue '{name}' resumed: workers claim its tasks again.",
                    (false, false) => $"Queue '{name}' was not paused.",
                }).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
