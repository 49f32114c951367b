using System.Diagnostics;

namespace TypedQueue.Samples.Telemetry;

/// <summary>
/// Enqueues a few orders at start-up, each inside a "checkout" span of the sample's own source, so a trace reads
/// checkout → publish orders.confirm → process orders.confirm. Logs "Demo orders finished" once they are all done.
/// </summary>
public sealed partial class DemoOrders(ITaskQueue queue, ILogger<DemoOrders> logger, IHostApplicationLifetime lifetime) : BackgroundService
{
    /// <summary>The sample's own ActivitySource, registered with AddSource like TypedQueue's.</summary>
    public static readonly ActivitySource Source = new("TypedQueue.Samples.Telemetry");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Enqueue only once the app listens, so the process's first lines say where to scrape.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var ids = new List<long>();
        foreach (var (id, amount) in new[] { ("A-1", 20m), ("A-2", 75.5m), ("A-3", 2500m) })
        {
            using var checkout = Source.StartActivity("checkout");
            checkout?.SetTag("order.id", id);
            var order = new Order(id, $"{id.ToLowerInvariant()}@example.com", amount);
            ids.Add(await queue.EnqueueAsync(Tasks.ConfirmOrder.Definition, order, cancellationToken: stoppingToken));
            ids.Add(await queue.EnqueueAsync(Tasks.ChargeOrder.Definition, order, cancellationToken: stoppingToken));
        }

        foreach (var id in ids)
        {
            await queue.WaitForCompletionAsync(id, stoppingToken);
        }

        LogFinished(ids.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo orders finished: {Count} tasks. Scrape /metrics, check /health.")]
    private partial void LogFinished(int count);
}
