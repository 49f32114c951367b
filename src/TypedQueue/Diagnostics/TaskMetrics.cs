using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.Diagnostics;

/// <summary>
/// TypedQueue's instruments on the "TypedQueue" meter: counters of enqueued tasks and of attempt outcomes, histograms of
/// run time and queue wait, and a gauge of tasks per queue and state read from the store's counts (at most once per
/// <see cref="DepthRefreshInterval"/>, however often it is scraped). Each recording checks the instrument's
/// <see cref="Instrument.Enabled"/> first, so a process that nobody measures pays a flag read per task.
/// </summary>
internal sealed class TaskMetrics : IDisposable
{
    public const string TaskName = TaskTracing.TaskName;
    public const string Queue = TaskTracing.DestinationName;
    public const string State = "typedqueue.task.state";
    public const string Outcome = TaskTracing.Outcome;

    /// <summary>How long one reading of the store's counts serves the depth gauge.</summary>
    public static readonly TimeSpan DepthRefreshInterval = TimeSpan.FromSeconds(1);

    // Seconds: from a few milliseconds (in-process hand-off) to an hour (a backlog, a long handler).
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private static readonly TaskState[] States = Enum.GetValues<TaskState>();
    private static readonly string[] StateNames = [.. States.Select(static s => s.ToString().ToLowerInvariant())];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly ITaskStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _cancelled;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _queueWait;
    private readonly Lock _depthGate = new();
    private IReadOnlyList<QueueStateCount> _depth = [];
    private DateTimeOffset? _depthReadAt;

    public TaskMetrics(IMeterFactory? meterFactory, ITaskStore store, TimeProvider timeProvider, ILogger<TaskMetrics> logger)
    {
        // From the host's IMeterFactory when there is one (listeners can then tell two hosts in one process apart).
        var options = new MeterOptions(TypedQueueTelemetry.MeterName) { Version = TaskTracing.Source.Version };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _enqueued = _meter.CreateCounter<long>("typedqueue.tasks.enqueued", "{task}", "Tasks enqueued (a duplicate turned away by its idempotency key counts too).");
        _succeeded = _meter.CreateCounter<long>("typedqueue.tasks.succeeded", "{task}", "Attempts whose handler returned.");
        _failed = _meter.CreateCounter<long>("typedqueue.tasks.failed", "{task}", "Attempts that failed (thrown, timed out, unknown task, bad payload), retried or not.");
        _retried = _meter.CreateCounter<long>("typedqueue.tasks.retried", "{task}", "Failed attempts scheduled to run again.");
        _dead = _meter.CreateCounter<long>("typedqueue.tasks.dead", "{task}", "Tasks dead-lettered: attempts spent or a failure retrying cannot fix.");
        _cancelled = _meter.CreateCounter<long>("typedqueue.tasks.cancelled", "{task}", "Running tasks stopped by a cancellation request.");
        _duration = _meter.CreateHistogram("typedqueue.task.duration", "s", "How long one attempt ran, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _queueWait = _meter.CreateHistogram("typedqueue.task.queue_wait", "s", "How long a task waited between falling due and starting an attempt.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _meter.CreateObservableGauge("typedqueue.queue.depth", ObserveDepth, "{task}", "Tasks stored per queue and state (read from the store at most once per second).");
    }

    /// <summary>Counts an enqueue of <paramref name="count"/> tasks.</summary>
    public void Enqueued(string taskName, string queue, int count)
    {
        if (_enqueued.Enabled)
        {
            _enqueued.Add(count, new TagList { { TaskName, taskName }, { Queue, queue } });
        }
    }

    /// <summary>The wait before an attempt started: from its due time until now.</summary>
    public void Started(ClaimedTask task)
    {
        if (_queueWait.Enabled)
        {
            var wait = _timeProvider.GetUtcNow() - task.ScheduledAt;
            _queueWait.Record(wait > TimeSpan.Zero ? wait.TotalSeconds : 0, new TagList { { TaskName, task.Name }, { Queue, task.Queue } });
        }
    }

    /// <summary>Counts an attempt's outcome and records how long it ran.</summary>
    public void Finished(ClaimedTask task, TaskOutcome outcome, TimeSpan ranFor)
    {
        if (_duration.Enabled)
        {
            _duration.Record(ranFor.TotalSeconds, new TagList { { TaskName, task.Name }, { Queue, task.Queue }, { Outcome, TaskTracing.OutcomeName(outcome) } });
        }

        switch (outcome)
        {
            case TaskOutcome.Succeeded:
                Count(_succeeded, task);
                break;
            case TaskOutcome.Retry:
                Count(_failed, task);
                Count(_retried, task);
                break;
            case TaskOutcome.Dead:
                Count(_failed, task);
                Count(_dead, task);
                break;
            case TaskOutcome.Cancelled:
                Count(_cancelled, task);
                break;
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static void Count(Counter<long> counter, ClaimedTask task)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new TagList { { TaskName, task.Name }, { Queue, task.Queue } });
        }
    }

    /// <summary>Every state of every queue that has tasks, zeros included, so a series drops to 0 rather than vanishing.</summary>
    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        var byQueue = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var count in ReadCounts())
        {
            if (!byQueue.TryGetValue(count.Queue, out var values))
            {
                byQueue[count.Queue] = values = new long[States.Length];
            }

            var state = Array.IndexOf(States, count.State);
            if (state >= 0)
            {
                values[state] += count.Count; // a state number no TypedQueue writes (a corrupt row) is not a series
            }
        }

        var measurements = new List<Measurement<long>>(byQueue.Count * States.Length);
        foreach (var (queue, values) in byQueue)
        {
            for (var state = 0; state < States.Length; state++)
            {
                measurements.Add(new Measurement<long>(values[state], new KeyValuePair<string, object?>(Queue, queue), new KeyValuePair<string, object?>(State, StateNames[state])));
            }
        }

        return measurements;
    }

    /// <summary>
    /// The store's counts, read again only when the last reading is older than <see cref="DepthRefreshInterval"/>.
    /// A collection callback is synchronous, so the read blocks the collecting thread; concurrent scrapes wait for one
    /// reading instead of each running a query. A failed read keeps the last counts.
    /// </summary>
    private IReadOnlyList<QueueStateCount> ReadCounts()
    {
        lock (_depthGate)
        {
            var now = _timeProvider.GetUtcNow();
            if (_depthReadAt is { } readAt && now >= readAt && now - readAt < DepthRefreshInterval)
            {
                return _depth;
            }

            try
            {
                _depth = _store.CountByQueueAndStateAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (TaskStoreException ex)
            {
                Log.DepthUnavailable(_logger, ex);
            }

            _depthReadAt = now;
            return _depth;
        }
    }
}
