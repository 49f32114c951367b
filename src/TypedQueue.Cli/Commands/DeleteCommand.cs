using System.CommandLine;
using TypedQueue.Cli.Output;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue delete &lt;id&gt;</c>: removes a task that is not running (one that has not started never runs).</summary>
internal static class DeleteCommand
{
    public static Command Create(CliOptions options)
    {
        var id = TaskIdArgument.Create();
        var command = new Command("delete", "Delete a task that is not running, with its idempotency key: a scheduled or pending one never runs. A running task is refused: cancel it first.") { id };
        command.SetDatabaseAction(options, async context =>
        {
            var taskId = context.Parse.GetValue(id);
            var result = await context.Queue.DeleteTaskAsync(taskId, context.CancellationToken).ConfigureAwait(false);
            var (exitCode, message) = result switch
            {
                DeleteResult.Deleted => (ExitCodes.Success, $"Task {taskId} deleted."),
                DeleteResult.Running => (ExitCodes.InvalidState, $"Task {taskId} is running; nothing changed. Cancel it first (typedqueue cancel {taskId})."),
                _ => (ExitCodes.TaskNotFound, $"There is no task {taskId} in '{context.Database.DisplayPath}'."),
            };
            if (context.Json && result is not DeleteResult.NotFound)
            {
                var task = result == DeleteResult.Running ? await context.Queue.GetTaskAsync(taskId, context.CancellationToken).ConfigureAwait(false) : null;
                await context.Output.WriteLineAsync(CliJson.Serialize(new TaskChangeJson(taskId, result == DeleteResult.Deleted ? "deleted" : "running", task?.State))).ConfigureAwait(false);
            }

            if (exitCode != ExitCodes.Success)
            {
                await context.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
            }
            else if (!context.Json)
            {
                await context.Output.WriteLineAsync(message).ConfigureAwait(false);
            }

            return exitCode;
        });
        return command;
    }
}
