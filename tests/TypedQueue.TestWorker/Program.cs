using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue;
using TypedQueue.TestWorker;

// Usage (<db> is a SQLite file, or "pg:<schema>" for that schema on the PostgreSQL server of TYPEDQUEUE_TEST_POSTGRES):
//   enqueue <db> <count> <delayMs>
//   work <db> <ledger> <concurrency> <leaseMs> <heartbeatMs>
//   cron <db> <occurrences>
//   serve <db> <ledger>
// "cron" registers a recurring every-second entry (catch-up All, so no occurrence may be skipped), runs a worker until
// the file holds that many of its tasks, then exits 0; any number of processes may run it on one file at once.
// "serve" runs a worker that polls once an hour, until it is killed: only a wake-up from another process's commit
// makes it start that process's tasks within seconds.
// "work" runs until nothing is scheduled, pending or running, then exits 0. Every handler start and finish is
// appended (and flushed) to the ledger as "start <id>" / "done <id>", and each start is echoed on stdout.
var mode = args[0];
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddTypedQueue(o =>
{
    if (args[1].StartsWith("pg:", StringComparison.Ordinal))
    {
        o.Store = "PostgreSql";
        o.PostgreSql.ConnectionString = Environment.GetEnvironmentVariable("TYPEDQUEUE_TEST_POSTGRES");
        o.PostgreSql.Schema = args[1][3..];
    }
    else
    {
        o.DatabasePath = args[1];
    }

    o.RunWorker = mode is "work" or "cron" or "serve";
    o.PollInterval = mode == "serve" ? TimeSpan.FromHours(1) : TimeSpan.FromMilliseconds(50);
    if (mode == "work")
    {
        o.Concurrency = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        o.LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
    }
});
if (mode is "work" or "serve")
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

if (mode == "cron")
{
    var occurrences = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
    var recurring = host.Services.GetRequiredService<IRecurringTasks>();
    await recurring.AddOrUpdateAsync("every-second", Tasks.Tick.Definition, "* * * * * *", new TickPayload("cron"), catchUp: TypedQueue.Scheduling.RecurringCatchUp.All);
    await host.StartAsync();
    Console.WriteLine($"cron worker {Environment.ProcessId} started");
    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    while (TicksIn(await queue.GetStatisticsAsync(deadline.Token)) < occurrences)
    {
        await Task.Delay(100, deadline.Token); // a child process on the real clock, polling the shared file
    }

    await host.StopAsync();
    Console.WriteLine("enough occurrences");
    return 0;
}

await host.StartAsync();
Console.WriteLine($"worker {Environment.ProcessId} started");
if (mode == "serve")
{
    await host.WaitForShutdownAsync();
    return 0;
}

await queue.WaitUntilDrainedAsync();
await host.StopAsync();
Console.WriteLine("drained");
return 0;

static long TicksIn(TypedQueue.Inspection.TaskStatistics stats) => stats.Counts.Where(c => c.Queue == "ticks").Sum(c => c.Count);
