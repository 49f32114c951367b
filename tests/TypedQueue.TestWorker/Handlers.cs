namespace TypedQueue.TestWorker;

/// <summary>The task every test worker runs: number and how long to take.</summary>
public sealed record RunPayload(int Number, int DelayMs);

/// <summary>An append-only record of handler starts and finishes, flushed line by line so a SIGKILL loses none.</summary>
public sealed class Ledger(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    private readonly Lock _gate = new();

    public void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>The payload of the recurring every-second entry the "cron" mode registers.</summary>
public sealed record TickPayload(string Source);

/// <summary>The recurring task: nothing to do, its rows in the database are what the test checks.</summary>
public static class TickTasks
{
    [QueueTask(Name = "tick", Queue = "ticks")]
    public static void Tick(TickPayload payload)
    {
    }
}

public sealed class RecordTasks(Ledger ledger)
{
    [QueueTask(MaxAttempts = 3)]
    public async Task Record(RunPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        ledger.Write($"start {context.Id}");
        Console.WriteLine($"start {context.Id}");
        if (payload.DelayMs > 0)
        {
            await Task.Delay(payload.DelayMs, cancellationToken);
        }

        ledger.Write($"done {context.Id}");
    }
}
