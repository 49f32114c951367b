using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TypedQueue.Benchmarks;

/// <summary>A fresh temporary folder for one scenario's database files, removed afterwards.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string? keep = null)
    {
        Path = keep ?? Directory.CreateTempSubdirectory("typedqueue-bench-").FullName;
        Owned = keep is null;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    private bool Owned { get; }

    /// <summary>A database file in the folder.</summary>
    public string Database(string name = "tasks.db") => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (!Owned)
        {
            return;
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Builds TypedQueue hosts the way an application would, with logging providers off (a no-op benchmark measures the queue, not the console).</summary>
internal static class BenchmarkHost
{
    /// <summary>The default worker slots on this machine (the option's own default).</summary>
    public static int DefaultConcurrency => new TypedQueueOptions().Concurrency;

    public static IHost Build(string databasePath, bool runWorker, int? concurrency = null, TimeSpan? pollInterval = null, Action<TypedQueueOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = databasePath;
            o.RunWorker = runWorker;
            o.Concurrency = concurrency ?? o.Concurrency;
            o.PollInterval = pollInterval ?? o.PollInterval;
            configure?.Invoke(o);
        });
        return builder.Build();
    }

    /// <summary>The queue of a host, with its schema created (so the first measured call does not pay for it).</summary>
    public static async Task<ITaskQueue> ReadyQueueAsync(IHost host)
    {
        var queue = host.Services.GetRequiredService<ITaskQueue>();
        await queue.GetStatisticsAsync();
        return queue;
    }
}
