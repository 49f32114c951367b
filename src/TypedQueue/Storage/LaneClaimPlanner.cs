namespace TypedQueue.Storage;

/// <summary>
/// The store-independent half of a claim under a policy (paused queues, per-queue slots, LIFO, queue order, rate
/// limits). The store finds the lanes (the (queue, task name) pairs with pending tasks, paused queues left out) and reads
/// what the planner asks for through an <see cref="ILaneReader"/>; the planner works out how many tasks each queue and
/// name may still start, which lanes to read and how deep, and lets <see cref="ClaimSelection"/> choose. One per store:
/// the weighted order's running credit lives in it.
/// </summary>
internal sealed class LaneClaimPlanner
{
    private readonly ClaimSelection _selection = new();

    /// <summary>The rate-limit key of a queue.</summary>
    public static string QueueKey(string queue) => "queue:" + queue;

    /// <summary>The rate-limit key of a task name.</summary>
    public static string TaskKey(string name) => "task:" + name;

    /// <summary>
    /// Chooses what <paramref name="request"/> takes from <paramref name="lanes"/>: reads the windows of the rate-limited
    /// queues that have free slots, then those of the rate-limited names in them, then each lane's best candidates up to
    /// what its queue and name may still start. Keys are read in ordinal order, queues before names (a store that locks
    /// them always locks in one order).
    /// </summary>
    public async Task<LanePlan> PlanAsync(ClaimRequest request, IEnumerable<(string Queue, string Name)> lanes, ILaneReader reader, long now, CancellationToken cancellationToken)
    {
        var windows = new Dictionary<string, RateWindow>(StringComparer.Ordinal);
        if (request.Max <= 0)
        {
            return new LanePlan([], windows, null);
        }

        var policy = request.Policy ?? ClaimPolicy.Plain;
        DateTimeOffset? nextAllowed = null;

        // Queues in ordinal order whatever the store's collation: the weighted order gives ties to the first queue.
        var queues = lanes
            .GroupBy(static l => l.Queue, StringComparer.Ordinal)
            .OrderBy(static g => g.Key, StringComparer.Ordinal)
            .Select(static g => (Queue: g.Key, Names: g.Select(static l => l.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .ToList();

        var allowances = new int[queues.Count];
        var queueKeys = new List<RateKey>();
        for (var i = 0; i < queues.Count; i++)
        {
            var queue = queues[i].Queue;
            allowances[i] = request.Max;
            if (request.QueueSlots is { } slots && slots.TryGetValue(queue, out var free))
            {
                allowances[i] = Math.Min(allowances[i], free);
            }

            if (allowances[i] > 0 && policy.For(queue).RateLimit is { } limit)
            {
                queueKeys.Add(new RateKey(QueueKey(queue), limit));
            }
        }

        await ReadWindowsAsync(reader, queueKeys, now, windows, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < queues.Count; i++)
        {
            if (allowances[i] > 0 && windows.TryGetValue(QueueKey(queues[i].Queue), out var window))
            {
                allowances[i] = Math.Min(allowances[i], window.Allowance);
                nextAllowed = Earliest(nextAllowed, window.NextAllowedAt());
            }
        }

        var nameKeys = new Dictionary<string, RateKey>(StringComparer.Ordinal);
        for (var i = 0; i < queues.Count; i++)
        {
            if (allowances[i] <= 0)
            {
                continue;
            }

            foreach (var name in queues[i].Names)
            {
                if (policy.TaskRateLimits.TryGetValue(name, out var limit))
                {
                    nameKeys.TryAdd(name, new RateKey(TaskKey(name), limit));
                }
            }
        }

        await ReadWindowsAsync(reader, [.. nameKeys.Values], now, windows, cancellationToken).ConfigureAwait(false);
        var nameAllowance = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, key) in nameKeys)
        {
            var window = windows[key.Key];
            nameAllowance[name] = window.Allowance;
            nextAllowed = Earliest(nextAllowed, window.NextAllowedAt());
        }

        var candidates = new List<QueueCandidates>();
        var reads = new List<LaneRead>();
        for (var i = 0; i < queues.Count; i++)
        {
            if (allowances[i] <= 0)
            {
                continue;
            }

            var (queue, names) = queues[i];
            var queuePolicy = policy.For(queue);
            var tasks = new List<Candidate>();
            foreach (var name in names)
            {
                var limit = nameAllowance.TryGetValue(name, out var left) ? Math.Min(allowances[i], left) : allowances[i];
                if (limit > 0)
                {
                    reads.Add(new LaneRead(queue, name, queuePolicy.Order, limit, tasks));
                }
            }

            candidates.Add(new QueueCandidates(queue, queuePolicy.Weight, allowances[i], tasks));
        }

        if (reads.Count > 0)
        {
            await reader.ReadLanesAsync(reads, cancellationToken).ConfigureAwait(false);
        }

        foreach (var queue in candidates)
        {
            var order = policy.For(queue.Queue).Order;
            queue.Tasks.Sort((a, b) => Candidate.Compare(a, b, order));
        }

        return new LanePlan(_selection.Select(policy, request.Max, candidates, nameAllowance), windows, nextAllowed);
    }

    private static async Task ReadWindowsAsync(ILaneReader reader, List<RateKey> keys, long now, Dictionary<string, RateWindow> into, CancellationToken cancellationToken)
    {
        keys.RemoveAll(k => into.ContainsKey(k.Key));
        if (keys.Count == 0)
        {
            return;
        }

        keys.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        await reader.ReadWindowsAsync(keys, now, into, cancellationToken).ConfigureAwait(false);
    }

    internal static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}

/// <summary>What a store reads for <see cref="LaneClaimPlanner"/>, inside the claim's transaction.</summary>
internal interface ILaneReader
{
    /// <summary>
    /// Prunes each key's starts that left its window and reads the rest, oldest first, into a <see cref="RateWindow"/>
    /// per key in <paramref name="into"/>. Keys come in ordinal order. A store where several processes claim at once
    /// must hold each key until its transaction ends, so two claims cannot both take a window's last start.
    /// </summary>
    Task ReadWindowsAsync(IReadOnlyList<RateKey> keys, long now, Dictionary<string, RateWindow> into, CancellationToken cancellationToken);

