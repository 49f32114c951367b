using System.CommandLine;
using TypedQueue.Cli.Output;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue purge --older-than 7d</c>: retention; deletes tasks that finished longer ago than that.</summary>
internal static class PurgeCommand
{
    public static Command Create(CliOptions options)
    {
        var olderThan = DurationOption.Create("--older-than", "Delete finished tasks (succeeded, dead or cancelled) that finished longer ago than this.");
        olderThan.Required = true;
        var command = new Command("purge", "Delete finished tasks (succeeded, dead or cancelled) older than a retention period. Scheduled, pending and running tasks are never deleted.")
        {
            olderThan,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var cutoff = TimeProvider.System.GetUtcNow() - context.Parse.GetValue(olderThan);
            var deleted = await context.Queue.PurgeFinishedAsync(cutoff, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new PurgeJson(cutoff, deleted))).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync($"Purged {TextFormat.Count(deleted)} finished task(s) that finished before {TextFormat.Time(cutoff)}.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
