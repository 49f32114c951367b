using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TypedQueue.Execution;
using TypedQueue.Storage.Sqlite;

namespace TypedQueue.Storage;

/// <summary>
/// The stores a process can use, by name. SQLite is built in; a store package (TypedQueue.PostgreSql) adds itself when
/// its registration runs: the generator emits a module initializer calling it in every assembly that references the
/// package, so choosing the store is configuration alone, and nothing is looked up by reflection.
/// </summary>
internal static class TaskStoreProviders
{
    /// <summary>The built-in store's name.</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>The PostgreSQL store's name.</summary>
    public const string PostgreSql = "PostgreSql";

    private static readonly Dictionary<string, Func<IServiceProvider, TypedQueueOptions, ITaskStore>> Factories = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Gate = new();

    /// <summary>Adds (or replaces) the store called <paramref name="name"/>.</summary>
    public static void Register(string name, Func<IServiceProvider, TypedQueueOptions, ITaskStore> factory)
    {
        lock (Gate)
        {
            Factories[name] = factory;
        }
    }

    /// <summary>The store the options select: <see cref="TypedQueueOptions.Store"/>, else PostgreSQL when it has a connection string, else SQLite.</summary>
    public static string SelectedName(TypedQueueOptions options) =>
        !string.IsNullOrWhiteSpace(options.Store) ? options.Store.Trim()
        : !string.IsNullOrWhiteSpace(options.PostgreSql.ConnectionString) ? PostgreSql
        : Sqlite;

    /// <summary>Whether <paramref name="name"/> is a store this version knows (registered or not).</summary>
    public static bool IsKnown(string name) =>
        string.Equals(name, Sqlite, StringComparison.OrdinalIgnoreCase) || string.Equals(name, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates the selected store.</summary>
    public static ITaskStore Create(IServiceProvider services, TypedQueueOptions options)
    {
        var name = SelectedName(options);
        if (string.Equals(name, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            // Another process's commit (seen through the WAL watcher) nudges an idle worker to look at once, and wakes this
            // process's waiters for outcomes.
            var wake = services.GetService<WakeSignal>();
            var changes = services.GetService<ChangeFeed>();
            return new SqliteTaskStore(
                SqliteStoreSettings.From(options),
                wake is null && changes is null ? null : () =>
                {
                    wake?.Nudge();
                    changes?.Publish();
                },
                services.GetService<ILoggerFactory>()?.CreateLogger<SqliteTaskStore>());
        }

        Func<IServiceProvider, TypedQueueOptions, ITaskStore>? factory;
        lock (Gate)
        {
            Factories.TryGetValue(name, out factory);
        }

        return factory is not null
            ? factory(services, options)
            : throw new TaskStoreException(string.Equals(name, PostgreSql, StringComparison.OrdinalIgnoreCase)
                ? "TypedQueue is configured for PostgreSQL, but the TypedQueue.PostgreSql package is not registered: reference it from the application project (its registration is generated there), or call TypedQueue.PostgreSql.PostgreSqlStore.Register() at start-up."
                : $"TypedQueue:Store '{name}' is not a store: use Sqlite or PostgreSql.");
    }
}
