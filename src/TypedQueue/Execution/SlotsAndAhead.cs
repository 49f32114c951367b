using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// A worker's handler slots and the tasks it claimed ahead of them (<see cref="TypedQueueOptions.ClaimAhead"/>): a
/// claimed task takes a free slot or waits here in claim order; a finishing handler hands its slot to the next one
/// waiting. It also sizes how far ahead the next claim may go. One lock guards the slots and the waiting tasks, so a
/// task is started, given back or cancelled exactly once.
/// </summary>
/// <remarks>
/// With quick tasks the writer's transactions, not the handlers, bound a drain, and a transaction costs less per task the
/// more tasks it serves: 100,000-task drains went from 73-86k to 91-103k tasks/s with up to 64 tasks claimed ahead of 64
/// slots (about 62 tasks a claim instead of 26), and from 56-73k to 80-85k with the extra sized by run time as now.
/// Up to twice the slots ahead (<see cref="AheadPerSlot"/>): 20,000-task drains took 82-103 instead of about 65 tasks a
/// claim and ran faster in 16 of 19 alternating pairs (set means 62-90k vs 55-74k/s) at 11 % less CPU per task (mean of
/// 9 pairs); 100,000-task drains 99 instead of 64 tasks a claim, 7 % less CPU per task, throughput within noise.
/// </remarks>
internal sealed class SlotsAndAhead(int slots, bool claimAhead, TimeProvider timeProvider)
{
    /// <summary>How soon the slots must free for the tasks claimed ahead, at the recent tasks' mean run time.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromMilliseconds(1);

    /// <summary>The most a claim takes ahead of the free slots, per slot: quick tasks free far more slots within the horizon.</summary>
    public const int AheadPerSlot = 2;

    /// <summary>How long a task claimed ahead may wait for a slot before it goes back to the queue.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(20);

    private readonly Queue<(ClaimedTask Task, DateTimeOffset ClaimedAt)> _waiting = new();
    private int _running; // handlers running: never above the slots
    private bool _closed;

    // Handlers finished, ever, and their run time (timestamp ticks): the mean run time of those that finished since the
    // last claim sizes the next claim's extra. Under a lock of their own: the count and the run time must be read as one.
    // Read apart, a claim could note a finishing handler's run time but not its finish, and the next claim would count
    // that finish with no run time: one slow task "too quick for the clock to tell", the whole budget claimed ahead.
    private readonly object _pace = new();
    private int _finished;
    private long _runTicks;
    private int _finishedAtClaim;
    private long _runTicksAtClaim;
    private bool _gaveBack;

    /// <summary>Lets tasks start (again, for a worker started again after a stop).</summary>
    public void Open()
    {
        lock (_waiting)
        {
            _closed = false;
        }
    }

    /// <summary>
    /// How many tasks a claim now may take beyond the free slots: as many as the slots free within <see cref="Horizon"/>
    /// when each runs as long as the tasks that finished since the last claim did on average (slots × horizon / mean run
    /// time), at most <see cref="AheadPerSlot"/> × the slots; none when no task finished since, and none right after tasks
    /// went back unstarted. Run times, not the rate of finishes: tasks started together finish together, and slow ones
    /// finishing within microseconds of each other are no sign of quick slots (measured that way, a worker in a test
    /// claimed ahead of 300 ms tasks). A queue's own concurrency counts the tasks claimed ahead too. Called by the claiming loop only.
    /// </summary>
    public int AheadBudget()
    {
        var gaveBack = _gaveBack;
        _gaveBack = false;
        if (!claimAhead || gaveBack)
        {
            return 0;
        }

        int finished;
        long runTicks;
        lock (_pace)
        {
            finished = _finished - _finishedAtClaim;
            runTicks = _runTicks - _runTicksAtClaim;
        }

        if (finished <= 0)
        {
            return 0;
        }

        if (runTicks <= 0)
        {
            return AheadPerSlot * slots; // too quick for the clock to tell
        }

        var horizonTicks = Horizon.TotalSeconds * timeProvider.TimestampFrequency;
        return (int)Math.Min(slots * horizonTicks * finished / runTicks, AheadPerSlot * slots);
    }

    /// <summary>A claim begins: the next <see cref="AheadBudget"/> looks at the tasks that finish from now on.</summary>
    public void ClaimStarting()
    {
        lock (_pace)
        {
            _finishedAtClaim = _finished;
            _runTicksAtClaim = _runTicks;
        }
    }

    /// <summary>
    /// A claim's tasks, in claim order: the first ones take the free slots (their count is returned: start them now), the
    /// rest wait for slots.
    /// </summary>
    public int TakeSlots(IReadOnlyList<ClaimedTask> tasks, DateTimeOffset claimedAt)
    {
        lock (_waiting)
        {
            var starting = Math.Min(Math.Max(slots - _running, 0), tasks.Count);
            _running += starting;
            for (var i = starting; i < tasks.Count; i++)
            {
                _waiting.Enqueue((tasks[i], claimedAt));
            }

            return starting;
        }
    }

    /// <summary>A handler begins: the timestamp to pass to <see cref="HandlerFinished"/>.</summary>
    public long HandlerStarting() => timeProvider.GetTimestamp();

    /// <summary>A handler ended (its run time counts toward the next <see cref="AheadBudget"/>).</summary>
    public void HandlerFinished(long started)
    {
        var ran = timeProvider.GetTimestamp() - started;
        lock (_pace)
        {
            _runTicks += ran;
            _finished++;
        }
    }

    /// <summary>After a handler ended: the next waiting task takes its slot (true), or the slot is free (false).</summary>
    public bool TryHandOn(out ClaimedTask task)
    {
        lock (_waiting)
        {
            if (!_closed && _waiting.TryDequeue(out var next))
            {
                task = next.Task;
                return true;
            }

            _running--;
            task = null!;
            return false;
        }
    }

    /// <summary>When the longest-waiting task was claimed; null when none waits.</summary>
    public DateTimeOffset? OldestClaimedAt
    {
        get
        {
            lock (_waiting)
            {
                return _waiting.TryPeek(out var head) ? head.ClaimedAt : null;
            }
        }
    }

    /// <summary>
    /// Takes out the waiting tasks to give back unstarted: those waiting <see cref="Limit"/> (slow handlers took the
    /// slots after all), or, when the worker stops (<paramref name="all"/>), every one, and none may start from then on.
    /// Null when there are none.
    /// </summary>
    public List<ClaimedTask>? TakeToGiveBack(DateTimeOffset now, bool all)
    {
        List<ClaimedTask>? given = null;
        lock (_waiting)
        {
            _closed |= all;
            while (_waiting.TryPeek(out var head) && (all || head.ClaimedAt + Limit <= now))
            {
                (given ??= []).Add(_waiting.Dequeue().Task);
            }
        }

        _gaveBack |= given is not null;
        return given;
    }

    /// <summary>Takes a waiting task out so it never starts (its cancellation was requested); null when it does not wait here.</summary>
    public ClaimedTask? TakeCancelled(long id)
    {
        ClaimedTask? cancelled = null;
        lock (_waiting)
        {
            if (_closed)
            {
                return null;
            }

            // Rotate the queue once, leaving the cancelled task out: the rest keep their order.
            for (var i = _waiting.Count; i > 0; i--)
            {
                var waiting = _waiting.Dequeue();
                if (cancelled is null && waiting.Task.Id == id)
                {
                    cancelled = waiting.Task;
                }
                else
                {
                    _waiting.Enqueue(waiting);
                }
            }
        }

        return cancelled;
    }
}
