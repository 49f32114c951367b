using TypedQueue.Dispatch;
using TypedQueue.Scheduling;

namespace TypedQueue;

/// <summary>Recurring (cron) tasks registered at run time; the worker enqueues each occurrence exactly once across processes.</summary>
public interface IRecurringTasks
{
    /// <summary>
    /// Adds the recurring entry <paramref name="id"/>, or updates it. The next run is computed from now when the entry is
    /// new or its schedule (cron or zone) changed; otherwise it is kept, so every process may call this at start-up.
    /// </summary>
    /// <param name="id">The entry's stable id.</param>
    /// <param name="task">The task to enqueue at each occurrence.</param>
    /// <param name="cron">A cron expression: 5 fields, 6 fields (with seconds first) or a macro such as <c>@hourly</c>.</param>
    /// <param name="payload">The payload each occurrence's task gets.</param>
    /// <param name="zone">The time zone the expression is read in; UTC when null.</param>
    /// <param name="catchUp">What to do with occurrences missed while no worker ran; <see cref="TypedQueueOptions.CatchUp"/> when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">The cron expression is invalid, or the id is empty.</exception>
    ValueTask AddOrUpdateAsync<TPayload>(string id, TaskDefinition<TPayload> task, string cron, TPayload payload, TimeZoneInfo? zone = null, RecurringCatchUp? catchUp = null, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry; false when there was none. Tasks it already enqueued stay.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every entry, by id, with its next and last run.</summary>
    ValueTask<IReadOnlyList<RecurringTaskInfo>> ListAsync(CancellationToken cancellationToken = default);
}
