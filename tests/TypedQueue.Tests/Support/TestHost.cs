using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;

namespace TypedQueue.Tests.Support;

/// <summary>A real generic host with TypedQueue on a temp SQLite file.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(60);

    private TestHost(IHost host, Recorder recorder, LogSignals logs)
    {
        Host = host;
        Recorder = recorder;
        Logs = logs;
    }

    /// <summary>Log events seen so far, to await instead of sleeping.</summary>
    public LogSignals Logs { get; }

    public IHost Host { get; }

    public Recorder Recorder { get; }

    public ITaskQueue Queue => Host.Services.GetRequiredService<ITaskQueue>();

    public static TestHost Build(string databasePath, Action<TypedQueueOptions>? configure = null, TimeProvider? timeProvider = null, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.ClearProviders();
        var logs = new LogSignals();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug); // debug events are signals too (say, 5000: held back by a rate limit)
        var recorder = new Recorder();
        builder.Services.AddSingleton(recorder);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = databasePath;
            o.RetryBaseDelay = TimeSpan.Zero;
            o.RetryJitter = 0;
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        builder.Services.AddHealthChecks().AddTypedQueue();
        return new TestHost(builder.Build(), recorder, logs);
    }

    public static async Task<TestHost> StartAsync(string databasePath, Action<TypedQueueOptions>? configure = null, TimeProvider? timeProvider = null, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var host = Build(databasePath, configure, timeProvider, settings);
        await host.Host.StartAsync();
        return host;
    }

    public async Task<TaskInfo> WaitForCompletionAsync(long id) =>
        await Queue.WaitForCompletionAsync(id).AsTask().WaitAsync(SignalTimeout);

    /// <summary>Waits, on the worker's own "outcomes written" signal, until the task matches.</summary>
    public async Task<TaskInfo> WaitForAsync(long id, Func<TaskInfo, bool> condition)
    {
        var changes = Host.Services.GetRequiredService<ChangeFeed>();
        using var timeout = new CancellationTokenSource(SignalTimeout);
        while (true)
        {
            var next = changes.Next;
            var task = await Queue.GetTaskAsync(id);
            if (task is not null && condition(task))
            {
                return task;
            }

            await next.WaitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
