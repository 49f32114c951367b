using System.CommandLine;
using TypedQueue.Cli.Output;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue cancel &lt;id&gt;</c>: a task that has not started never runs; a running one is asked to stop.</summary>
internal static class CancelCommand
{
    public static Command Create(CliOptions options)
    {
        var id = TaskIdArgument.Create();
        var command = new Command("cancel", "Cancel a task: one that has not started never runs; a running one has its cancellation token fired by its worker (within one heartbeat interval).") { id };
        command.SetDatabaseAction(options, async context =>
        {
            var taskId = context.Parse.GetValue(id);
            var result = await context.Queue.CancelAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            var task = await context.Queue.GetTaskAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            var (exitCode, message) = result switch
            {
                CancelResult.Cancelled => (ExitCodes.Success, $"Task {taskId} cancelled; it will not run."),
                CancelResult.CancellationRequested => (ExitCodes.Success, $"Task {taskId} is running; its worker has been asked to cancel it and it ends Cancelled when the handler stops."),
                CancelResult.AlreadyFinished => (ExitCodes.InvalidState, $"Task {taskId} already finished ({task?.State.ToString() ?? "finished"}); nothing changed."),
                _ => (ExitCodes.TaskNotFound, $"There is no task {taskId} in '{context.Database.DisplayPath}'."),
            };
            if (context.Json && result is not CancelResult.NotFound)
            {
                var outcome = result switch
                {
                    CancelResult.Cancelled => "cancelled",
                    CancelResult.CancellationRequested => "cancellationRequested",
                    _ => "alreadyFinished",
                };
                await context.Output.WriteLineAsync(CliJson.Serialize(new TaskChangeJson(taskId, outcome, task?.State))).ConfigureAwait(false);
            }

            if (exitCode == ExitCodes.Success)
            {
                if (!context.Json)
                {
                    await context.Output.WriteLineAsync(message).ConfigureAwait(false);
                }
            }
            else
            {
                await context.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            }

            return exitCode;
        });
        return command;
    }
}
