using System.Collections.Concurrent;

namespace TypedQueue.Tests.Handlers;

/// <summary>What the test handlers saw; a singleton in each test host.</summary>
public sealed class Recorder
{
    public ConcurrentQueue<string> Order { get; } = new();

    public ConcurrentQueue<(long Id, int Attempt)> Attempts { get; } = new();

    public ConcurrentDictionary<long, int> Runs { get; } = new();
}

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

    [QueueTask(Queue = "math")]
    public static SumResult Sum(int[] numbers) => new(numbers.Sum(), "sum");
}
