using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TypedQueue.Dashboard;

/// <summary>Serves the dashboard on its own, over one database file, without a worker (what <c>typedqueue dashboard</c> runs).</summary>
public static class DashboardHost
{
    /// <summary>Where the dashboard listens unless told otherwise: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Serves the dashboard at the root of <paramref name="urls"/> until <paramref name="cancellationToken"/> fires or the process is asked to stop.</summary>
    public static async Task RunAsync(string dbPath, string urls = DefaultUrls, Action<DashboardOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var app = await StartAsync(dbPath, urls, configure, cancellationToken).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts the dashboard and returns the running app; its <c>Urls</c> hold the bound addresses (useful with port 0).
    /// The file must exist: the dashboard never creates a database.
    /// </summary>
    public static async Task<WebApplication> StartAsync(string dbPath, string urls = DefaultUrls, Action<DashboardOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dbPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(urls);
        var fullPath = Path.GetFullPath(dbPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The database file '{dbPath}' does not exist.", fullPath);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = fullPath;
            o.ConnectionString = null;
            o.RunWorker = false;
        });
        var app = builder.Build();
        app.MapTypedQueueDashboard("/", configure);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }
}
