using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Inspection;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Diagnostics;

/// <summary>Producer and consumer spans, the trace context stored with a task, and no spans when nobody listens.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracingTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task An_enqueue_and_its_attempt_are_a_producer_and_a_consumer_span_of_one_trace()
    {
        using var spans = new SpanRecorder();
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.Traced.Definition, new OrderPayload { Label = "one" });
        await host.WaitForCompletionAsync(id);
        var process = await spans.WaitForAsync("process test.traced", id);
        var publish = spans.Single("publish test.traced", id);

        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(publish.TraceId, process.TraceId);
        Assert.Equal(publish.SpanId, process.ParentSpanId);
        Assert.Equal(publish.Context.SpanId, Assert.Single(process.Links).Context.SpanId);
        Assert.Equal(ActivityStatusCode.Unset, process.Status);
        AssertTags(publish, ("messaging.system", "typedqueue"), ("messaging.operation.type", "send"), ("messaging.destination.name", "traced"),
            ("messaging.message.id", id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("typedqueue.task.name", "test.traced"));
        AssertTags(process, ("messaging.system", "typedqueue"), ("messaging.operation.type", "process"), ("messaging.destination.name", "traced"),
            ("typedqueue.task.name", "test.traced"), ("typedqueue.task.attempt", 1), ("typedqueue.task.outcome", "succeeded"));

        // The handler runs inside the consumer span, so its own spans become children of it.
        Assert.Same(process, host.Recorder.Activities[id]);
    }

    [Fact]
    public async Task The_trace_context_survives_the_store_the_enqueuing_process_is_gone_when_the_task_runs()
    {
        using var spans = new SpanRecorder();
        long id;
        await using (var producer = TestHost.Build(_db.Path, o => o.RunWorker = false))
        {
            id = await producer.Queue.EnqueueAsync(Tasks.Traced.Definition, new OrderPayload { Label = "stored" });
        }

        var publish = spans.Single("publish test.traced", id);
        Assert.Equal(publish.Id, await ReadTraceParentAsync(id));

        await using var consumer = await TestHost.StartAsync(_db.Path);
        await consumer.WaitForCompletionAsync(id);
        var process = await spans.WaitForAsync("process test.traced", id);

        Assert.Equal((publish.TraceId, publish.SpanId), (process.TraceId, process.ParentSpanId));
        Assert.True(process.HasRemoteParent);
        Assert.Equal(publish.SpanId, Assert.Single(process.Links).Context.SpanId);
    }

    [Fact]
    public async Task A_caller_trace_is_stored_even_when_nobody_listens_to_typedqueue()
    {
        using var other = new ActivitySource("TypedQueue.Tests.Caller");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == other.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = TestHost.Build(_db.Path, o => o.RunWorker = false);

        long id;
        string callerId;
        using (var caller = other.StartActivity("checkout")!)
        {
            caller.TraceStateString = "shop=1";
            callerId = caller.Id!;
            id = await host.Queue.EnqueueAsync(Tasks.Traced.Definition, new OrderPayload { Label = "ambient" });
        }

        Assert.Equal(callerId, await ReadTraceParentAsync(id));
        Assert.Equal("shop=1", await ReadColumnAsync(id, "trace_state"));
    }

    [Fact]
    public async Task A_failed_attempt_marks_its_span_as_an_error_with_the_exception_type()
    {
        using var spans = new SpanRecorder();
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.AlwaysFails.Definition, new FailPayload("boom"));
        await host.WaitForCompletionAsync(id);
        var first = await spans.WaitForAsync("process AlwaysFails", id, attempt: 1);
        var last = await spans.WaitForAsync("process AlwaysFails", id, attempt: 2);

        Assert.Equal((ActivityStatusCode.Error, "boom"), (first.Status, first.StatusDescription));
        AssertTags(first, ("error.type", "System.InvalidOperationException"), ("typedqueue.task.outcome", "retry"));
        AssertTags(last, ("typedqueue.task.outcome", "dead"));
        Assert.Contains(last.Events, e => e.Name == "exception");
        Assert.Equal(first.TraceId, last.TraceId); // both attempts continue the enqueue's trace
    }

    [Fact]
    public async Task A_refused_enqueue_marks_its_publish_span_as_an_error()
    {
        using var spans = new SpanRecorder();
        await using var host = TestHost.Build(_db.Path, o =>
        {
            o.RunWorker = false;
            o.MaxPayloadBytes = 16;
        });

        await Assert.ThrowsAsync<TaskPayloadTooLargeException>(() => host.Queue.EnqueueAsync(Tasks.Traced.Definition, new OrderPayload { Label = new string('x', 100) }).AsTask());

        var publish = spans.Stopped.Single(a => a.DisplayName == "publish test.traced");
        Assert.Equal(ActivityStatusCode.Error, publish.Status);
        Assert.Equal(typeof(TaskPayloadTooLargeException).FullName, publish.GetTagItem("error.type"));
    }

    [Fact]
    public async Task Without_a_listener_no_activity_exists_and_no_trace_context_is_stored()
    {
        Assert.False(TaskTracing.Source.HasListeners());
        Assert.Null(Activity.Current);
        await using var host = await TestHost.StartAsync(_db.Path);

        var id = await host.Queue.EnqueueAsync(Tasks.Traced.Definition, new OrderPayload { Label = "dark" });
        await host.WaitForCompletionAsync(id);

        Assert.True(host.Recorder.Activities.TryGetValue(id, out var inside));
        Assert.Null(inside);
        Assert.Null(await ReadTraceParentAsync(id));
    }

    [Fact]
    public async Task Without_a_listener_the_per_task_telemetry_allocates_nothing()
    {
        Assert.False(TaskTracing.Source.HasListeners());
        var task = new ClaimedTask(1, "t", "q", 0, "{}", 1, 3, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var completion = new TaskCompletion(1, "w", TaskOutcome.Retry, DateTimeOffset.UnixEpoch, Error: new TaskError("E", "m", null));
        using var db = new TempDatabase();
        await using var store = new SqliteTaskStore(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = db.Path })); // the gauge is never read here
        using var metrics = new TaskMetrics(null, store, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskMetrics>.Instance);
        RunOnce(); // first calls may initialise statics

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RunOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void RunOnce()
        {
            using var publish = TaskTracing.StartPublish("t", "q", 1);
            var context = TaskTracing.CurrentContext();
            using var process = TaskTracing.StartProcess(task);
            metrics.Enqueued("t", "q", 1);
            metrics.Started(task);
            metrics.Finished(task, completion.Outcome, TimeSpan.FromSeconds(1));
            TaskTracing.Finished(process, completion, null);
            Assert.Null(publish);
            Assert.Null(process);
            Assert.Null(context.TraceParent);
        }
    }

    private Task<string?> ReadTraceParentAsync(long id) => ReadColumnAsync(id, "trace_parent");

    private async Task<string?> ReadColumnAsync(long id, string column)
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {column} FROM tq_tasks WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync() as string;
    }

    private static void AssertTags(Activity activity, params (string Key, object Value)[] expected)
    {
        foreach (var (key, value) in expected)
        {
            Assert.True(Equals(value, activity.GetTagItem(key)), $"{activity.DisplayName}: {key} = {activity.GetTagItem(key) ?? "(none)"}, expected {value}");
        }
    }

    /// <summary>Records every TypedQueue span as it stops; a test awaits the one it wants.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == TypedQueueTelemetry.ActivitySourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    _stopped.Enqueue(a);
                    _arrived.Release();
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyCollection<Activity> Stopped => _stopped;

        public Activity Single(string name, long id) => _stopped.Single(a => Matches(a, name, id, null));

        public async Task<Activity> WaitForAsync(string name, long id, int? attempt = null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                if (_stopped.FirstOrDefault(a => Matches(a, name, id, attempt)) is { } found)
                {
                    return found;
                }

                await _arrived.WaitAsync(timeout.Token);
            }
        }

        public void Dispose() => _listener.Dispose();

        private static bool Matches(Activity activity, string name, long id, int? attempt) =>
            activity.DisplayName == name
            && activity.GetTagItem("messaging.message.id") as string == id.ToString(System.Globalization.CultureInfo.InvariantCulture)
            && (attempt is null || Equals(activity.GetTagItem("typedqueue.task.attempt"), attempt));
    }
}
