using System.CommandLine;
using TypedQueue.Cli.Output;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Commands;

/// <summary><c>typedqueue watch</c>: statistics refreshed every <c>--interval</c> until Ctrl+C (or <c>--iterations</c> refreshes).</summary>
internal static class WatchCommand
{
    public static Command Create(CliOptions options)
    {
        var interval = DurationOption.Create("--interval", "Time between refreshes.", TimeSpan.FromSeconds(2), minimum: TimeSpan.FromMilliseconds(10));
        var iterations = new Option<int?>("--iterations") { Description = "Stop after this many refreshes (default: until Ctrl+C)." };
        iterations.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("--iterations must be at least 1.");
            }
        });
        var command = new Command("watch", "A live view: statistics per queue and state, refreshed every --interval until Ctrl+C. With --json, one JSON line per refresh.")
        {
            interval, iterations,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var every = context.Parse.GetValue(interval);
            var count = context.Parse.GetValue(iterations);
            // Clear the screen only on a real terminal; redirected output (files, pipes, tests) gets frames one after another.
            var clear = !context.Json && ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected;
            StatsJson? previous = null;
            try
            {
                for (var i = 1; count is null || i <= count; i++)
                {
                    var stats = await StatsCommand.ReadAsync(context).ConfigureAwait(false);
                    if (context.Json)
                    {
                        await context.Output.WriteLineAsync(CliJson.Serialize(stats, indented: false)).ConfigureAwait(false);
                    }
                    else
                    {
                        WriteFrame(context.Output, stats, previous, every, clear, i > 1);
                    }

                    await context.Output.FlushAsync(context.CancellationToken).ConfigureAwait(false);
                    previous = stats;
                    if (count is null || i < count)
                    {
                        await Task.Delay(every, context.CancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                // Ctrl+C is how a live view ends.
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteFrame(TextWriter writer, StatsJson stats, StatsJson? previous, TimeSpan every, bool clear, bool separate)
    {
        if (clear)
        {
            writer.Write("\u001b[H\u001b[2J");
        }
        else if (separate)
        {
            writer.WriteLine();
        }

        writer.WriteLine($"TypedQueue {stats.Database} at {TextFormat.Time(stats.At)} (every {every.TotalSeconds:0.###} s; Ctrl+C to stop)");
        StatsCommand.Write(writer, stats);
        if (previous is not null)
        {
            writer.WriteLine($"since the last refresh: {Delta(stats, previous, TaskState.Succeeded)} succeeded, {Delta(stats, previous, TaskState.Dead)} dead, {Delta(stats, previous, TaskState.Cancelled)} cancelled");
        }
    }

    // Purges shrink the finished counts, so a negative difference shows as +0 rather than as work undone.
    private static string Delta(StatsJson now, StatsJson before, TaskState state) =>
        $"+{Math.Max(0, now.Totals.Get(state) - before.Totals.Get(state))}";
}
