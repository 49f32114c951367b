using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Scheduling;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Scheduling;

/// <summary>Recurring (cron) tasks on a real file with a fake clock: occurrences, time zones, catch-up, declared entries.</summary>
public sealed class RecurringTaskTests : IDisposable
{
    private const int RecurringFired = 4000;
    private const int RecurringSynced = 4001;
    private const string RecordOrder = "test.record-order";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData("*/5 * * * *", 300)]
    [InlineData("*/20 * * * * *", 20)]
    [InlineData("@hourly", 3600)]
    [InlineData("@every_minute", 60)]
    public async Task Each_occurrence_is_enqueued_once_with_its_time_as_run_at(string cron, int stepSeconds)
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await TestHost.StartAsync(_db.Path, timeProvider: time);
        var recurring = Recurring(host);
        var step = TimeSpan.FromSeconds(stepSeconds);
        await recurring.AddOrUpdateAsync("tick", Tasks.RecordOrder.Definition, cron, new OrderPayload { Label = "tick" });
        Assert.Equal(Start + step, Assert.Single(await ApiEntriesAsync(recurring)).NextRunAt);

        time.Advance(step);
        await WaitForTasksAsync(host, RecordOrder, 1);
        time.Advance(step);
        var tasks = await WaitForTasksAsync(host, RecordOrder, 2);

        Assert.Equal([Start + step, Start + (2 * step)], tasks.Select(t => t.ScheduledAt));
        Assert.Equal($"cron:tick:{(Start + step).ToUnixTimeMilliseconds()}", tasks[0].IdempotencyKey);
        Assert.All(tasks, t => Assert.Contains("\"label\":\"tick\"", t.Payload, StringComparison.Ordinal));
        var entry = Assert.Single(await ApiEntriesAsync(recurring));
        Assert.Equal(Start + (2 * step), entry.LastRunAt);
        Assert.Equal(Start + (3 * step), entry.NextRunAt);
        Assert.False(entry.IsDeclared);
    }

    public static TheoryData<DateTimeOffset, DateTimeOffset[]> DaylightSavingNights => new()
    {
        // Spring forward on 29 March 2026: 02:30 does not exist in Paris; Cronos runs it at the jump (03:00 CEST).
        {
            new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero),
            [new(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), new(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), new(2026, 3, 30, 0, 30, 0, TimeSpan.Zero)]
        },

        // Fall back on 25 October 2026: 02:30 happens twice in Paris; Cronos runs it once, at the first (CEST).
        {
            new DateTimeOffset(2026, 10, 23, 12, 0, 0, TimeSpan.Zero),
            [new(2026, 10, 24, 0, 30, 0, TimeSpan.Zero), new(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), new(2026, 10, 26, 1, 30, 0, TimeSpan.Zero)]
        },
    };

    [Theory]
    [MemberData(nameof(DaylightSavingNights))]
    public async Task A_daily_time_in_a_zone_follows_daylight_saving_changes_and_runs_once_per_day(DateTimeOffset start, DateTimeOffset[] expected)
    {
        var time = new FakeTimeProvider(start);
        await using var host = await TestHost.StartAsync(_db.Path, timeProvider: time);
        var recurring = Recurring(host);
        await recurring.AddOrUpdateAsync("nightly", Tasks.RecordOrder.Definition, "30 2 * * *", new OrderPayload(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));

        for (var i = 0; i < expected.Length; i++)
        {
            var next = Assert.Single(await ApiEntriesAsync(recurring)).NextRunAt;
            Assert.Equal(expected[i], next);
            time.SetUtcNow(next);
            await WaitForTasksAsync(host, RecordOrder, i + 1);
        }

        var tasks = await TasksNamedAsync(host, RecordOrder);
        Assert.Equal(expected, tasks.Select(t => t.ScheduledAt));
        Assert.Equal("Europe/Paris", Assert.Single(await ApiEntriesAsync(recurring)).TimeZone);
    }

    [Theory]
    [InlineData(RecurringCatchUp.One, false, new[] { 60 })]
    [InlineData(RecurringCatchUp.Skip, false, new int[0])]
    [InlineData(RecurringCatchUp.All, false, new[] { 10, 20, 30, 40, 50, 60 })]
    [InlineData(RecurringCatchUp.Skip, true, new int[0])]
    [InlineData(RecurringCatchUp.All, true, new[] { 10, 20, 30, 40, 50, 60 })]
    public async Task After_an_hour_without_a_worker_the_catch_up_policy_decides_what_runs(RecurringCatchUp policy, bool perEntry, int[] expectedMinutes)
    {
        var noon = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(noon);
        await using var host = TestHost.Build(_db.Path, o => o.CatchUp = perEntry ? RecurringCatchUp.One : policy, time);
        var recurring = Recurring(host);
        await recurring.AddOrUpdateAsync("ten", Tasks.RecordOrder.Definition, "*/10 * * * *", new OrderPayload(), catchUp: perEntry ? policy : null);

        time.Advance(TimeSpan.FromMinutes(65)); // 12:10 … 13:00 pass with no worker running
        await host.Host.StartAsync();
        await host.Logs.WaitForEventAsync(RecurringFired);

        var tasks = await TasksNamedAsync(host, RecordOrder);
        Assert.Equal(expectedMinutes.Select(m => noon.AddMinutes(m)), tasks.Select(t => t.ScheduledAt));
        var entry = Assert.Single(await ApiEntriesAsync(recurring));
        Assert.Equal(noon.AddMinutes(70), entry.NextRunAt);
        Assert.Equal(expectedMinutes.Length == 0 ? null : noon.AddMinutes(60), entry.LastRunAt);
    }

    [Fact]
    public async Task A_declared_cron_handler_runs_with_its_occurrence_and_stale_declared_entries_are_dropped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2028, 2, 29, 10, 0, 0, TimeSpan.Zero));
        await using var host = TestHost.Build(_db.Path, timeProvider: time);
        var store = host.Host.Services.GetRequiredService<ITaskStore>();
        await store.MigrateAsync(CancellationToken.None);
        await store.UpsertRecurringAsync(new RecurringRow("test.removed", "test.removed", "default", 0, 5, "0 * * * *", "UTC", null, null, IsDeclared: true, time.GetUtcNow().AddHours(1)), CancellationToken.None);
        var recurring = Recurring(host);
        await recurring.AddOrUpdateAsync("api-entry", Tasks.RecordOrder.Definition, "0 0 1 1 *", new OrderPayload());

        await host.Host.StartAsync();
        await host.Logs.WaitForEventAsync(RecurringSynced);
        var entries = await recurring.ListAsync();
        Assert.Equal(["api-entry", "test.leap-day"], entries.Select(e => e.Id));
        var declared = entries[1];
        Assert.True(declared.IsDeclared);
        Assert.Equal("Europe/Paris", declared.TimeZone);
        Assert.Equal("0 12 29 2 *", declared.Cron);
        var noonInParis = new DateTimeOffset(2028, 2, 29, 11, 0, 0, TimeSpan.Zero);
        Assert.Equal(noonInParis, declared.NextRunAt);

        time.Advance(TimeSpan.FromHours(1));
        var task = Assert.Single(await WaitForTasksAsync(host, "test.leap-day", 1));
        await host.WaitForCompletionAsync(task.Id);
        var (occurrence, scheduledAt) = Assert.Single(host.Recorder.Occurrences);
        Assert.Equal(new ScheduledOccurrence("test.leap-day", noonInParis), occurrence);
        Assert.Equal(noonInParis, scheduledAt);
        Assert.Equal(new DateTimeOffset(2032, 2, 29, 11, 0, 0, TimeSpan.Zero), (await recurring.ListAsync())[1].NextRunAt);

        Assert.True(await recurring.RemoveAsync("test.leap-day"));
        Assert.False(await recurring.RemoveAsync("test.leap-day"));
        Assert.Equal(["api-entry"], (await recurring.ListAsync()).Select(e => e.Id));
    }

    [Fact]
    public async Task Updating_an_entry_keeps_its_next_run_unless_the_schedule_changes_and_an_invalid_cron_is_refused()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = TestHost.Build(_db.Path, timeProvider: time);
        var recurring = Recurring(host);
        await recurring.AddOrUpdateAsync("entry", Tasks.RecordOrder.Definition, "0 * * * *", new OrderPayload { Label = "a" });
        time.Advance(TimeSpan.FromMinutes(30));

        await recurring.AddOrUpdateAsync("entry", Tasks.RecordOrder.Definition, "0 * * * *", new OrderPayload { Label = "b" }, catchUp: RecurringCatchUp.All);
        var kept = Assert.Single(await ApiEntriesAsync(recurring));
        Assert.Equal(Start.AddHours(1), kept.NextRunAt);
        Assert.Equal(RecurringCatchUp.All, kept.CatchUp);

        await recurring.AddOrUpdateAsync("entry", Tasks.RecordOrder.Definition, "*/7 * * * *", new OrderPayload { Label = "c" });
        Assert.Equal(Start.AddMinutes(35), Assert.Single(await ApiEntriesAsync(recurring)).NextRunAt);

        var invalid = await Assert.ThrowsAsync<ArgumentException>(() => recurring.AddOrUpdateAsync("bad", Tasks.RecordOrder.Definition, "61 * * * *", new OrderPayload()).AsTask());
        Assert.Contains("61 * * * *", invalid.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => recurring.AddOrUpdateAsync("bad", Tasks.RecordOrder.Definition, "* * *", new OrderPayload()).AsTask());
        Assert.Single(await ApiEntriesAsync(recurring));
    }

    [Fact]
    public async Task Stores_racing_to_fire_the_same_occurrences_enqueue_each_once()
    {
        var options = new TypedQueueOptions { DatabasePath = _db.Path };
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteTaskStore(SqliteStoreSettings.From(options))).ToArray();
        try
        {
            await stores[0].MigrateAsync(CancellationToken.None);
            var schedule = CronSchedule.Parse("* * * * * *", null);
            await stores[0].UpsertRecurringAsync(new RecurringRow("every-second", RecordOrder, "default", 0, 5, "* * * * * *", "UTC", "{}", RecurringCatchUp.All, false, Start), CancellationToken.None);
            for (var second = 0; second < 20; second++)
            {
                var now = Start.AddSeconds(second);
                await Task.WhenAll(stores.Select(s => Task.Run(() => s.FireDueRecurringAsync(now, (row, at) =>
                    new RecurringPlan([.. schedule.LatestDue(row.NextRunAt, at, 100).Select(o => new RecurringRun(o, "{}"))], schedule.NextAfter(at)), CancellationToken.None))));
            }

            var tasks = await stores[0].ListTasksAsync(new TaskQuery { State = TaskState.Pending, Limit = 1000 }, CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, 20).Select(s => Start.AddSeconds(s)), tasks.Select(t => t.ScheduledAt).Order());
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Widening_look_back_finds_the_latest_occurrences_of_a_frequent_expression_after_a_long_outage()
    {
        var schedule = CronSchedule.Parse("* * * * * *", null);
        var now = Start.AddDays(400);
        Assert.Equal([now.AddSeconds(-2), now.AddSeconds(-1), now], schedule.LatestDue(Start, now, 3));
        Assert.Equal([Start.AddDays(31)], CronSchedule.Parse("@monthly", null).LatestDue(Start.AddDays(1), Start.AddDays(40), 1));
    }

    /// <summary>The analyzers' cron check (CronTests) accepts and refuses these same expressions: Cronos must agree.</summary>
    [Theory]
    [InlineData("* * * * *", true)]
    [InlineData("0 9-17/2 * * MON-FRI", true)]
    [InlineData("0 0 L * *", true)]
    [InlineData("0 0 LW * *", true)]
    [InlineData("0 0 15W * *", true)]
    [InlineData("0 0 ? * 5L", true)]
    [InlineData("0 0 ? * MON#2", true)]
    [InlineData("0 0 1 jan *", true)]
    [InlineData("0 0 * * 7", true)]
    [InlineData("*/10 * * * * *", true)]
    [InlineData("0 0 12 * * ?", true)]
    [InlineData("0 0 12 ? JAN-MAR MON-FRI", true)]
    [InlineData("@hourly", true)]
    [InlineData("@DAILY", true)]
    [InlineData("@every_second", true)]
    [InlineData("@every_minute", true)]
    [InlineData("@midnight", true)]
    [InlineData("@annually", true)]
    [InlineData("  0 3 * * *  ", true)]
    [InlineData("* * * *", false)]
    [InlineData("60 * * * *", false)]
    [InlineData("0 0 0 * *", false)]
    [InlineData("0 0 * * 8", false)]
    [InlineData("*/0 * * * *", false)]
    [InlineData("? * * * *", true)]
    [InlineData("@fortnightly", false)]
    public void Cronos_agrees_with_the_analyzer_check(string cron, bool valid)
    {
        if (valid)
        {
            Assert.NotEqual(DateTimeOffset.MaxValue, CronSchedule.Parse(cron, null).NextAfter(Start));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => CronSchedule.Parse(cron, null));
        }
    }

    private static IRecurringTasks Recurring(TestHost host) => host.Host.Services.GetRequiredService<IRecurringTasks>();

    /// <summary>The entries added through the API (every host also syncs the test assembly's declared entry).</summary>
    private static async Task<List<RecurringTaskInfo>> ApiEntriesAsync(IRecurringTasks recurring) =>
        [.. (await recurring.ListAsync()).Where(e => !e.IsDeclared)];

    private static async Task<List<TaskInfo>> TasksNamedAsync(TestHost host, string name)
    {
        var all = new List<TaskInfo>();
        foreach (var state in Enum.GetValues<TaskState>())
        {
            all.AddRange(await host.Queue.ListTasksAsync(state, limit: 10_000));
        }

        // A task can move between states while the states are listed one by one: count it once, by id.
        return [.. all.Where(t => t.Name == name).DistinctBy(t => t.Id).OrderBy(t => t.ScheduledAt)];
    }

    /// <summary>Waits, on the change feed the scheduler publishes after firing, until <paramref name="count"/> tasks exist.</summary>
    private static async Task<List<TaskInfo>> WaitForTasksAsync(TestHost host, string name, int count)
    {
        var changes = host.Host.Services.GetRequiredService<ChangeFeed>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var next = changes.Next;
            var tasks = await TasksNamedAsync(host, name);
            if (tasks.Count >= count)
            {
                Assert.Equal(count, tasks.Count);
                return tasks;
            }

            await next.WaitAsync(timeout.Token);
        }
    }
}
