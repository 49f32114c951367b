using System.CommandLine;
using TypedQueue.Cli.Output;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue list</c>: tasks by state, queue and name, oldest id first, one page at a time.</summary>
internal static class ListCommand
{
    public const int MaxLimit = 10_000;

    public static Command Create(CliOptions options)
    {
        var state = TaskStateOption.Create("--state", "Only tasks in this state.");
        var queue = new Option<string>("--queue") { Description = "Only tasks on this queue." };
        var name = new Option<string>("--name") { Description = "Only tasks with this task name (as given in [QueueTask(Name = ...)])." };
        var limit = new Option<int>("--limit") { Description = $"Tasks per page (1 to {MaxLimit}).", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > MaxLimit)
            {
                r.AddError($"--limit must be between 1 and {MaxLimit}.");
            }
        });
        var after = new Option<long>("--after") { Description = "Start after this task id (the 'next page' value printed by the previous page)." };
        var command = new Command("list", "List tasks, oldest id first, filtered by state, queue and name, one page at a time.")
        {
            state, queue, name, limit, after,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var parse = context.Parse;
            var page = await ReadPageAsync(
                context, parse.GetValue(state), parse.GetValue(queue), parse.GetValue(name), parse.GetValue(limit), parse.GetValue(after)).ConfigureAwait(false);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(page)).ConfigureAwait(false);
            }
            else
            {
                Write(context.Output, page);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<TaskListJson> ReadPageAsync(CommandContext context, TaskState? state, string? queue, string? name, int limit, long after)
    {
        var ct = context.CancellationToken;
        var tasks = await context.Queue.ListTasksAsync(new TaskQuery { State = state, Queue = queue, Name = name, AfterId = after, Limit = limit }, ct).ConfigureAwait(false);
        return new TaskListJson([.. tasks.Select(TaskJson.From)], tasks.Count >= limit ? tasks[^1].Id : null);
    }

    private static void Write(TextWriter writer, TaskListJson page)
    {
        if (page.Tasks.Count == 0)
        {
            writer.WriteLine("No tasks match.");
            return;
        }

        var table = new TextTable("id", "state", "queue", "name", "attempts", "enqueued", "last error").AlignRight(0, 4);
        foreach (var task in page.Tasks)
        {
            table.Add(
                task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                task.State.ToString(),
                task.Queue,
                task.Name,
                $"{task.Attempts}/{task.MaxAttempts}",
                TextFormat.Time(task.EnqueuedAt),
                task.Error is { } e ? TextFormat.Short($"{e.Type}: {e.Message}", 80) : "");
        }

        table.WriteTo(writer);
        if (page.NextAfter is { } next)
        {
            writer.WriteLine($"More tasks may follow: next page with --after {next}");
        }
    }
}
