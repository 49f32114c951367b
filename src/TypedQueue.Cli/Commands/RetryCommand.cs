using System.CommandLine;
using TypedQueue.Cli.Output;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue retry &lt;id&gt;</c>: a dead or cancelled task becomes pending again with a fresh set of attempts.</summary>
internal static class RetryCommand
{
    public static Command Create(CliOptions options)
    {
        var id = TaskIdArgument.Create();
        var command = new Command("retry", "Requeue a dead or cancelled task: it becomes pending again with a fresh set of attempts.") { id };
        command.SetDatabaseAction(options, async context =>
        {
            var task = await TaskIdArgument.GetExistingAsync(context, context.Parse.GetValue(id)).ConfigureAwait(false);
            if (task.State is not (TaskState.Dead or TaskState.Cancelled))
            {
                throw new CliException(ExitCodes.InvalidState, $"Task {task.Id} is {task.State}; only dead or cancelled tasks can be retried.");
            }

            if (!await context.Queue.RequeueAsync(task.Id, context.CancellationToken).ConfigureAwait(false))
            {
                var now = await context.Queue.GetTaskAsync(task.Id, context.CancellationToken).ConfigureAwait(false);
                throw new CliException(ExitCodes.InvalidState, $"Task {task.Id} changed meanwhile (now {now?.State.ToString() ?? "deleted"}); it was not requeued.");
            }

            var after = await context.Queue.GetTaskAsync(task.Id, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new TaskChangeJson(task.Id, "requeued", after?.State))).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync($"Task {task.Id} ({task.Name}) requeued: {task.State} -> {after?.State.ToString() ?? "?"}, with a fresh set of {task.MaxAttempts} attempts.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
