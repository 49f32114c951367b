using System.Collections.Concurrent;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// Outcomes of finished attempts waiting to be written. The worker writes them in the same transaction as its next
/// claim (or on their own when there is nothing to claim), so a busy worker spends one commit per batch of tasks.
/// </summary>
internal sealed class CompletionBuffer
{
    /// <summary>The most outcomes written in one transaction.</summary>
    public const int MaxBatch = 512;

    private readonly ConcurrentQueue<TaskCompletion> _queue = new();

    public int Count => _queue.Count;

    public void Add(TaskCompletion completion) => _queue.Enqueue(completion);

    /// <summary>When the oldest waiting outcome was produced, or null when none waits.</summary>
    public DateTimeOffset? OldestAt => _queue.TryPeek(out var oldest) ? oldest.At : null;

    /// <summary>Takes up to <see cref="MaxBatch"/> outcomes; give them back with <see cref="Return"/> if they could not be written.</summary>
    public List<TaskCompletion> Take()
    {
        var batch = new List<TaskCompletion>(Math.Min(_queue.Count, MaxBatch));
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var completion))
        {
            batch.Add(completion);
        }

        return batch;
    }

    /// <summary>Puts outcomes back after a failed write; none is ever dropped.</summary>
    public void Return(List<TaskCompletion> batch)
    {
        foreach (var completion in batch)
        {
            _queue.Enqueue(completion);
        }
    }
}