    /// <summary>Adds each lane's best pending tasks, in its order and up to its limit, to the lane's list.</summary>
    Task ReadLanesAsync(IReadOnlyList<LaneRead> lanes, CancellationToken cancellationToken);
}

/// <summary>A rate-limit key (<c>queue:…</c> or <c>task:…</c>) and its limit.</summary>
internal readonly record struct RateKey(string Key, RateLimit Limit)
{
    /// <summary>Starts at or before this instant (Unix ms) have left the window at <paramref name="now"/>.</summary>
    public long CutoffAt(long now) => now - RateWindow.PeriodOf(Limit);
}

/// <summary>One lane to read: its best <see cref="Limit"/> pending tasks in <see cref="Order"/>, added to <see cref="Into"/>.</summary>
internal sealed record LaneRead(string Queue, string Name, TaskOrder Order, int Limit, List<Candidate> Into);

/// <summary>What a lane claim chose, the windows it read, and when a rate limit that held tasks back next allows a start.</summary>
internal sealed class LanePlan(List<Candidate> picked, Dictionary<string, RateWindow> windows, DateTimeOffset? nextAllowedAt)
{
    /// <summary>The tasks to claim, in the order they should start.</summary>
    public List<Candidate> Picked { get; } = picked;

    /// <summary>The ids to claim.</summary>
    public long[] PickedIds => [.. Picked.Select(static p => p.Id)];

    /// <summary>When a rate limit next allows a start (null when none held anything back); <see cref="CountStarts"/> updates it.</summary>
    public DateTimeOffset? NextAllowedAt { get; private set; } = nextAllowedAt;

    /// <summary>
    /// The starts to log per rate-limited key for the tasks actually claimed; adds them to the windows, so
    /// <see cref="NextAllowedAt"/> also says when a key this claim used up allows a start again.
    /// </summary>
    public Dictionary<string, long> CountStarts(IEnumerable<ClaimedTask> claimed, long now)
    {
        var starts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (windows.Count == 0)
        {
            return starts;
        }

        // Counted per queue and per name first, so each key string is built once per claim rather than per task.
        var perQueue = new Dictionary<string, long>(StringComparer.Ordinal);
        var perName = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var task in claimed)
        {
            perQueue[task.Queue] = perQueue.GetValueOrDefault(task.Queue) + 1;
            perName[task.Name] = perName.GetValueOrDefault(task.Name) + 1;
        }

        foreach (var (key, count) in perQueue.Select(static q => (LaneClaimPlanner.QueueKey(q.Key), q.Value)).Concat(perName.Select(static n => (LaneClaimPlanner.TaskKey(n.Key), n.Value))))
        {
            if (windows.ContainsKey(key))
            {
                starts[key] = count;
            }
        }

        foreach (var (key, count) in starts)
        {
            var window = windows[key];
            window.Add(now, count);
            NextAllowedAt = LaneClaimPlanner.Earliest(NextAllowedAt, window.NextAllowedAt());
        }

        return starts;
    }

    /// <summary>The claimed tasks in the order the selection chose them (a claim's RETURNING promises no order).</summary>
    public List<ClaimedTask> InPickedOrder(IEnumerable<ClaimedTask> claimed)
    {
        var byId = claimed.ToDictionary(static t => t.Id);
        var ordered = new List<ClaimedTask>(byId.Count);
        foreach (var candidate in Picked)
        {
            if (byId.TryGetValue(candidate.Id, out var task))
            {
                ordered.Add(task);
            }
        }

        return ordered;
    }
}
