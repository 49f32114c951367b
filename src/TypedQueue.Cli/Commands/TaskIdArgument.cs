using System.CommandLine;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary>The <c>&lt;id&gt;</c> argument of show, retry and cancel.</summary>
internal static class TaskIdArgument
{
    public static Argument<long> Create() => new("id") { Description = "The task id (as printed by list, or returned by EnqueueAsync)." };

    /// <summary>The task, or an "unknown id" failure.</summary>
    public static async Task<TaskInfo> GetExistingAsync(CommandContext context, long id) =>
        await context.Queue.GetTaskAsync(id, context.CancellationToken).ConfigureAwait(false)
            ?? throw new CliException(ExitCodes.TaskNotFound, $"There is no task {id} in '{context.Database.DisplayPath}'.");
}
