namespace TypedQueue.Cli.Tests.Support;

public sealed record WorkPayload(string Label, bool Fail = false, string Padding = "");

public sealed record WorkResult(string Echo, int Length);

public sealed record MailPayload(string To, string Subject);

public sealed record BlockPayload(string Key);

/// <summary>Lets a test await the start of its own blocking task (keyed, so parallel tests do not mix).</summary>
public static class BlockSignals
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Started = new();

    public static Task WhenStarted(string key) => Get(key).Task;

    public static void SetStarted(string key) => Get(key).TrySetResult();

    private static TaskCompletionSource Get(string key) => Started.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The handlers whose tasks fill the test databases.</summary>
public static class TestTasks
{
    /// <summary>Succeeds with a result, or fails once and is dead-lettered (one attempt) with a stack trace.</summary>
    [QueueTask(Name = "cli.work", Queue = "work", MaxAttempts = 1)]
    public static WorkResult Work(WorkPayload payload) =>
        payload.Fail
            ? throw new InvalidOperationException($"work '{payload.Label}' failed on purpose")
            : new WorkResult(payload.Label.ToUpperInvariant(), payload.Label.Length);

    /// <summary>Signals that it started, then runs until its cancellation token fires.</summary>
    [QueueTask(Name = "cli.block", Queue = "work", MaxAttempts = 1)]
    public static async Task Block(BlockPayload payload, CancellationToken cancellationToken)
    {
        BlockSignals.SetStarted(payload.Key);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    /// <summary>Never run by the tests: its tasks stay pending or scheduled.</summary>
    [QueueTask(Name = "cli.mail", Queue = "mail")]
    public static void Mail(MailPayload payload)
    {
    }
}
