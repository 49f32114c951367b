using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue;
using TypedQueue.TestWorker;

// Usage:
//   enqueue <db> <count> <delayMs>
//   work <db> <ledger> <concurrency> <leaseMs> <heartbeatMs>
// "work" runs until nothing is scheduled, pending or running, then exits 0. Every handler start and finish is
// appended (and flushed) to the ledger as "start <id>" / "done <id>", and each start is echoed on stdout.
var mode = args[0];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddTypedQueue(o =>
{
    o.DatabasePath = args[1];
    o.RunWorker = mode == "work";
    o.PollInterval = TimeSpan.FromMilliseconds(50);
    if (mode == "work")
    {
        o.Concurrency = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
    }
});
if (mode == "work")
{
    builder.Services.AddSingleton(new Ledger(args[2]));
}

using var host = builder.Build();
var queue = host.Services.GetRequiredService<ITaskQueue>();
if (mode == "enqueue")
{
    var count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
    var delay = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    for (var offset = 0; offset < count; offset += 1000)
    {
        await queue.EnqueueManyAsync(Tasks.Record.Definition, Enumerable.Range(offset, Math.Min(1000, count - offset)).Select(i => new RunPayload(i, delay)));
    }

    Console.WriteLine($"enqueued {count}");
    return 0;
}

await host.StartAsync();
Console.WriteLine($"worker {Environment.ProcessId} started");
await queue.WaitUntilDrainedAsync();
await host.StopAsync();
Console.WriteLine("drained");
return 0;
