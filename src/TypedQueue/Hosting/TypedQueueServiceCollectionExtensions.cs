using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedQueue;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Execution;
using TypedQueue.Hosting;
using TypedQueue.Scheduling;
using TypedQueue.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TypedQueue: the store, the queue, recurring tasks, the worker and every generated handler.</summary>
public static class TypedQueueServiceCollectionExtensions
{
    /// <summary>
    /// Adds TypedQueue on the embedded SQLite store, or on PostgreSQL when <c>TypedQueue:Store</c> is <c>PostgreSql</c> (or
    /// <c>TypedQueue:PostgreSql:ConnectionString</c> is set) and the TypedQueue.PostgreSql package is referenced. Options come from the "TypedQueue" configuration section
    /// (and <c>ConnectionStrings:TypedQueue</c>), then from <paramref name="configure"/>. Handlers are the ones the
    /// generator registered in <see cref="TaskRegistry"/>; no assembly is scanned.
    /// </summary>
    public static IServiceCollection AddTypedQueue(this IServiceCollection services, Action<TypedQueueOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TypedQueueOptions>();
        options.Configure<IServiceProvider>(static (o, sp) =>
        {
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                configuration.GetSection(TypedQueueOptions.SectionName).Bind(o);
                if (configuration.GetConnectionString("TypedQueue") is { Length: > 0 } connectionString && string.IsNullOrWhiteSpace(o.ConnectionString))
                {
                    o.ConnectionString = connectionString;
                }
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TypedQueueOptions>, TypedQueueOptionsValidator>());
        options.ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WakeSignal>();
        services.TryAddSingleton<RunningTasks>();
        services.TryAddSingleton<ChangeFeed>();
        services.TryAddSingleton(sp => RetryPolicy.From(sp.GetRequiredService<IOptions<TypedQueueOptions>>().Value));
        services.TryAddSingleton(_ => new TaskHandlerTable(TaskRegistry.All));
        services.TryAddSingleton<ITaskStore>(static sp => TaskStoreProviders.Create(sp, sp.GetRequiredService<IOptions<TypedQueueOptions>>().Value));
        // Instruments come from the host's IMeterFactory, so listeners can tell two hosts in one process apart.
        services.AddMetrics();
        services.TryAddSingleton(sp => new TaskMetrics(
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<ITaskStore>(),
            sp.GetRequiredService<TimeProvider>(),
            // Enqueue-only containers (the CLI's) may have no logging at all.
            sp.GetService<ILogger<TaskMetrics>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskMetrics>.Instance));
        services.TryAddSingleton<WorkerStatus>();
        services.TryAddSingleton<ITaskQueue, TaskQueue>();
        services.TryAddSingleton<TaskExecutor>();
        services.TryAddSingleton<RecurringScheduler>();
        services.TryAddSingleton<IRecurringTasks, RecurringTasks>();

        // The host reads HostOptions while it is built, so this makes Tasks.X.EnqueueAsync usable right after Build().
        services.AddOptions<HostOptions>().Configure<IServiceProvider>(static (_, sp) => sp.GetRequiredService<ITaskQueue>());

        services.AddHostedService(static sp => new TaskWorker(
            sp.GetRequiredService<ITaskStore>(),
            sp.GetRequiredService<TaskExecutor>(),
            sp.GetRequiredService<ChangeFeed>(),
            sp.GetRequiredService<WakeSignal>(),
            sp.GetRequiredService<RunningTasks>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<TypedQueueOptions>>(),
            sp.GetRequiredService<ITaskQueue>(),
            sp.GetRequiredService<RecurringScheduler>(),
            sp.GetRequiredService<WorkerStatus>(),
            sp.GetRequiredService<TaskHandlerTable>(),
            sp.GetRequiredService<ILogger<TaskWorker>>()));
        return services;
    }
}
