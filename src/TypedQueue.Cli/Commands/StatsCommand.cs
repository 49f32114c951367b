using System.CommandLine;
using TypedQueue.Cli.Output;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue stats</c>: task counts per queue and state, with totals, and which queues are paused.</summary>
internal static class StatsCommand
{
    public static Command Create(CliOptions options)
    {
        var command = new Command("stats", "Show how many tasks each queue has in each state, with totals.");
        command.SetDatabaseAction(options, async context =>
        {
            var stats = await ReadAsync(context).ConfigureAwait(false);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(stats)).ConfigureAwait(false);
            }
            else
            {
                Write(context.Output, stats);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static async Task<StatsJson> ReadAsync(CommandContext context)
    {
        var statistics = await context.Queue.GetStatisticsAsync(context.CancellationToken).ConfigureAwait(false);
        var queues = await context.Queue.ListQueuesAsync(context.CancellationToken).ConfigureAwait(false);
        return StatsJson.From(context.Database.DisplayPath, TimeProvider.System.GetUtcNow(), statistics, queues);
    }

    private static readonly TaskState[] States = Enum.GetValues<TaskState>();

    /// <summary>One row per queue, one column per state, whether the queue is paused, then the totals row.</summary>
    public static void Write(TextWriter writer, StatsJson stats)
    {
        var table = new TextTable(["queue", .. States.Select(s => s.ToString().ToLowerInvariant()), "total", "paused"])
            .AlignRight([.. Enumerable.Range(1, States.Length + 1)]);
        foreach (var queue in stats.Queues)
        {
            table.Add([queue.Queue, .. States.Select(s => TextFormat.Count(queue.Counts.Get(s))), TextFormat.Count(queue.Total), queue.Paused ? "yes" : "no"]);
        }

        table.Add(["all", .. States.Select(s => TextFormat.Count(stats.Totals.Get(s))), TextFormat.Count(stats.Total), "-"]);
        table.WriteTo(writer);
    }
}
