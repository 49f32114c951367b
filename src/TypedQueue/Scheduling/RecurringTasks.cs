using TypedQueue.Dispatch;
using TypedQueue.Storage;

namespace TypedQueue.Scheduling;

/// <summary>The <see cref="IRecurringTasks"/> over the store; wakes this process's scheduler after a change.</summary>
internal sealed class RecurringTasks(ITaskStore store, RecurringScheduler scheduler, TimeProvider timeProvider) : IRecurringTasks
{
    public async ValueTask AddOrUpdateAsync<TPayload>(string id, TaskDefinition<TPayload> task, string cron, TPayload payload, TimeZoneInfo? zone = null, RecurringCatchUp? catchUp = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(task);
        if (catchUp is { } policy && !Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(catchUp), policy, "Unknown catch-up policy.");
        }

        var schedule = CronSchedule.Parse(cron, zone);
        var entry = new RecurringRow(id, task.Name, task.Queue, task.Priority, task.MaxAttempts, cron.Trim(), schedule.Zone.Id,
            task.SerializePayload(payload), catchUp, IsDeclared: false, schedule.NextAfter(timeProvider.GetUtcNow()));
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await store.UpsertRecurringAsync(entry, cancellationToken).ConfigureAwait(false);
        scheduler.Wake();
    }

    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return await store.DeleteRecurringAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<RecurringTaskInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var rows = await store.ListRecurringAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new RecurringTaskInfo
        {
            Id = r.Id,
            TaskName = r.Name,
            Cron = r.Cron,
            TimeZone = r.TimeZone,
            NextRunAt = r.NextRunAt,
            LastRunAt = r.LastRunAt,
            CatchUp = r.CatchUp,
            IsDeclared = r.IsDeclared,
        })];
    }
}
