namespace TypedQueue.Cli.Tests.Support;

public sealed record WorkPayload(string Label, bool Fail = false, string Padding = "");

public sealed record WorkResult(string Echo, int Length);

public sealed record MailPayload(string To, string Subject);

/// <summary>The handlers whose tasks fill the test databases.</summary>
public static class TestTasks
{
    /// <summary>Succeeds with a result, or fails once and is dead-lettered (one attempt) with a stack trace.</summary>
    [QueueTask(Name = "cli.work", Queue = "work", MaxAttempts = 1)]
    public static WorkResult Work(WorkPayload payload) =>
        payload.Fail
            ? throw new InvalidOperationException($"work '{payload.Label}' failed on purpose")
            : new WorkResult(payload.Label.ToUpperInvariant(), payload.Label.Length);

    /// <summary>Never run by the tests: its tasks stay pending or scheduled.</summary>
    [QueueTask(Name = "cli.mail", Queue = "mail")]
    public static void Mail(MailPayload payload)
    {
    }
}
