using System.CommandLine;
using TypedQueue.Cli.Output;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue show &lt;id&gt;</c>: one task with its payload, result, last error, attempts and times.</summary>
internal static class ShowCommand
{
    public static Command Create(CliOptions options)
    {
        var id = TaskIdArgument.Create();
        var command = new Command("show", "Show one task: payload (pretty-printed), result, last error with its stack trace, attempts and times.") { id };
        command.SetDatabaseAction(options, async context =>
        {
            var task = TaskJson.From(await TaskIdArgument.GetExistingAsync(context, context.Parse.GetValue(id)).ConfigureAwait(false));
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(task)).ConfigureAwait(false);
            }
            else
            {
                Write(context.Output, task);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(TextWriter writer, TaskJson task)
    {
        writer.WriteLine($"Task {task.Id}: {task.Name}");
        var fields = new List<(string Name, string Value)>
        {
            ("queue", task.Queue),
            ("state", task.State.ToString()),
            ("priority", task.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("attempts", $"{task.Attempts} of {task.MaxAttempts}"),
            ("enqueued", TextFormat.Time(task.EnqueuedAt)),
            (task.State is TaskState.Scheduled or TaskState.Pending ? "due" : "scheduled", TextFormat.Time(task.ScheduledAt)),
            ("started", TextFormat.Time(task.StartedAt)),
            ("finished", TextFormat.Time(task.FinishedAt)),
        };
        if (task.IdempotencyKey is not null)
        {
            fields.Add(("idempotency key", task.IdempotencyKey));
        }

        var width = fields.Max(f => f.Name.Length);
        foreach (var (name, value) in fields)
        {
            writer.WriteLine($"  {name.PadRight(width)}  {value}");
        }

        writer.WriteLine("Payload:");
        WriteIndented(writer, CliJson.Serialize(task.Payload));
        if (task.Result is { } result)
        {
            writer.WriteLine("Result:");
            WriteIndented(writer, CliJson.Serialize(result));
        }
        else
        {
            writer.WriteLine("Result: none");
        }

        if (task.Error is { } error)
        {
            writer.WriteLine($"Last error: {error.Type}");
            WriteIndented(writer, error.Message);
            if (!string.IsNullOrEmpty(error.StackTrace))
            {
                writer.WriteLine("Stack trace:");
                WriteIndented(writer, error.StackTrace);
            }
        }
        else
        {
            writer.WriteLine("Last error: none");
        }
    }

    private static void WriteIndented(TextWriter writer, string text)
    {
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            writer.WriteLine($"  {line}");
        }
    }
}
