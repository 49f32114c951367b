using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Execution;
using TypedQueue.Storage;

namespace TypedQueue.Scheduling;

/// <summary>
/// The worker's third loop: syncs attribute-declared entries at start, then sleeps until the earliest next run (or the
/// poll interval, to see entries other processes add), fires what is due in one store transaction, and wakes the
/// worker loop so a due occurrence is claimed at once.
/// </summary>
internal sealed class RecurringScheduler
{
    private readonly ITaskStore _store;
    private readonly TaskHandlerTable _handlers;
    private readonly WakeSignal _workerWake;
    private readonly ChangeFeed _changes;
    private readonly TimeProvider _timeProvider;
    private readonly TypedQueueOptions _options;
    private readonly ILogger<RecurringScheduler> _logger;
    private readonly WakeSignal _wake = new();

    public RecurringScheduler(ITaskStore store, TaskHandlerTable handlers, WakeSignal workerWake, ChangeFeed changes, TimeProvider timeProvider, IOptions<TypedQueueOptions> options, ILogger<RecurringScheduler> logger)
    {
        _store = store;
        _handlers = handlers;
        _workerWake = workerWake;
        _changes = changes;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Makes the loop look at the entries again now (an in-process add or update).</summary>
    public void Wake() => _wake.Set();

    public async Task RunAsync(CancellationToken stopping)
    {
        var synced = false;
        var retryDelay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var now = _timeProvider.GetUtcNow();
                var wakeAt = now + _options.PollInterval;
                try
                {
                    if (!synced)
                    {
                        await SyncDeclaredAsync(now, stopping).ConfigureAwait(false);
                        synced = true;
                    }

                    var next = await _store.NextRecurringAtAsync(stopping).ConfigureAwait(false);
                    if (next <= now)
                    {
                        await FireAsync(now, stopping).ConfigureAwait(false);
                        next = await _store.NextRecurringAtAsync(stopping).ConfigureAwait(false);
                    }

                    // An entry still due could not be planned here (say, a zone this machine lacks): poll, do not spin.
                    if (next is { } due && due > now && due < wakeAt)
                    {
                        wakeAt = due;
                    }

                    retryDelay = TimeSpan.FromMilliseconds(100);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A store outage (TaskStoreException) or anything unexpected: the loop must outlive it, as the worker does.
                    Log.RecurringSchedulerFailed(_logger, ex, retryDelay);
                    wakeAt = now + retryDelay;
                    retryDelay = TimeSpan.FromMilliseconds(Math.Min(retryDelay.TotalMilliseconds * 2, 10_000));
                }

                await _wake.WaitUntilAsync(wakeAt, _timeProvider, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FireAsync(DateTimeOffset now, CancellationToken stopping)
    {
        var firings = await _store.FireDueRecurringAsync(now, Plan, stopping).ConfigureAwait(false);
        foreach (var firing in firings)
        {
            Log.RecurringFired(_logger, firing.Id, firing.Name, firing.TaskIds.Count, firing.NextRunAt);
        }

        if (firings.Count > 0)
        {
            _workerWake.Set();
            _changes.Publish();
        }
    }

    /// <summary>Which occurrences of a due entry to enqueue, by its catch-up policy, and its next run after <paramref name="now"/>.</summary>
    private RecurringPlan? Plan(RecurringRow entry, DateTimeOffset now)
    {
        CronSchedule schedule;
        try
        {
            schedule = CronSchedule.Parse(entry.Cron, CronSchedule.FindZone(entry.TimeZone));
        }
        catch (ArgumentException ex)
        {
            Log.RecurringInvalid(_logger, ex, entry.Id);
            return null;
        }

        var policy = entry.CatchUp ?? _options.CatchUp;
        IEnumerable<DateTimeOffset> due = schedule.LatestDue(entry.NextRunAt, now, policy == RecurringCatchUp.All ? _options.MaxCatchUpRuns : 1);
        if (policy == RecurringCatchUp.Skip)
        {
            due = due.Where(at => now - at <= _options.MisfireThreshold);
        }

        return new RecurringPlan([.. due.Select(at => new RecurringRun(at, entry.Payload ?? OccurrencePayload(entry.Id, at)))], schedule.NextAfter(now));
    }

    /// <summary>
    /// Upserts one entry per definition declared with a cron (id = its wire name) and drops declared entries whose
    /// attribute is gone.
    /// </summary>
    private async Task SyncDeclaredAsync(DateTimeOffset now, CancellationToken stopping)
    {
        var declared = new List<RecurringRow>();
        foreach (var definition in _handlers.Definitions)
        {
            if (definition.Cron is not { } cron)
            {
                continue;
            }

            try
            {
                var schedule = CronSchedule.Parse(cron, CronSchedule.FindZone(definition.CronTimeZone));
                declared.Add(new RecurringRow(definition.Name, definition.Name, definition.Queue, definition.Priority, definition.MaxAttempts,
                    cron, schedule.Zone.Id, Payload: null, CatchUp: null, IsDeclared: true, schedule.NextAfter(now)));
            }
            catch (ArgumentException ex)
            {
                Log.RecurringInvalid(_logger, ex, definition.Name);
            }
        }

        await _store.SyncDeclaredRecurringAsync(declared, stopping).ConfigureAwait(false);
        Log.RecurringSynced(_logger, declared.Count);
    }

    /// <summary>The JSON of a <see cref="ScheduledOccurrence"/> as the generated metadata reads it (camelCase).</summary>
    internal static string OccurrencePayload(string id, DateTimeOffset at)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("recurringId", id);
            writer.WriteString("scheduledAt", at);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
