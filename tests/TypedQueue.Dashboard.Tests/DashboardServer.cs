using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Tests;

/// <summary>
/// A temp SQLite file filled through the public API (a worker runs the shipments to succeeded and dead, then stops),
/// served by a real Kestrel server on 127.0.0.1 with a dynamic port. Four dashboards share the app: /queue (actions
/// allowed), /readonly (the defaults), /locked (nobody may read) and /paged (two tasks a page).
/// </summary>
public sealed class DashboardServer : IAsyncLifetime
{
    public const string XssCustomer = "<script>alert('owned')</script>";

    private WebApplication? _app;

    public string DatabasePath { get; } = Path.Combine(Path.GetTempPath(), $"tq-dashboard-{Guid.NewGuid():N}.db");

    public Uri BaseAddress { get; private set; } = null!;

    public ITaskQueue Queue => _app!.Services.GetRequiredService<ITaskQueue>();

    public IReadOnlyList<long> Succeeded { get; private set; } = [];

    /// <summary>Dead tasks: [0] for the HTTP retry test, [1] for the refusals, [2] for the browser, [3] untouched.</summary>
    public IReadOnlyList<long> Dead { get; private set; } = [];

    public long XssTask { get; private set; }

    /// <summary>Scheduled an hour ahead on "mail": [0] for the cancel test, [1] untouched.</summary>
    public IReadOnlyList<long> Scheduled { get; private set; } = [];

    public long PendingTask { get; private set; }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await RunShipmentsAsync(timeout.Token);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = DatabasePath;
            o.RunWorker = false;
        });
        _app = builder.Build();
        _app.MapTypedQueueDashboard("/queue", o =>
        {
            o.AllowActions = true;
            o.Title = "Test queue";
        });
        _app.MapTypedQueueDashboard("/readonly");
        _app.MapTypedQueueDashboard("/locked", o =>
        {
            o.Authorize = _ => false;
            o.AllowActions = true;
        });
        _app.MapTypedQueueDashboard("/paged", o => o.PageSize = 2);
        await _app.StartAsync(timeout.Token);
        BaseAddress = new Uri(_app.Urls.Single());

        var later = new EnqueueOptions { Delay = TimeSpan.FromHours(1) };
        Scheduled =
        [
            await Queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("scheduled-1", false), later, timeout.Token),
            await Queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("scheduled-2", false), later, timeout.Token),
        ];
        PendingTask = await Queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("pending", false), null, timeout.Token);
    }

    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(DatabasePath + suffix);
        }
    }

    private async Task RunShipmentsAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = DatabasePath;
            o.Concurrency = 4;
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var queue = host.Services.GetRequiredService<ITaskQueue>();
        var succeeded = await queue.EnqueueManyAsync(Tasks.Ship.Definition, [new Shipment("ada", false), new Shipment("bob", false), new Shipment("cy", false)], null, cancellationToken);
        var dead = await queue.EnqueueManyAsync(Tasks.Ship.Definition, [new Shipment("dora", true), new Shipment("eve", true), new Shipment("finn", true), new Shipment("gus", true)], null, cancellationToken);
        var xss = await queue.EnqueueAsync(Tasks.Ship.Definition, new Shipment(XssCustomer, true), null, cancellationToken);
        foreach (var id in succeeded.Concat(dead).Append(xss))
        {
            await queue.WaitForCompletionAsync(id, cancellationToken);
        }

        foreach (var id in dead)
        {
            Assert.Equal(TaskState.Dead, (await queue.GetTaskAsync(id, cancellationToken))!.State);
        }

        await host.StopAsync(cancellationToken);
        Succeeded = succeeded;
        Dead = dead;
        XssTask = xss;
    }
}
