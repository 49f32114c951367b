using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TypedQueue;
using TypedQueue.Inspection;
using TypedQueue.Samples.Worker;

SampleStats.MainEntered();
var serve = new Option<bool>("--serve") { Description = "Keep serving after the demo set is done, until Ctrl+C." };
var noDemo = new Option<bool>("--no-demo") { Description = "Do not enqueue the demo set; process what the database already holds." };
var enqueueOnly = new Option<bool>("--enqueue-only") { Description = "Enqueue the demo set and exit without processing it." };
var stats = new Option<bool>("--stats") { Description = "At exit, print when the first task started and the peak memory (for comparing the native-AOT and JIT builds)." };
var root = new RootCommand(
    "TypedQueue sample worker: enqueues a demo set (e-mails, thumbnails, a report, a card charge that is declined), " +
    "processes it on the embedded SQLite file and prints a summary per state. " +
    "Settings come from appsettings.json, TYPEDQUEUE__* environment variables and --TypedQueue:Name=value arguments.")
{
    serve,
    noDemo,
    enqueueOnly,
    stats,
};
root.TreatUnmatchedTokensAsErrors = false;
root.SetAction(async (parse, cancellationToken) =>
{
    var exitCode = await SampleWorker.RunAsync(
        parse.GetValue(serve), !parse.GetValue(noDemo), parse.GetValue(enqueueOnly), [.. parse.UnmatchedTokens], cancellationToken);
    if (parse.GetValue(stats))
    {
        SampleStats.Print();
    }

    return exitCode;
});
return await root.Parse(args).InvokeAsync();

/// <summary>The sample's host: handlers' services, TypedQueue, and the three modes.</summary>
internal static class SampleWorker
{
    public static async Task<int> RunAsync(bool serve, bool enqueueDemo, bool enqueueOnly, string[] hostArgs, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = hostArgs,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSingleton<IMailer, OutboxMailer>();
        builder.Services.AddSingleton<PaymentGateway>();
        builder.Services.AddTypedQueue(o => o.RunWorker = !enqueueOnly);
        using var host = builder.Build();

        if (enqueueDemo)
        {
            var count = await DemoSet.EnqueueAsync(cancellationToken);
            Console.WriteLine($"Enqueued {count} demo tasks.");
        }

        var queue = host.Services.GetRequiredService<ITaskQueue>();
        if (!enqueueOnly)
        {
            await host.StartAsync(cancellationToken);
            if (serve)
            {
                Console.WriteLine("Serving; press Ctrl+C to stop.");
                await host.WaitForShutdownAsync(cancellationToken);
                return 0;
            }

            await queue.WaitUntilDrainedAsync(cancellationToken);
            await host.StopAsync(cancellationToken);
        }

        await PrintSummaryAsync(queue, cancellationToken);
        return 0;
    }

    private static async Task PrintSummaryAsync(ITaskQueue queue, CancellationToken cancellationToken)
    {
        var stats = await queue.GetStatisticsAsync(cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"{"queue",-10} {"state",-10} {"tasks",6}");
        foreach (var row in stats.Counts)
        {
            Console.WriteLine($"{row.Queue,-10} {row.State,-10} {row.Count,6}");
        }

        Console.WriteLine($"{"all",-10} {"",-10} {stats.Total,6}");
        foreach (var dead in await queue.ListTasksAsync(TaskState.Dead, limit: 5, cancellationToken: cancellationToken))
        {
            Console.WriteLine($"dead: task {dead.Id} '{dead.Name}' after {dead.Attempts} attempts: {dead.LastError?.Type}: {dead.LastError?.Message}");
        }
    }
}
