using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TypedQueue.Diagnostics;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// Writes attempt outcomes in batches: everything that finished while the previous batch was being written goes into
/// the next transaction. A batch that cannot be written is kept and tried again; an outcome is never dropped.
/// </summary>
internal sealed class TaskCompleter
{
    private const int MaxBatch = 512;
    private readonly Channel<TaskCompletion> _channel = Channel.CreateUnbounded<TaskCompletion>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ITaskStore _store;
    private readonly ChangeFeed _changes;
    private readonly WakeSignal _wake;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public TaskCompleter(ITaskStore store, ChangeFeed changes, WakeSignal wake, TimeProvider timeProvider, ILogger logger)
    {
        _store = store;
        _changes = changes;
        _wake = wake;
        _timeProvider = timeProvider;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an outcome for the next batch.</summary>
    public void Add(TaskCompletion completion)
    {
        if (!_channel.Writer.TryWrite(completion))
        {
            throw new InvalidOperationException("The completer is closed.");
        }
    }

    /// <summary>Writes everything queued so far and stops.</summary>
    public Task DrainAsync()
    {
        _channel.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<TaskCompletion>(MaxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var completion))
            {
                batch.Add(completion);
            }

            await WriteAsync(batch).ConfigureAwait(false);

            // A retry or a released task changes the schedule: let the worker recompute how long it may sleep.
            if (batch.Exists(static c => c.Outcome is TaskOutcome.Retry or TaskOutcome.Released))
            {
                _wake.Set();
            }

            batch.Clear();
            _changes.Publish();
        }
    }

    private async Task WriteAsync(List<TaskCompletion> batch)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.CompleteManyAsync(batch, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < 100 && ex is TaskStoreException or IOException)
            {
                Log.CompletionFailed(_logger, ex, batch.Count);
                await Task.Delay(delay, _timeProvider).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }
}
