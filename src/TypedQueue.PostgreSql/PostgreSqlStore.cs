using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Execution;
using TypedQueue.Storage;

namespace TypedQueue.PostgreSql;

/// <summary>Makes the PostgreSQL store selectable by configuration (<c>TypedQueue:Store=PostgreSql</c>).</summary>
public static class PostgreSqlStore
{
    /// <summary>
    /// Registers the store with the runtime. The TypedQueue generator emits a module initializer that calls this in every
    /// assembly referencing this package, so applications never need to; call it yourself only from an assembly that the
    /// generator does not run in. Idempotent.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static void Register() => TaskStoreProviders.Register(TaskStoreProviders.PostgreSql, Create);

    private static PostgreSqlTaskStore Create(IServiceProvider services, TypedQueueOptions options)
    {
        var connectionString = string.IsNullOrWhiteSpace(options.PostgreSql.ConnectionString) ? options.ConnectionString : options.PostgreSql.ConnectionString;
        // Notifications from other processes wake this process's worker at once.
        return new PostgreSqlTaskStore(
            PostgreSqlStoreSettings.Create(connectionString, options.PostgreSql.Schema),
            services.GetRequiredService<WakeSignal>().Set,
            services.GetRequiredService<TimeProvider>());
    }
}
