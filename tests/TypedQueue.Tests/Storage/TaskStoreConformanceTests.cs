using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.Tests.Storage;

/// <summary>
/// The behaviour every store must have. A store's test class derives from this and says how to make a fresh store;
/// SQLite and PostgreSQL run the same tests (tests are <c>[SkippableFact]</c> so a store whose server is not configured
/// can skip them; see <c>PostgresServer</c>).
/// </summary>
public abstract class TaskStoreConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private ITaskStore _store = null!;

    internal ITaskStore Store => _store;

    internal abstract ITaskStore CreateStore();

    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CleanUpAsync();
    }

    /// <summary>Removes what the test left behind (a PostgreSQL schema, say), after the store is disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task Insert_returns_ids_in_order_and_get_reads_every_field()
    {
        var ids = await Store.InsertManyAsync([New("a", payload: """{"x":1}""", key: "k-1"), New("b")], default);

        Assert.Equal(2, ids.Length);
        Assert.True(ids[1] > ids[0]);
        var task = await Store.GetAsync(ids[0], default);
        Assert.NotNull(task);
        Assert.Equal("a", task.Name);
        Assert.Equal("default", task.Queue);
        Assert.Equal(TaskState.Pending, task.State);
        Assert.Equal("""{"x":1}""", task.Payload);
        Assert.Equal(0, task.Attempts);
        Assert.Equal(3, task.MaxAttempts);
        Assert.Equal(T0, task.EnqueuedAt);
        Assert.Equal(T0, task.ScheduledAt);
        Assert.Equal("k-1", task.IdempotencyKey);
        Assert.Null(await Store.GetAsync(ids[1] + 1000, default));
    }

    [SkippableFact]
    public async Task Claim_orders_by_priority_then_due_time_then_id_and_takes_no_more_than_asked()
    {
        var ids = await Store.InsertManyAsync(
        [
            New("low", priority: -10),
            New("normal-later", runAt: T0.AddSeconds(-1)),
            New("normal-earlier", runAt: T0.AddSeconds(-2)),
            New("high", priority: 10),
            New("normal-earlier-2", runAt: T0.AddSeconds(-2)),
        ], default);

        var first = await ClaimTasksAsync(Claim("w1", 3));
        var second = await ClaimTasksAsync(Claim("w1", 10));

        Assert.Equal(["high", "normal-earlier", "normal-earlier-2"], first.Select(t => t.Name));
        Assert.Equal(["normal-later", "low"], second.Select(t => t.Name));
        Assert.All(first.Concat(second), t => Assert.Equal(1, t.Attempt));
        Assert.Empty(await ClaimTasksAsync(Claim("w1", 10)));
        Assert.Equal(TaskState.Running, (await Store.GetAsync(ids[0], default))!.State);
    }

    [SkippableFact]
    public async Task A_scheduled_task_is_claimed_only_once_due()
    {
        var ids = await Store.InsertManyAsync([New("later", runAt: T0.AddMinutes(5))], default);

        Assert.Equal(TaskState.Scheduled, (await Store.GetAsync(ids[0], default))!.State);
        var early = await Store.ClaimAvailableAsync(Claim("w", 10, T0.AddMinutes(4)), [], default);
        Assert.Empty(early.Tasks);
        Assert.Equal(T0.AddMinutes(5), early.NextScheduledAt);

        var due = await Store.ClaimAvailableAsync(Claim("w", 10, T0.AddMinutes(5)), [], default);

        Assert.Equal(ids[0], Assert.Single(due.Tasks).Id);
        Assert.Null(due.NextScheduledAt);
    }

    [SkippableFact]
    public async Task Completions_are_written_only_by_the_worker_holding_the_task()
    {
        var ids = await Store.InsertManyAsync([New("a")], default);
        await ClaimTasksAsync(Claim("w1", 1));

        var byOther = await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w2", TaskOutcome.Succeeded, T0, Result: "1")], default);
        Assert.Equal(0, byOther);
        Assert.Equal(TaskState.Running, (await Store.GetAsync(ids[0], default))!.State);

        var byHolder = await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w1", TaskOutcome.Succeeded, T0.AddSeconds(1), Result: "42")], default);
        Assert.Equal(1, byHolder);
        var done = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Equal("42", done.Result);
        Assert.Equal(T0.AddSeconds(1), done.FinishedAt);

        var late = await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w1", TaskOutcome.Dead, T0.AddSeconds(2))], default);
        Assert.Equal(0, late);
        Assert.Equal(TaskState.Succeeded, (await Store.GetAsync(ids[0], default))!.State);
    }

    [SkippableFact]
    public async Task Batched_plain_successes_also_respect_the_holder()
    {
        var ids = await Store.InsertManyAsync([New("a"), New("b"), New("c")], default);
        await ClaimTasksAsync(Claim("w1", 2));
        await ClaimTasksAsync(Claim("w\"2", 1));

        var written = await Store.CompleteManyAsync(
        [
            new TaskCompletion(ids[0], "w1", TaskOutcome.Succeeded, T0.AddSeconds(1)),
            new TaskCompletion(ids[1], "someone else", TaskOutcome.Succeeded, T0.AddSeconds(1)),
            new TaskCompletion(ids[2], "w\"2", TaskOutcome.Succeeded, T0.AddSeconds(2)),
        ], default);

        Assert.Equal(2, written);
        Assert.Equal(T0.AddSeconds(1), (await Store.GetAsync(ids[0], default))!.FinishedAt);
        Assert.Equal(TaskState.Running, (await Store.GetAsync(ids[1], default))!.State);
        Assert.Equal(T0.AddSeconds(2), (await Store.GetAsync(ids[2], default))!.FinishedAt);
    }

    [SkippableFact]
    public async Task A_claim_writes_the_outcomes_it_carries_before_claiming()
    {
        var ids = await Store.InsertManyAsync([New("first"), New("second")], default);
        var first = Assert.Single(await ClaimTasksAsync(Claim("w", 1)));

        var result = await Store.ClaimAvailableAsync(
            Claim("w", 1),
            [new TaskCompletion(first.Id, "w", TaskOutcome.Retry, T0, Error: new TaskError("T", "m", null), RetryAt: T0.AddSeconds(30))],
            default);

        Assert.Equal(ids[1], Assert.Single(result.Tasks).Id);
        Assert.Equal(T0.AddSeconds(30), result.NextScheduledAt); // the retry it just wrote
        Assert.Equal(TaskState.Scheduled, (await Store.GetAsync(ids[0], default))!.State);

        var flushOnly = await Store.ClaimAvailableAsync(Claim("w", 0), [new TaskCompletion(ids[1], "w", TaskOutcome.Succeeded, T0)], default);
        Assert.Empty(flushOnly.Tasks);
        Assert.Equal(TaskState.Succeeded, (await Store.GetAsync(ids[1], default))!.State);
    }

    [SkippableFact]
    public async Task Many_outcomes_in_one_batch_each_reach_their_own_task_once()
    {
        // 37 plain successes (more than one statement's worth on SQLite), each with its own time, mixed with a success
        // that has a result, a dead task, a late finisher that no longer holds its task and, last, a success for a task
        // that was never claimed.
        var ids = await Store.InsertManyAsync([.. Enumerable.Range(0, 41).Select(i => New($"t{i}"))], default);
        Assert.Equal(40, (await ClaimTasksAsync(Claim("w", 40))).Count);
        TaskCompletion Outcome(long id, int i) => i switch
        {
            5 => new TaskCompletion(id, "w", TaskOutcome.Succeeded, T0.AddSeconds(i), Result: "42"),
            20 => new TaskCompletion(id, "w", TaskOutcome.Dead, T0.AddSeconds(i), Error: new TaskError("T", "m", null)),
            33 => new TaskCompletion(id, "gone", TaskOutcome.Succeeded, T0.AddSeconds(i)),
            _ => new TaskCompletion(id, "w", TaskOutcome.Succeeded, T0.AddSeconds(i)),
        };

        Assert.Equal(39, await Store.CompleteManyAsync([.. ids.Select((id, i) => Outcome(id, i))], default));

        for (var i = 0; i < ids.Length; i++)
        {
            var task = (await Store.GetAsync(ids[i], default))!;
            Assert.Equal(i switch { 20 => TaskState.Dead, 33 => TaskState.Running, 40 => TaskState.Pending, _ => TaskState.Succeeded }, task.State);
            Assert.Equal(i is 33 or 40 ? null : T0.AddSeconds(i), task.FinishedAt);
            Assert.Equal(i == 5 ? "42" : null, task.Result);
        }

        // The never-claimed task now runs under the same worker: a later, smaller batch of another task's outcome leaves it be.
        Assert.Equal(ids[40], Assert.Single(await ClaimTasksAsync(Claim("w", 1))).Id);
        Assert.Equal(1, await Store.CompleteManyAsync([new TaskCompletion(ids[33], "w", TaskOutcome.Succeeded, T0.AddMinutes(1))], default));
        Assert.Equal(TaskState.Running, (await Store.GetAsync(ids[40], default))!.State);
        Assert.Equal(TaskState.Succeeded, (await Store.GetAsync(ids[33], default))!.State);
    }

    [SkippableFact]
    public async Task A_task_twice_in_one_batch_keeps_its_first_outcome()
    {
        // A rescued lease can leave two finished runs of one task by the same worker in one batch: the first outcome stands.
        var ids = await Store.InsertManyAsync([New("a"), New("b")], default);
        Assert.Equal(2, (await ClaimTasksAsync(Claim("w", 2))).Count);

        var written = await Store.CompleteManyAsync(
        [
            new TaskCompletion(ids[0], "w", TaskOutcome.Succeeded, T0.AddSeconds(1)),
            new TaskCompletion(ids[1], "w", TaskOutcome.Succeeded, T0.AddSeconds(1)),
            new TaskCompletion(ids[0], "w", TaskOutcome.Released, T0.AddSeconds(2)),
        ], default);

        Assert.Equal(2, written);
        var first = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Succeeded, first.State);
        Assert.Equal(T0.AddSeconds(1), first.FinishedAt);
        Assert.Equal(TaskState.Succeeded, (await Store.GetAsync(ids[1], default))!.State);
    }

    [SkippableFact]
    public async Task Retry_schedules_the_task_again_and_keeps_the_error()
    {
        var ids = await Store.InsertManyAsync([New("a")], default);
        await ClaimTasksAsync(Claim("w", 1));
        var error = new TaskError("System.InvalidOperationException", "boom", "at X()");

        await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Retry, T0, Error: error, RetryAt: T0.AddSeconds(30))], default);

        var task = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Scheduled, task.State);
        Assert.Equal(T0.AddSeconds(30), task.ScheduledAt);
        Assert.Equal(1, task.Attempts);
        Assert.Equal(error, task.LastError);
        Assert.Null(task.FinishedAt);
        var again = await ClaimTasksAsync(Claim("w", 1, T0.AddSeconds(30)));
        Assert.Equal(2, Assert.Single(again).Attempt);
    }

    [SkippableFact]
    public async Task Dead_is_final_and_released_gives_the_attempt_back()
    {
        var ids = await Store.InsertManyAsync([New("dead"), New("released")], default);
        await ClaimTasksAsync(Claim("w", 2));

        await Store.CompleteManyAsync(
        [
            new TaskCompletion(ids[0], "w", TaskOutcome.Dead, T0, Error: new TaskError("T", "m", null)),
            new TaskCompletion(ids[1], "w", TaskOutcome.Released, T0),
        ], default);

        var dead = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Dead, dead.State);
        Assert.Equal(T0, dead.FinishedAt);
        var released = (await Store.GetAsync(ids[1], default))!;
        Assert.Equal(TaskState.Pending, released.State);
        Assert.Equal(0, released.Attempts);
    }

    [SkippableFact]
    public async Task A_task_given_back_after_its_cancellation_was_requested_ends_cancelled_not_pending()
    {
        // A worker gives a task back unstarted (it stops, or a task it claimed ahead waited too long) after someone asked
        // to cancel it: the request stands. Pending, it would run later as if never cancelled.
        var ids = await Store.InsertManyAsync([New("cancelled"), New("kept")], default);
        await ClaimTasksAsync(Claim("w", 2));
        Assert.Equal(CancelResult.CancellationRequested, await Store.CancelAsync(ids[0], T0, default));

        await Store.CompleteManyAsync(
        [
            new TaskCompletion(ids[0], "w", TaskOutcome.Released, T0.AddSeconds(1)),
            new TaskCompletion(ids[1], "w", TaskOutcome.Released, T0.AddSeconds(1)),
        ], default);

        var cancelled = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal((TaskState.Cancelled, 0, T0.AddSeconds(1)), (cancelled.State, cancelled.Attempts, cancelled.FinishedAt));
        var kept = (await Store.GetAsync(ids[1], default))!;
        Assert.Equal((TaskState.Pending, 0, (DateTimeOffset?)null), (kept.State, kept.Attempts, kept.FinishedAt));
        Assert.Equal(["kept"], (await ClaimTasksAsync(Claim("w", 10))).Select(t => t.Name));
    }

    [SkippableFact]
    public async Task Counts_lists_and_purge_see_states_per_queue()
    {
        var ids = await Store.InsertManyAsync([New("a"), New("b", queue: "emails"), New("c", queue: "emails"), New("d", runAt: T0.AddHours(1))], default);
        var claimed = await ClaimTasksAsync(Claim("w", 1));
        await Store.CompleteManyAsync([new TaskCompletion(claimed[0].Id, "w", TaskOutcome.Succeeded, T0)], default);

        Assert.True(await Store.AnyUnfinishedAsync(default));
        var counts = await Store.CountByQueueAndStateAsync(default);
        var stats = new TaskStatistics(counts);
        Assert.Equal(1, stats.Count(TaskState.Succeeded));
        Assert.Equal(2, stats.Count("emails", TaskState.Pending));
        Assert.Equal(1, stats.Count(TaskState.Scheduled));
        Assert.Equal(4, stats.Total);

        var page1 = await Store.ListTasksAsync(new TaskQuery { State = TaskState.Pending, Limit = 1 }, default);
        var page2 = await Store.ListTasksAsync(new TaskQuery { State = TaskState.Pending, Limit = 1, AfterId = page1[0].Id }, default);
        var page3 = await Store.ListTasksAsync(new TaskQuery { State = TaskState.Pending, Limit = 1, AfterId = page2[0].Id }, default);
        Assert.Equal([ids[1]], page1.Select(t => t.Id));
        Assert.Equal([ids[2]], page2.Select(t => t.Id));
        Assert.Empty(page3);

        Assert.Equal(0, await Store.DeleteFinishedBeforeAsync(T0, default));
        Assert.Equal(1, await Store.DeleteFinishedBeforeAsync(T0.AddTicks(TimeSpan.TicksPerMillisecond), default));
        Assert.Null(await Store.GetAsync(claimed[0].Id, default));
        Assert.Equal(3, new TaskStatistics(await Store.CountByQueueAndStateAsync(default)).Total);
    }

    [SkippableFact]
    public async Task Any_unfinished_sees_scheduled_pending_and_running_tasks_only()
    {
        Assert.False(await Store.AnyUnfinishedAsync(default));
        var ids = await Store.InsertManyAsync([New("later", runAt: T0.AddHours(1))], default);
        Assert.True(await Store.AnyUnfinishedAsync(default));
        Assert.Equal(CancelResult.Cancelled, await Store.CancelAsync(ids[0], T0, default));
        Assert.False(await Store.AnyUnfinishedAsync(default));
    }

    [SkippableFact]
    public async Task Migrate_is_idempotent()
    {
        await Store.MigrateAsync(default);
        await Store.MigrateAsync(default);
        var ids = await Store.InsertManyAsync([New("a")], default);
        Assert.Single(ids);
    }

    [SkippableFact]
    public async Task Expired_leases_are_rescued_and_a_late_finisher_cannot_overwrite()
    {
        var ids = await Store.InsertManyAsync([New("a"), New("last-attempt")], default);
        await ClaimTasksAsync(Claim("w1", 2)); // leases until T0 + 5 min
        await Store.CompleteManyAsync([new TaskCompletion(ids[1], "w1", TaskOutcome.Retry, T0, Error: new TaskError("T", "m", null), RetryAt: T0)], default);
        await ClaimTasksAsync(Claim("w1", 1));
        await Store.CompleteManyAsync([new TaskCompletion(ids[1], "w1", TaskOutcome.Retry, T0, Error: new TaskError("T", "m", null), RetryAt: T0)], default);
        await ClaimTasksAsync(Claim("w1", 1)); // third and last attempt of "last-attempt"

        Assert.Equal(0, await Store.RescueExpiredAsync(T0.AddMinutes(5), default));
        Assert.Equal(2, await Store.RescueExpiredAsync(T0.AddMinutes(5).AddMilliseconds(1), default));

        var rescued = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Pending, rescued.State);
        Assert.Equal(1, rescued.Attempts);
        Assert.Equal("TypedQueue.LeaseExpired", rescued.LastError?.Type);
        var exhausted = (await Store.GetAsync(ids[1], default))!;
        Assert.Equal(TaskState.Dead, exhausted.State);

        var reclaimed = await ClaimTasksAsync(Claim("w2", 1, T0.AddMinutes(6)));
        Assert.Equal(ids[0], Assert.Single(reclaimed).Id);
        Assert.Equal(2, reclaimed[0].Attempt);
        Assert.Equal(0, await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w1", TaskOutcome.Succeeded, T0.AddMinutes(6), Result: "late")], default));
        Assert.Equal(1, await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w2", TaskOutcome.Succeeded, T0.AddMinutes(6), Result: "on time")], default));
        Assert.Equal("on time", (await Store.GetAsync(ids[0], default))!.Result);
    }

    [SkippableFact]
    public async Task Heartbeats_extend_only_the_workers_own_leases()
    {
        var ids = await Store.InsertManyAsync([New("a"), New("b")], default);
        await ClaimTasksAsync(Claim("w1", 1));
        await ClaimTasksAsync(Claim("w2", 1));

        Assert.Empty(await Store.ExtendLeasesAsync("w1", T0.AddMinutes(20), default));
        Assert.Equal(1, await Store.RescueExpiredAsync(T0.AddMinutes(10), default));

        Assert.Equal(TaskState.Running, (await Store.GetAsync(ids[0], default))!.State);
        Assert.Equal(TaskState.Pending, (await Store.GetAsync(ids[1], default))!.State);
    }

    [SkippableFact]
    public async Task Cancel_stops_waiting_tasks_and_flags_running_ones_for_their_worker()
    {
        var ids = await Store.InsertManyAsync([New("running"), New("pending"), New("scheduled", runAt: T0.AddHours(1))], default);
        await ClaimTasksAsync(Claim("w", 1));

        Assert.Equal(CancelResult.CancellationRequested, await Store.CancelAsync(ids[0], T0, default));
        Assert.Equal(CancelResult.Cancelled, await Store.CancelAsync(ids[1], T0, default));
        Assert.Equal(CancelResult.Cancelled, await Store.CancelAsync(ids[2], T0, default));
        Assert.Equal(CancelResult.NotFound, await Store.CancelAsync(ids[2] + 100, T0, default));

        Assert.Equal([ids[0]], await Store.ExtendLeasesAsync("w", T0.AddMinutes(10), default));
        Assert.Empty(await ClaimTasksAsync(Claim("w", 10, T0.AddHours(2))));
        await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Cancelled, T0)], default);
        Assert.Equal(CancelResult.AlreadyFinished, await Store.CancelAsync(ids[0], T0, default));
        Assert.Equal(3, new TaskStatistics(await Store.CountByQueueAndStateAsync(default)).Count(TaskState.Cancelled));
    }

    [SkippableFact]
    public async Task Requeue_gives_dead_and_cancelled_tasks_a_fresh_start()
    {
        var ids = await Store.InsertManyAsync([New("dead"), New("pending")], default);
        await ClaimTasksAsync(Claim("w", 1));
        await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Dead, T0, Error: new TaskError("T", "m", null))], default);

        Assert.True(await Store.RequeueAsync(ids[0], T0.AddMinutes(1), default));
        Assert.False(await Store.RequeueAsync(ids[1], T0.AddMinutes(1), default));

        var requeued = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal(TaskState.Pending, requeued.State);
        Assert.Equal(0, requeued.Attempts);
        Assert.Null(requeued.FinishedAt);
        Assert.Equal("T", requeued.LastError?.Type);
    }

    [SkippableFact]
    public async Task External_writes_are_noticed_and_quiet_polls_are_not()
    {
        await Store.HasExternalWritesAsync(default); // first call sets the baseline
        Assert.False(await Store.HasExternalWritesAsync(default));

        await using (var other = CreateStore())
        {
            await other.InsertManyAsync([New("from another process")], default);
        }

        Assert.True(await Store.HasExternalWritesAsync(default));
        Assert.False(await Store.HasExternalWritesAsync(default));
    }

    [SkippableFact]
    public async Task Concurrent_inserts_share_transactions_and_each_caller_gets_its_own_ids()
    {
        var batches = Enumerable.Range(0, 32).Select(i => (IReadOnlyList<NewTask>)[New($"t{i}-a"), New($"t{i}-b")]).ToList();

        var results = await Task.WhenAll(batches.Select(b => Task.Run(() => Store.InsertManyAsync(b, default))));

        Assert.Equal(64, results.SelectMany(r => r).Distinct().Count());
        for (var i = 0; i < batches.Count; i++)
        {
            Assert.Equal($"t{i}-a", (await Store.GetAsync(results[i][0], default))!.Name);
            Assert.Equal($"t{i}-b", (await Store.GetAsync(results[i][1], default))!.Name);
        }
    }

    [SkippableFact]
    public async Task Upserting_a_recurring_entry_keeps_its_next_run_unless_the_schedule_changes()
    {
        await Store.UpsertRecurringAsync(Recurring("r", "0 * * * *", T0.AddHours(1)), default);
        await Store.UpsertRecurringAsync(Recurring("r", "0 * * * *", T0.AddHours(2)) with { Payload = """{"v":2}""", Priority = 7 }, default);
        var kept = Assert.Single(await Store.ListRecurringAsync(default));
        Assert.Equal((T0.AddHours(1), """{"v":2}""", 7), (kept.NextRunAt, kept.Payload, kept.Priority));

        await Store.UpsertRecurringAsync(Recurring("r", "*/5 * * * *", T0.AddMinutes(5)), default);
        Assert.Equal(T0.AddMinutes(5), (await Store.NextRecurringAtAsync(default))!.Value);
        Assert.True(await Store.DeleteRecurringAsync("r", default));
        Assert.False(await Store.DeleteRecurringAsync("r", default));
        Assert.Null(await Store.NextRecurringAtAsync(default));
    }

    [SkippableFact]
    public async Task Syncing_declared_entries_drops_declared_ones_no_longer_declared_and_keeps_api_ones()
    {
        await Store.UpsertRecurringAsync(Recurring("api", "@daily", T0.AddDays(1)), default);
        await Store.UpsertRecurringAsync(Recurring("old", "@daily", T0.AddDays(1)) with { IsDeclared = true }, default);

        await Store.SyncDeclaredRecurringAsync([Recurring("new", "@hourly", T0.AddHours(1)) with { IsDeclared = true }], default);

        var entries = await Store.ListRecurringAsync(default);
        Assert.Equal([("api", false), ("new", true)], entries.Select(e => (e.Id, e.IsDeclared)));
    }

    [SkippableFact]
    public async Task Firing_enqueues_the_planned_occurrences_once_and_advances_the_entry()
    {
        await Store.UpsertRecurringAsync(Recurring("r", "*/5 * * * *", T0.AddMinutes(5)), default);
        await Store.UpsertRecurringAsync(Recurring("later", "@daily", T0.AddDays(1)), default);
        var now = T0.AddMinutes(10);
        RecurringPlan Plan(RecurringRow row, DateTimeOffset at) =>
            new([new RecurringRun(row.NextRunAt, "{}"), new RecurringRun(row.NextRunAt.AddMinutes(5), "{}")], at.AddMinutes(5));

        var firing = Assert.Single(await Store.FireDueRecurringAsync(now, Plan, default));
        Assert.Equal(("r", 2), (firing.Id, firing.TaskIds.Count));
        Assert.Empty(await Store.FireDueRecurringAsync(now, Plan, default));

        var entry = (await Store.ListRecurringAsync(default)).Single(e => e.Id == "r");
        Assert.Equal((T0.AddMinutes(15), T0.AddMinutes(10)), (entry.NextRunAt, entry.LastRunAt!.Value));
        var task = (await Store.GetAsync(firing.TaskIds[0], default))!;
        Assert.Equal(("job", T0.AddMinutes(5), $"cron:r:{T0.AddMinutes(5).ToUnixTimeMilliseconds()}"), (task.Name, task.ScheduledAt, task.IdempotencyKey));

        // Even a plan that repeats an occurrence already enqueued gets the existing task back, not a second one.
        await Store.UpsertRecurringAsync(Recurring("r", "*/7 * * * *", T0), default);
        var again = Assert.Single(await Store.FireDueRecurringAsync(now, (_, at) => new([new RecurringRun(T0.AddMinutes(5), "{}")], at.AddMinutes(7)), default));
        Assert.Equal(firing.TaskIds[0], Assert.Single(again.TaskIds));
    }

    [SkippableFact]
    public async Task The_trace_context_of_an_enqueue_comes_back_with_the_claim()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        await Store.InsertManyAsync(
        [
            New("traced") with { TraceParent = traceParent, TraceState = "vendor=a" },
            New("untraced"),
        ], default);

        var claimed = (await ClaimTasksAsync(Claim("w", 10))).ToDictionary(t => t.Name);

        Assert.Equal((traceParent, "vendor=a"), (claimed["traced"].TraceParent, claimed["traced"].TraceState));
        Assert.Equal(((string?)null, (string?)null), (claimed["untraced"].TraceParent, claimed["untraced"].TraceState));
    }

    [SkippableFact]
    public async Task Health_reports_ready_tasks_the_oldest_due_time_and_expired_leases_nobody_rescued()
    {
        var empty = await Store.GetHealthAsync(T0, T0, default);
        Assert.Equal(new StoreHealth(true, 0, null, 0, null), empty);

        await Store.InsertManyAsync(
        [
            New("orphaned", runAt: T0.AddMinutes(-10)),
            New("pending-a"),
            New("due-later", runAt: T0.AddMinutes(1)),
            New("pending-b"),
        ], default);
        var leased = await Store.ClaimAvailableAsync(new ClaimRequest("ghost", 1, T0, T0.AddMinutes(1)), [], default);
        Assert.Equal("orphaned", Assert.Single(leased.Tasks).Name);

        var now = T0.AddMinutes(3);
        var health = await Store.GetHealthAsync(now, now.AddMinutes(-1), default);

        // pending-a and pending-b wait since T0; due-later is scheduled and due by now; orphaned runs under an expired lease.
        Assert.Equal(3, health.ReadyTasks);
        Assert.Equal(T0, health.OldestReadySince);
        Assert.Equal((1, T0.AddMinutes(1)), (health.ExpiredLeases, health.OldestExpiredLease!.Value));
        Assert.Equal(0, (await Store.GetHealthAsync(now, T0.AddMinutes(1), default)).ExpiredLeases);
    }

    [SkippableFact]
    public async Task A_paused_queue_keeps_its_tasks_pending_and_claims_skip_it_until_resumed()
    {
        var ids = await Store.InsertManyAsync([New("mail-high", queue: "emails", priority: 10), New("mail", queue: "emails"), New("a", runAt: T0.AddSeconds(-1)), New("b")], default);
        Assert.Empty(await ClaimTasksAsync(Claim("w", 0))); // reads the flags once, before the pause

        Assert.True(await Store.SetQueuePausedAsync("emails", true, T0, default));
        Assert.False(await Store.SetQueuePausedAsync("emails", true, T0.AddSeconds(1), default));
        Assert.Equal(["a", "b"], (await ClaimTasksAsync(Claim("w", 10))).Select(t => t.Name));

        var untouched = (await Store.GetAsync(ids[0], default))!;
        Assert.Equal((TaskState.Pending, 0, (DateTimeOffset?)null), (untouched.State, untouched.Attempts, untouched.StartedAt));
        Assert.Equal([new QueueInfo("default", false, null), new QueueInfo("emails", true, T0)], await Store.ListQueuesAsync(default));

        Assert.True(await Store.SetQueuePausedAsync("emails", false, T0.AddSeconds(2), default));
        Assert.False(await Store.SetQueuePausedAsync("emails", false, T0.AddSeconds(3), default));
        Assert.Equal(["mail-high", "mail"], (await ClaimTasksAsync(Claim("w", 10))).Select(t => t.Name));
        Assert.Equal([new QueueInfo("default", false, null), new QueueInfo("emails", false, null)], await Store.ListQueuesAsync(default));
    }

    [SkippableFact]
    public async Task A_pause_written_by_another_process_holds_for_this_stores_next_claim()
    {
        await Store.InsertManyAsync([New("mail", queue: "emails"), New("a")], default);
        Assert.Empty(await ClaimTasksAsync(Claim("w", 0))); // this store has read the (empty) flags

        await using (var other = CreateStore())
        {
            Assert.True(await other.SetQueuePausedAsync("emails", true, T0, default));
        }

        Assert.Equal(["a"], (await ClaimTasksAsync(Claim("w", 10))).Select(t => t.Name));
        Assert.Empty(await ClaimTasksAsync(Claim("w", 10)));

        await using (var other = CreateStore())
        {
            Assert.True(await other.SetQueuePausedAsync("emails", false, T0, default));
        }

        Assert.Equal(["mail"], (await ClaimTasksAsync(Claim("w", 10))).Select(t => t.Name));
    }

    [SkippableFact]
    public async Task A_lifo_queue_hands_out_its_newest_task_first_within_a_priority()
    {
        await Store.InsertManyAsync(
        [
            New("old", queue: "stack", runAt: T0.AddSeconds(-3)),
            New("urgent-old", queue: "stack", priority: 10, runAt: T0.AddSeconds(-4)),
            New("middle", queue: "stack", runAt: T0.AddSeconds(-2)),
            New("other-name-newest", queue: "stack", runAt: T0.AddSeconds(-1)),
            New("fifo-old", queue: "line", runAt: T0.AddSeconds(-3)),
            New("fifo-new", queue: "line", runAt: T0.AddSeconds(-1)),
        ], default);
        var policy = Policy(QueueOrder.Strict, queues: new() { ["stack"] = new QueuePolicy(2, TaskOrder.Lifo, null) });

        var first = await ClaimTasksAsync(Claim("w", 3) with { Policy = policy });
        var rest = await ClaimTasksAsync(Claim("w", 10) with { Policy = policy });

        Assert.Equal(["urgent-old", "other-name-newest", "middle"], first.Select(t => t.Name));
        Assert.Equal(["old", "fifo-old", "fifo-new"], rest.Select(t => t.Name));
    }

    [SkippableFact]
    public async Task A_claim_takes_no_more_from_a_queue_than_its_free_slots()
    {
        await Store.InsertManyAsync([New("m1", queue: "emails"), New("m2", queue: "emails"), New("m3", queue: "emails"), New("a"), New("b")], default);

        var first = await ClaimTasksAsync(Claim("w", 10) with { QueueSlots = new Dictionary<string, int> { ["emails"] = 1 } });
        var none = await ClaimTasksAsync(Claim("w", 10) with { QueueSlots = new Dictionary<string, int> { ["emails"] = 0 } });
        var second = await ClaimTasksAsync(Claim("w", 10) with { QueueSlots = new Dictionary<string, int> { ["emails"] = 2 } });

        Assert.Equal(["m1", "a", "b"], first.Select(t => t.Name));
        Assert.Empty(none);
        Assert.Equal(["m2", "m3"], second.Select(t => t.Name));
    }

    [SkippableFact]
    public async Task A_task_rate_limit_allows_n_starts_per_window_across_stores_and_says_when_the_next_is_allowed()
    {
        await Store.InsertManyAsync([.. Enumerable.Range(0, 5).Select(_ => New("api")), New("other")], default);
        var policy = Policy(QueueOrder.Priority, names: new() { ["api"] = new RateLimit(2, TimeSpan.FromSeconds(10)) });

        var first = await Store.ClaimAvailableAsync(Claim("w", 10) with { Policy = policy }, [], default);
        Assert.Equal(["api", "api", "other"], first.Tasks.Select(t => t.Name));
        Assert.Equal(T0.AddSeconds(10), first.NextAllowedAt);

        var held = await Store.ClaimAvailableAsync(Claim("w", 10, T0.AddSeconds(9.999)) with { Policy = policy }, [], default);
        Assert.Empty(held.Tasks);
        Assert.Equal(T0.AddSeconds(10), held.NextAllowedAt);

        await using (var other = CreateStore())
        {
            var elsewhere = await other.ClaimAvailableAsync(Claim("w2", 1, T0.AddSeconds(10)) with { Policy = policy }, [], default);
            Assert.Equal("api", Assert.Single(elsewhere.Tasks).Name);
        }

        var again = await Store.ClaimAvailableAsync(Claim("w", 10, T0.AddSeconds(11)) with { Policy = policy }, [], default);
        Assert.Equal("api", Assert.Single(again.Tasks).Name); // the other store's start counts against the limit
        Assert.Equal(T0.AddSeconds(20), again.NextAllowedAt);
        Assert.Single(await ClaimTasksAsync(Claim("w", 10, T0.AddSeconds(20)) with { Policy = policy }));
    }

    [SkippableFact]
    public async Task A_queue_rate_limit_counts_every_task_name_of_the_queue()
    {
        await Store.InsertManyAsync([New("a", queue: "api"), New("b", queue: "api"), New("c", queue: "api"), New("free")], default);
        var policy = Policy(QueueOrder.Priority, queues: new() { ["api"] = new QueuePolicy(1, TaskOrder.Fifo, new RateLimit(2, TimeSpan.FromMinutes(1))) });

        var first = await Store.ClaimAvailableAsync(Claim("w", 10) with { Policy = policy }, [], default);
        var later = await Store.ClaimAvailableAsync(Claim("w", 10, T0.AddMinutes(1)) with { Policy = policy }, [], default);

        Assert.Equal(["a", "b", "free"], first.Tasks.Select(t => t.Name));
        Assert.Equal(T0.AddMinutes(1), first.NextAllowedAt);
        Assert.Equal(["c"], later.Tasks.Select(t => t.Name));
    }

    [SkippableFact]
    public async Task Strict_order_serves_heavier_queues_first_whatever_the_task_priorities()
    {
        await Store.InsertManyAsync(
        [
            New("low-1", queue: "low", priority: 20), New("low-2", queue: "low", priority: 20), New("high-1", queue: "high", priority: -10),
            New("high-2", queue: "high"), New("also-light", queue: "also-low", priority: 30),
        ], default);
        var policy = Policy(QueueOrder.Strict, queues: new() { ["high"] = new QueuePolicy(5, TaskOrder.Fifo, null) });

        var claimed = await ClaimTasksAsync(Claim("w", 4) with { Policy = policy });

        // Equal weights (low, also-low) fall back to task priority between them.
        Assert.Equal(["high-2", "high-1", "also-light", "low-1"], claimed.Select(t => t.Name));
    }

    [SkippableFact]
    public async Task Weighted_order_shares_slots_by_weight_over_many_small_claims_and_within_one()
    {
        await Store.InsertManyAsync([.. Enumerable.Range(0, 12).Select(i => New($"a{i:00}", queue: "a")), .. Enumerable.Range(0, 12).Select(i => New($"b{i:00}", queue: "b"))], default);
        var policy = Policy(QueueOrder.Weighted, queues: new() { ["a"] = new QueuePolicy(3, TaskOrder.Fifo, null) });

        var oneByOne = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            oneByOne.Add(Assert.Single(await ClaimTasksAsync(Claim("w", 1) with { Policy = policy })).Queue);
        }

        var batch = await ClaimTasksAsync(Claim("w", 4) with { Policy = policy });

        Assert.Equal(["a", "a", "b", "a", "a", "a", "b", "a"], oneByOne);
        Assert.Equal((3, 1), (batch.Count(t => t.Queue == "a"), batch.Count(t => t.Queue == "b")));
    }

    [SkippableFact]
    public async Task Delete_removes_a_task_that_is_not_running_and_releases_its_key()
    {
        var ids = await Store.InsertManyAsync([New("running"), New("keyed", key: "k"), New("later", runAt: T0.AddHours(1))], default);
        Assert.Equal("running", Assert.Single(await ClaimTasksAsync(Claim("w", 1))).Name);

        Assert.Equal(DeleteResult.Running, await Store.DeleteAsync(ids[0], default));
        Assert.Equal(DeleteResult.Deleted, await Store.DeleteAsync(ids[1], default));
        Assert.Equal(DeleteResult.Deleted, await Store.DeleteAsync(ids[2], default));
        Assert.Equal(DeleteResult.NotFound, await Store.DeleteAsync(ids[2], default));

        Assert.NotNull(await Store.GetAsync(ids[0], default));
        Assert.Null(await Store.GetAsync(ids[1], default));
        Assert.Empty(await ClaimTasksAsync(Claim("w", 10, T0.AddHours(2))));
        var again = await Store.InsertManyAsync([New("keyed", key: "k")], default);
        // The key was released: a new task exists (a held key would have returned the deleted holder's id, which reads null).
        Assert.Equal(("keyed", TaskState.Pending), await Store.GetAsync(again[0], default) is { } fresh ? (fresh.Name, fresh.State) : default);

        await Store.CompleteManyAsync([new TaskCompletion(ids[0], "w", TaskOutcome.Succeeded, T0)], default);
        Assert.Equal(DeleteResult.Deleted, await Store.DeleteAsync(ids[0], default));
    }

    [SkippableFact]
    public async Task A_finished_holder_keeps_its_key_for_its_unique_window_and_not_a_millisecond_longer()
    {
        var window = TimeSpan.FromMinutes(1);
        var first = (await Store.InsertManyAsync([New("u", key: "k") with { UniqueWindow = window }], default))[0];
        Assert.Equal([first], await Store.InsertManyAsync([New("u", key: "k")], default));
        Assert.Equal(first, Assert.Single(await ClaimTasksAsync(Claim("w", 1))).Id);
        Assert.Equal([first], await Store.InsertManyAsync([New("u", key: "k")], default));

        var finished = T0.AddSeconds(10);
        await Store.CompleteManyAsync([new TaskCompletion(first, "w", TaskOutcome.Succeeded, finished)], default);
        Assert.Equal([first], await Store.InsertManyAsync([Later(New("u", key: "k"), finished + window - TimeSpan.FromMilliseconds(1))], default));
        var second = await Store.InsertManyAsync([Later(New("u", key: "k"), finished + window)], default);

        Assert.NotEqual(first, second[0]);
        Assert.Equal("k", (await Store.GetAsync(second[0], default))?.IdempotencyKey);
        Assert.Equal(second, await Store.InsertManyAsync([Later(New("u", key: "k"), finished + window)], default));
    }

    [SkippableFact]
    public async Task A_requeued_holder_holds_its_key_again_until_it_finishes_again()
    {
        var dead = (await Store.InsertManyAsync([New("u", key: "k")], default))[0];
        await ClaimTasksAsync(Claim("w", 1));
        await Store.CompleteManyAsync([new TaskCompletion(dead, "w", TaskOutcome.Dead, T0, Error: new TaskError("T", "m", null))], default);

        Assert.True(await Store.RequeueAsync(dead, T0.AddSeconds(1), default));
        Assert.Equal([dead], await Store.InsertManyAsync([Later(New("u", key: "k"), T0.AddSeconds(2))], default));

        Assert.Equal(dead, Assert.Single(await ClaimTasksAsync(Claim("w", 1, T0.AddSeconds(3)))).Id);
        await Store.CompleteManyAsync([new TaskCompletion(dead, "w", TaskOutcome.Succeeded, T0.AddSeconds(3))], default);
        Assert.NotEqual([dead], await Store.InsertManyAsync([Later(New("u", key: "k"), T0.AddSeconds(4))], default));
    }

    [SkippableFact]
    public async Task Cancel_and_rescue_release_a_key_only_when_they_finish_its_holder()
    {
        var ids = await Store.InsertManyAsync(
            [New("cancelled", key: "c"), New("rescued", key: "r") with { MaxAttempts = 2 }, New("running", key: "x")], default);
        Assert.Equal(CancelResult.Cancelled, await Store.CancelAsync(ids[0], T0, default));
        Assert.Equal(2, (await ClaimTasksAsync(Claim("w", 10))).Count);
        Assert.Equal(CancelResult.CancellationRequested, await Store.CancelAsync(ids[2], T0, default));

        // A cancelled waiting task is finished: its key is free. A running task asked to cancel still holds its key.
        var now = T0.AddSeconds(1);
        Assert.NotEqual([ids[0]], await Store.InsertManyAsync([Later(New("cancelled", key: "c"), now)], default));
        Assert.Equal([ids[2]], await Store.InsertManyAsync([Later(New("running", key: "x"), now)], default));

        // A rescue that gives the task another attempt keeps the key held; one that ends it (dead, or cancelled as
        // requested) frees it.
        Assert.Equal(2, await Store.RescueExpiredAsync(T0.AddMinutes(6), default));
        Assert.Equal(TaskState.Pending, (await Store.GetAsync(ids[1], default))?.State);
        Assert.Equal(TaskState.Cancelled, (await Store.GetAsync(ids[2], default))?.State);
        now = T0.AddMinutes(7);
        Assert.Equal([ids[1]], await Store.InsertManyAsync([Later(New("rescued", key: "r"), now)], default));
        Assert.NotEqual([ids[2]], await Store.InsertManyAsync([Later(New("running", key: "x"), now)], default));

        Assert.Equal(ids[1], Assert.Single(await ClaimTasksAsync(Claim("w", 1, now))).Id);
        Assert.Equal(1, await Store.RescueExpiredAsync(now.AddMinutes(6), default));
        Assert.Equal(TaskState.Dead, (await Store.GetAsync(ids[1], default))?.State);
        Assert.NotEqual([ids[1]], await Store.InsertManyAsync([Later(New("rescued", key: "r"), now.AddMinutes(7))], default));
    }

    [SkippableFact]
    public async Task A_purged_holder_frees_its_key()
    {
        var window = TimeSpan.FromDays(1);
        var first = (await Store.InsertManyAsync([New("u", key: "k") with { UniqueWindow = window }], default))[0];
        await ClaimTasksAsync(Claim("w", 1));
        await Store.CompleteManyAsync([new TaskCompletion(first, "w", TaskOutcome.Succeeded, T0)], default);

        // Purging ignores the window: once the holder is gone, its key is free.
        Assert.Equal(1, await Store.DeleteFinishedBeforeAsync(T0.AddSeconds(1), default));
        var second = await Store.InsertManyAsync([Later(New("u", key: "k"), T0.AddSeconds(2))], default);

        Assert.NotEqual(first, second[0]);
        Assert.NotNull(await Store.GetAsync(second[0], default));
    }

    [SkippableFact]
    public async Task Listing_by_each_state_walks_only_that_states_tasks_in_id_order()
    {
        // Two tasks in each state, the second in another queue, interleaved by id so every walk skips other states.
        string[] names = ["scheduled", "pending", "running", "succeeded", "dead", "cancelled"];
        var ids = await Store.InsertManyAsync(
            [.. new[] { "default", "other" }.SelectMany(queue => names.Select(name => New(name, queue: queue, runAt: name == "scheduled" ? T0.AddHours(1) : null)))],
            default);
        var claimed = await ClaimTasksAsync(Claim("w", 100));
        await Store.CompleteManyAsync(
        [
            .. claimed.Where(t => t.Name != "running").Select(t => new TaskCompletion(t.Id, "w", t.Name switch
            {
                "pending" => TaskOutcome.Released,
                "succeeded" => TaskOutcome.Succeeded,
                "dead" => TaskOutcome.Dead,
                _ => TaskOutcome.Cancelled,
            }, T0)),
        ], default);

        for (var i = 0; i < names.Length; i++)
        {
            var (state, first, second) = ((TaskState)i, ids[i], ids[i + names.Length]);
            async Task<long[]> ListAsync(TaskQuery query) => [.. (await Store.ListTasksAsync(query with { State = state }, default)).Select(t => t.Id)];
            Assert.Equal([first, second], await ListAsync(new TaskQuery()));
            Assert.Equal([first], await ListAsync(new TaskQuery { Limit = 1 }));
            Assert.Equal([second], await ListAsync(new TaskQuery { Limit = 1, AfterId = first }));
            Assert.Empty(await ListAsync(new TaskQuery { AfterId = second }));
            Assert.Equal([second], await ListAsync(new TaskQuery { Queue = "other" }));
            Assert.Equal([first], await ListAsync(new TaskQuery { Queue = "default", Name = names[i] }));
            Assert.Empty(await ListAsync(new TaskQuery { Name = "nobody" }));
        }
    }

    [SkippableFact]
    public async Task Ids_are_never_reused_after_the_newest_tasks_are_deleted_or_purged()
    {
        var ids = await Store.InsertManyAsync([New("a"), New("b"), New("c")], default);
        Assert.Equal(DeleteResult.Deleted, await Store.DeleteAsync(ids[2], default));
        Assert.Equal(DeleteResult.Deleted, await Store.DeleteAsync(ids[1], default));

        var next = await Store.InsertManyAsync([New("d")], default);

        Assert.True(next[0] > ids[2], $"id {next[0]} was handed out again (the newest id before was {ids[2]})");
    }

    private static ClaimPolicy Policy(QueueOrder order, Dictionary<string, QueuePolicy>? queues = null, Dictionary<string, RateLimit>? names = null) =>
        new(order, queues ?? [], names ?? []);

    private async Task<IReadOnlyList<ClaimedTask>> ClaimTasksAsync(ClaimRequest request) =>
        (await Store.ClaimAvailableAsync(request, [], default)).Tasks;

    private static ClaimRequest Claim(string worker, int max, DateTimeOffset? now = null) =>
        new(worker, max, now ?? T0, (now ?? T0).AddMinutes(5));

    private static RecurringRow Recurring(string id, string cron, DateTimeOffset next) =>
        new(id, "job", "default", 0, 3, cron, "UTC", "{}", null, false, next);

    [SkippableFact]
    public async Task Listing_filters_by_state_queue_and_name_together_and_pages_by_id()
    {
        var ids = await Store.InsertManyAsync(
        [
            New("send", queue: "emails"), New("send", queue: "emails", runAt: T0.AddHours(1)), New("resize", queue: "images"),
            New("send", queue: "emails"), New("send", queue: "sms"),
        ], default);

        async Task<long[]> ListAsync(TaskQuery query) => [.. (await Store.ListTasksAsync(query, default)).Select(t => t.Id)];

        Assert.Equal(ids, await ListAsync(new TaskQuery()));
        Assert.Equal([ids[0], ids[1], ids[3]], await ListAsync(new TaskQuery { Queue = "emails" }));
        Assert.Equal([ids[0], ids[1], ids[3], ids[4]], await ListAsync(new TaskQuery { Name = "send" }));
        Assert.Equal([ids[0], ids[3]], await ListAsync(new TaskQuery { Queue = "emails", Name = "send", State = TaskState.Pending }));
        Assert.Equal([ids[3]], await ListAsync(new TaskQuery { Queue = "emails", State = TaskState.Pending, AfterId = ids[0] }));
        Assert.Equal([ids[0], ids[1]], await ListAsync(new TaskQuery { Queue = "emails", Limit = 2 }));
        Assert.Empty(await ListAsync(new TaskQuery { Queue = "emails", Name = "resize" }));
    }

    private static NewTask New(string name, int priority = 0, DateTimeOffset? runAt = null, string queue = "default", string payload = "{}", string? key = null) =>
        new(name, queue, priority, 3, payload, T0, runAt ?? T0, key);

    /// <summary>The same task enqueued at <paramref name="at"/>, due at once; a key's expiry is judged at enqueue time.</summary>
    private static NewTask Later(NewTask task, DateTimeOffset at) => task with { EnqueuedAt = at, RunAt = at };
}
