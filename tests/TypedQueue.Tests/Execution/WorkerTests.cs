using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TypedQueue.Dispatch;
using TypedQueue.Execution;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

public sealed class WorkerTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_task_is_enqueued_at_the_time_the_call_began_whatever_serializing_its_payload_takes()
    {
        // Serializing is the caller's work, not the queue's: the enqueue time (and a delay counted from it) is when the
        // call began, for one payload as for a batch. The payload's converter moves the clock on by a second.
        var t0 = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(t0);
        await using var host = TestHost.Build(_db.Path, timeProvider: time);
        var slow = new TaskDefinition<SlowPayload>("tests.slow-to-serialize", "default", 0, 3,
            System.Text.Json.Serialization.Metadata.JsonMetadataServices.CreateValueInfo<SlowPayload>(new System.Text.Json.JsonSerializerOptions { TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine() }, new SlowPayloadConverter(time)),
            static (_, _, _, _) => ValueTask.FromResult<string?>(null));

        var one = await host.Queue.EnqueueAsync(slow, new SlowPayload("one"), new EnqueueOptions { Delay = TimeSpan.FromMinutes(1) });
        var many = await host.Queue.EnqueueManyAsync(slow, [new SlowPayload("a"), new SlowPayload("b")], new EnqueueOptions { Delay = TimeSpan.FromMinutes(1) });

        var single = (await host.Queue.GetTaskAsync(one))!;
        Assert.Equal((t0, t0.AddMinutes(1)), (single.EnqueuedAt, single.ScheduledAt));
        var batch = (await host.Queue.GetTaskAsync(many[1]))!;
        Assert.Equal((t0.AddSeconds(1), t0.AddSeconds(1).AddMinutes(1)), (batch.EnqueuedAt, batch.ScheduledAt));
    }

    private sealed record SlowPayload(string Value);

    private sealed class SlowPayloadConverter(FakeTimeProvider time) : System.Text.Json.Serialization.JsonConverter<SlowPayload>
    {
        public override SlowPayload Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) => new(reader.GetString()!);

        public override void Write(System.Text.Json.Utf8JsonWriter writer, SlowPayload value, System.Text.Json.JsonSerializerOptions options)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            writer.WriteStringValue(value.Value);
        }
    }

    [Fact]
    public async Task Handlers_run_with_the_culture_the_host_was_started_with()
    {
        // An app that sets its culture in Main, before the host starts: handlers format and localize with it, as code
        // started with Task.Run or awaited from there does. (A clone of the invariant culture exists in invariant mode too.)
        var culture = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        var uiCulture = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        System.Globalization.CultureInfo.CurrentCulture = culture;
        System.Globalization.CultureInfo.CurrentUICulture = uiCulture;
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.Cultured.Definition, new OrderPayload { Label = "culture" });
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        var seen = host.Recorder.Cultures[id];
        Assert.Same(culture, seen.Culture);
        Assert.Same(uiCulture, seen.UiCulture);
    }

    [Fact]
    public async Task Every_supported_payload_shape_round_trips_and_the_result_is_stored_as_json()
    {
        await using var host = await TestHost.StartAsync(_db.Path);
        var payload = new RichPayload(
            Count: 42, Big: long.MaxValue, Text: "héllo \"quoted\" ✓", Flag: true, Ratio: 0.125, Amount: 12345.6789m, Letter: 'q',
            Tier: Tier.Pro, Id: Guid.NewGuid(), When: new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc),
            At: new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)), Span: TimeSpan.FromMinutes(90), Day: new DateOnly(2026, 12, 24),
            Maybe: 7, Missing: null, Numbers: [1, 2, 3], Tags: ["a", "b"], Others: [new Address("Oslo", "0150")],
            Scores: new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 }, Home: new Address("Lyon", "69001"), NoAddress: null);

        var id = await host.Queue.EnqueueAsync(Tasks.Echo.Definition, payload);
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Contains("\"tier\":\"Pro\"", done.Payload, StringComparison.Ordinal);
        Assert.Contains("\"home\":{\"city\":\"Lyon\"", done.Payload, StringComparison.Ordinal);
        var stored = System.Text.Json.JsonSerializer.Deserialize(done.Payload, Tasks.Echo.Definition.PayloadTypeInfo)!;
        Assert.True(payload.SameAs(stored), done.Payload);
        var result = System.Text.Json.JsonSerializer.Deserialize(done.Result!, Tasks.Echo.Definition.PayloadTypeInfo)!;
        Assert.True(payload.SameAs(result), done.Result);
    }

    [Fact]
    public async Task Static_handlers_with_results_and_array_payloads_work()
    {
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.Sum.Definition, [1, 2, 3, 4]);
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Equal("math", done.Queue);
        Assert.Equal("[1,2,3,4]", done.Payload);
        Assert.Equal("""{"total":10,"note":"sum"}""", done.Result);
    }

    [Fact]
    public async Task Higher_priority_runs_first_then_due_time_then_id()
    {
        await using var host = TestHost.Build(_db.Path, o => o.Concurrency = 1);
        var queue = host.Queue;
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-1);
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "normal-1" });
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "low" }, new EnqueueOptions { Priority = TaskPriority.Low });
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "critical" }, new EnqueueOptions { Priority = TaskPriority.Critical });
        await queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "normal-0" }, new EnqueueOptions { RunAt = t0 });
        var ids = await queue.EnqueueManyAsync(Tasks.RecordOrder.Definition, [new OrderPayload { Label = "high-a" }, new OrderPayload { Label = "high-b" }], new EnqueueOptions { Priority = TaskPriority.High });

        await host.Host.StartAsync();
        await queue.WaitUntilDrainedAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, ids.Count);
        Assert.Equal(["critical", "high-a", "high-b", "normal-0", "normal-1", "low"], host.Recorder.Order);
    }

    [Fact]
    public async Task Failures_retry_with_exponential_backoff_on_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(_db.Path, o =>
        {
            o.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.PollInterval = TimeSpan.FromMinutes(10);
        }, time);

        var id = await host.Queue.EnqueueAsync(Tasks.Flaky.Definition, new FlakyPayload(FailTimes: 2));

        var afterFirst = await host.WaitForAsync(id, t => t.State == TaskState.Scheduled && t.Attempts == 1);
        Assert.Equal(time.GetUtcNow().AddSeconds(10), afterFirst.ScheduledAt);
        Assert.Equal("System.InvalidOperationException", afterFirst.LastError?.Type);
        Assert.Equal("failing attempt 1", afterFirst.LastError?.Message);

        time.Advance(TimeSpan.FromSeconds(10));
        var afterSecond = await host.WaitForAsync(id, t => t.State == TaskState.Scheduled && t.Attempts == 2);
        Assert.Equal(time.GetUtcNow().AddSeconds(20), afterSecond.ScheduledAt);

        time.Advance(TimeSpan.FromSeconds(20));
        var done = await host.WaitForCompletionAsync(id);
        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Equal(3, done.Attempts);
        Assert.Equal([1, 2, 3], host.Recorder.Attempts.Where(a => a.Id == id).Select(a => a.Attempt));
    }

    [Fact]
    public async Task A_task_failing_every_attempt_is_dead_lettered_with_its_error()
    {
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.AlwaysFails.Definition, new FailPayload("card declined"));
        var dead = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Dead, dead.State);
        Assert.Equal(2, dead.Attempts);
        Assert.Equal(TaskPriority.Low, dead.Priority);
        Assert.Equal("System.InvalidOperationException", dead.LastError!.Type);
        Assert.Equal("card declined", dead.LastError.Message);
        Assert.Contains(nameof(TestHandlers.AlwaysFails), dead.LastError.StackTrace, StringComparison.Ordinal);
        Assert.NotNull(dead.FinishedAt);
    }

    [Fact]
    public async Task Unknown_names_and_corrupt_payloads_end_dead_with_a_reason_and_the_worker_keeps_going()
    {
        await using (var setup = TestHost.Build(_db.Path, o => o.RunWorker = false))
        {
            await setup.Queue.GetStatisticsAsync(); // creates the schema
        }

        await using (var connection = new SqliteConnection($"Data Source={_db.Path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO tq_tasks (id, name, queue, state, priority, payload, max_attempts, enqueued_at, run_at)
                VALUES (1001, 'no.such.task', 'default', 1, 0, '{}', 5, 0, 0),
                       (1002, 'test.record-order', 'default', 1, 0, '{not json', 5, 0, 0);
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using var host = await TestHost.StartAsync(_db.Path);
        var good = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "after" });

        var unknown = await host.WaitForCompletionAsync(1001);
        var corrupt = await host.WaitForCompletionAsync(1002);
        var fine = await host.WaitForCompletionAsync(good);

        Assert.Equal(TaskState.Dead, unknown.State);
        Assert.Equal(TaskExecutor.UnknownTaskError, unknown.LastError!.Type);
        Assert.Contains("no.such.task", unknown.LastError.Message, StringComparison.Ordinal);
        Assert.Equal(1, unknown.Attempts);
        Assert.Equal(TaskState.Dead, corrupt.State);
        Assert.Equal(typeof(TaskPayloadException).FullName, corrupt.LastError!.Type);
        Assert.Contains("cannot be read", corrupt.LastError.Message, StringComparison.Ordinal);
        Assert.Equal(1, corrupt.Attempts);
        Assert.Equal(TaskState.Succeeded, fine.State);
    }

    [Fact]
    public async Task Inspection_lists_counts_and_purges()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(_db.Path, timeProvider: time);
        var ids = await host.Queue.EnqueueManyAsync(Tasks.RecordOrder.Definition, Enumerable.Range(0, 5).Select(i => new OrderPayload { Label = $"o{i}", Sequence = i }));
        var later = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "later" }, new EnqueueOptions { Delay = TimeSpan.FromHours(1), IdempotencyKey = "order-later" });
        foreach (var id in ids)
        {
            await host.WaitForCompletionAsync(id);
        }

        var stats = await host.Queue.GetStatisticsAsync();
        Assert.Equal(5, stats.Count(TaskState.Succeeded));
        Assert.Equal(1, stats.Count("default", TaskState.Scheduled));

        var scheduled = Assert.Single(await host.Queue.ListTasksAsync(TaskState.Scheduled));
        Assert.Equal(later, scheduled.Id);
        Assert.Equal("order-later", scheduled.IdempotencyKey);
        Assert.Equal(time.GetUtcNow().AddHours(1), scheduled.ScheduledAt);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await host.Queue.ListTasksAsync(TaskState.Succeeded, limit: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await host.Queue.ListTasksAsync(TaskState.Succeeded, limit: 10_001));
        var firstPage = await host.Queue.ListTasksAsync(TaskState.Succeeded, limit: 3);
        var secondPage = await host.Queue.ListTasksAsync(TaskState.Succeeded, limit: 3, afterId: firstPage[^1].Id);
        Assert.Equal(ids, firstPage.Concat(secondPage).Select(t => t.Id));

        Assert.Equal(0, await host.Queue.PurgeFinishedAsync(time.GetUtcNow().AddDays(-1)));
        Assert.Equal(5, await host.Queue.PurgeFinishedAsync(time.GetUtcNow().AddMilliseconds(1)));
        Assert.Equal(1, (await host.Queue.GetStatisticsAsync()).Total);
    }
}
