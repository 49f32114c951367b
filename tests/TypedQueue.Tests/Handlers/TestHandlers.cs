using System.Collections.Concurrent;

namespace TypedQueue.Tests.Handlers;

/// <summary>What the test handlers saw; a singleton in each test host.</summary>
public sealed class Recorder
{
    public ConcurrentQueue<string> Order { get; } = new();

    public ConcurrentQueue<(long Id, int Attempt)> Attempts { get; } = new();

    public ConcurrentDictionary<long, int> Runs { get; } = new();

    /// <summary>Ids of blocking tasks as they start, in order; tests await them instead of sleeping.</summary>
    public System.Threading.Channels.Channel<long> Started { get; } = System.Threading.Channels.Channel.CreateUnbounded<long>();

    /// <summary>Completing this lets every <see cref="TestHandlers.Block"/> task return.</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The gate each <see cref="TestHandlers.Gated"/> task waits on, by its payload's label.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Gates { get; } = new();

    public TaskCompletionSource Gate(string label) => Gates.GetOrAdd(label, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>What the declared recurring handler received: its payload and the task's scheduled time.</summary>
    public ConcurrentQueue<(ScheduledOccurrence Occurrence, DateTimeOffset ScheduledAt)> Occurrences { get; } = new();

    /// <summary>The activity current inside each <see cref="TestHandlers.Traced"/> attempt (null when none), by task id.</summary>
    public ConcurrentDictionary<long, System.Diagnostics.Activity?> Activities { get; } = new();

    /// <summary>The culture and UI culture current inside each <see cref="TestHandlers.Cultured"/> attempt, by task id.</summary>
    public ConcurrentDictionary<long, (System.Globalization.CultureInfo Culture, System.Globalization.CultureInfo UiCulture)> Cultures { get; } = new();

    /// <summary>Handlers of the "limited" queue running right now, and the most ever at once.</summary>
    public int LimitedRunning;

    public int LimitedMaxRunning;

    /// <summary>Completed when two "limited" handlers run at the same time.</summary>
    public TaskCompletionSource LimitedPair { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<long> NextStartedAsync() =>
        await Started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
}

public sealed record BlockPayload(string Label);

public sealed class TestHandlers(Recorder recorder)
{
    [QueueTask]
    public Task<RichPayload> Echo(RichPayload payload, CancellationToken cancellationToken) => Task.FromResult(payload);

    [QueueTask(Name = "test.record-order")]
    public void RecordOrder(TaskContext context, OrderPayload payload)
    {
        recorder.Order.Enqueue(payload.Label);
        recorder.Runs.AddOrUpdate(context.Id, 1, (_, n) => n + 1);
    }

    [QueueTask(MaxAttempts = 3)]
    public ValueTask Flaky(FlakyPayload payload, TaskContext context)
    {
        recorder.Attempts.Enqueue((context.Id, context.Attempt));
        return context.Attempt <= payload.FailTimes
            ? throw new InvalidOperationException($"failing attempt {context.Attempt}")
            : ValueTask.CompletedTask;
    }

    [QueueTask(MaxAttempts = 2, Priority = TaskPriority.Low)]
    public static Task AlwaysFails(FailPayload payload) => throw new InvalidOperationException(payload.Reason);

    /// <summary>Signals that it started, then waits for the test's release or its token, whichever comes first.</summary>
    [QueueTask(MaxAttempts = 2, TimeoutSeconds = 3600)]
    public async Task Block(BlockPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        recorder.Runs.AddOrUpdate(context.Id, 1, (_, n) => n + 1);
        recorder.Started.Writer.TryWrite(context.Id);
        await recorder.Release.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Signals that it started, then waits until the test opens its own gate (by label), or its token fires.</summary>
    [QueueTask(Name = "test.gated")]
    public async Task Gated(BlockPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        recorder.Runs.AddOrUpdate(context.Id, 1, (_, n) => n + 1);
        recorder.Started.Writer.TryWrite(context.Id);
        await recorder.Gate(payload.Label).Task.WaitAsync(cancellationToken);
    }

    /// <summary>Ignores nothing: waits on its token, which only the 5-second timeout fires.</summary>
    [QueueTask(MaxAttempts = 2, TimeoutSeconds = 5)]
    public async Task Hang(BlockPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        recorder.Started.Writer.TryWrite(context.Id);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    /// <summary>Duplicates (by payload) are turned away while it is unfinished and for a minute after.</summary>
    [QueueTask(UniqueByPayload = true, UniqueForSeconds = 60)]
    public void Dedupe(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    [QueueTask(MaxAttempts = 5)]
    public static void Refuse(FailPayload payload) => throw new NonRetryableTaskException(payload.Reason);

    /// <summary>Declared recurring: noon on 29 February in Paris, a time no other test's clock reaches.</summary>
    [QueueTask(Name = "test.leap-day", Cron = "0 12 29 2 *", CronTimeZone = "Europe/Paris")]
    public void LeapDay(ScheduledOccurrence occurrence, TaskContext context) => recorder.Occurrences.Enqueue((occurrence, context.ScheduledAt));

    /// <summary>Records the activity it runs under.</summary>
    [QueueTask(Name = "test.traced", Queue = "traced")]
    public void Traced(OrderPayload payload, TaskContext context) => recorder.Activities[context.Id] = System.Diagnostics.Activity.Current;

    /// <summary>Records the culture it runs under.</summary>
    [QueueTask(Name = "test.cultured")]
    public void Cultured(OrderPayload payload, TaskContext context) =>
        recorder.Cultures[context.Id] = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);

    [QueueTask(Name = "test.mail", Queue = "emails")]
    public void Mail(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    [QueueTask(Name = "test.stack", Queue = "stack")]
    public void Stack(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    [QueueTask(Name = "test.high", Queue = "high")]
    public void High(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    [QueueTask(Name = "test.low", Queue = "low")]
    public void Low(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    /// <summary>At most 3 starts a minute, across every worker on the database.</summary>
    [QueueTask(Name = "test.throttled", RateLimit = 3, RateLimitPeriodSeconds = 60)]
    public void Throttled(OrderPayload payload) => recorder.Order.Enqueue(payload.Label);

    /// <summary>Counts how many run at once; the first two wait until they run together.</summary>
    [QueueTask(Name = "test.limited", Queue = "limited")]
    public async Task Limited(OrderPayload payload, CancellationToken cancellationToken)
    {
        var running = Interlocked.Increment(ref recorder.LimitedRunning);
        try
        {
            int max;
            while (running > (max = Volatile.Read(ref recorder.LimitedMaxRunning)) && Interlocked.CompareExchange(ref recorder.LimitedMaxRunning, running, max) != max)
            {
            }

            if (running >= 2)
            {
                recorder.LimitedPair.TrySetResult();
            }

            if (payload.Sequence < 2)
            {
                await recorder.LimitedPair.Task.WaitAsync(cancellationToken);
            }
            else
            {
                await Task.Yield();
            }
        }
        finally
        {
            Interlocked.Decrement(ref recorder.LimitedRunning);
        }
    }

    [QueueTask(Queue = "math")]
    public static SumResult Sum(int[] numbers) => new(numbers.Sum(), "sum");
}
