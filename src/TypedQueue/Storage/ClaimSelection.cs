namespace TypedQueue.Storage;

/// <summary>
/// Chooses which pending tasks a claim takes, given each queue's best candidates (already in the queue's own order),
/// its free slots and rate allowance, and the allowance of each rate-limited task name. Store-independent, so every
/// store shares the same rules (through <see cref="LaneClaimPlanner"/>). Keeps the weighted round robin's running credit
/// between claims (one per store), so weights hold over many small claims too.
/// </summary>
internal sealed class ClaimSelection
{
    private readonly Dictionary<string, long> _credit = new(StringComparer.Ordinal);

    /// <summary>Picks up to <paramref name="max"/> candidates; returns them in the order they should start.</summary>
    public List<Candidate> Select(
        ClaimPolicy policy,
        int max,
        IReadOnlyList<QueueCandidates> queues,
        Dictionary<string, int> nameAllowance)
    {
        var picked = new List<Candidate>(Math.Min(max, 256));
        var heads = new int[queues.Count];
        var left = new int[queues.Count];
        for (var i = 0; i < queues.Count; i++)
        {
            left[i] = queues[i].Allowance;
        }

        while (picked.Count < max)
        {
            // Queues that may still start something: a slot, allowance left, and a next candidate whose name has allowance.
            var best = -1;
            long totalWeight = 0;
            for (var i = 0; i < queues.Count; i++)
            {
                var list = queues[i].Tasks;
                while (heads[i] < list.Count && nameAllowance.TryGetValue(list[heads[i]].Name, out var n) && n <= 0)
                {
                    heads[i]++;
                }

                if (left[i] <= 0 || heads[i] >= list.Count)
                {
                    continue;
                }

                var weight = Math.Max(1, queues[i].Weight);
                switch (policy.Order)
                {
                    case QueueOrder.Strict:
                        // Heavier first; between queues of equal weight, the better next task (as under Priority).
                        if (best < 0 || queues[i].Weight > queues[best].Weight
                            || (queues[i].Weight == queues[best].Weight && Before(list[heads[i]], queues[best].Tasks[heads[best]])))
                        {
                            best = i;
                        }

                        break;
                    case QueueOrder.Weighted:
                        totalWeight += weight;
                        var credit = _credit[queues[i].Queue] = _credit.GetValueOrDefault(queues[i].Queue) + weight;
                        if (best < 0 || credit > _credit[queues[best].Queue])
                        {
                            best = i;
                        }

                        break;
                    default:
                        if (best < 0 || Before(list[heads[i]], queues[best].Tasks[heads[best]]))
                        {
                            best = i;
                        }

                        break;
                }
            }

            if (best < 0)
            {
                break;
            }

            if (policy.Order == QueueOrder.Weighted)
            {
                _credit[queues[best].Queue] -= totalWeight;
            }

            var task = queues[best].Tasks[heads[best]++];
            left[best]--;
            if (nameAllowance.TryGetValue(task.Name, out var allowance))
            {
                nameAllowance[task.Name] = allowance - 1;
            }

            picked.Add(task);
        }

        return picked;
    }

    // Across queues under QueueOrder.Priority: the claim order (FIFO).
    private static bool Before(Candidate a, Candidate b) => Candidate.Compare(a, b, TaskOrder.Fifo) < 0;
}

/// <summary>A pending task a claim may take. <see cref="RunAt"/> is its due time in any unit that keeps the order (each store picks one).</summary>
internal readonly record struct Candidate(long Id, string Name, int Priority, long RunAt)
{
    /// <summary>Claim order: higher priority first, then earlier due and lower id (FIFO), or later due and higher id (LIFO).</summary>
    public static int Compare(Candidate a, Candidate b, TaskOrder order) =>
        a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority)
        : order == TaskOrder.Lifo ? (a.RunAt != b.RunAt ? b.RunAt.CompareTo(a.RunAt) : b.Id.CompareTo(a.Id))
        : a.RunAt != b.RunAt ? a.RunAt.CompareTo(b.RunAt) : a.Id.CompareTo(b.Id);
}

/// <summary>One queue's candidates in its own order, its weight, and how many it may start now (free slots and rate allowance).</summary>
internal sealed record QueueCandidates(string Queue, int Weight, int Allowance, List<Candidate> Tasks);
