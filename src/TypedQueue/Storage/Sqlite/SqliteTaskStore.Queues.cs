using Microsoft.Data.Sqlite;
using TypedQueue.Inspection;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// Named queues: the durable pause flag, rate limits on a log of recent starts, and the lane-by-lane claim that honours
/// them. A lane is one (queue, task name) pair with pending tasks; each is walked on its own index range, so skipping a
/// paused queue or a throttled name never scans its backlog. The lane indexes are created the first time a claim needs
/// them (or a queue is paused): until then inserts and claims maintain no more indexes than before named queues.
/// </summary>
internal sealed partial class SqliteTaskStore
{
    /// <summary>Lanes in FIFO order; also finds the lanes (a loose index scan over (queue, name)).</summary>
    internal const string LaneFifoIndexSql = "CREATE INDEX IF NOT EXISTS tq_tasks_lane_fifo ON tq_tasks (queue, name, priority DESC, run_at, id) WHERE state = 1";

    /// <summary>Lanes walked backwards: priority DESC, run_at DESC, id DESC, the LIFO order.</summary>
    internal const string LaneLifoIndexSql = "CREATE INDEX IF NOT EXISTS tq_tasks_lane_lifo ON tq_tasks (queue, name, priority, run_at, id) WHERE state = 1";

    /// <summary>The first lane of the first queue after <c>$queue</c> (a loose index scan, one seek per queue).</summary>
    internal const string NextQueueSql =
        "SELECT queue, name FROM tq_tasks INDEXED BY tq_tasks_lane_fifo WHERE state = 1 AND queue > $queue ORDER BY queue, name LIMIT 1";

    /// <summary>The next lane of <c>$queue</c> after task name <c>$name</c>.</summary>
    internal const string NextLaneSql =
        "SELECT name FROM tq_tasks INDEXED BY tq_tasks_lane_fifo WHERE state = 1 AND queue = $queue AND name > $name ORDER BY queue, name LIMIT 1";

    /// <summary>A lane's best pending tasks, oldest first within a priority (<c>+ 0</c>: see <see cref="ClaimSql"/>).</summary>
    internal const string LaneFifoSql =
        "SELECT id, priority, run_at FROM tq_tasks INDEXED BY tq_tasks_lane_fifo WHERE state = 1 AND queue = $queue AND name = $name ORDER BY priority DESC, run_at, id LIMIT $limit + 0";

    /// <summary>A lane's best pending tasks, newest first within a priority (the LIFO index walked backwards).</summary>
    internal const string LaneLifoSql =
        "SELECT id, priority, run_at FROM tq_tasks INDEXED BY tq_tasks_lane_lifo WHERE state = 1 AND queue = $queue AND name = $name ORDER BY priority DESC, run_at DESC, id DESC LIMIT $limit + 0";

    private const string ClaimByIdSql = $"""
        UPDATE tq_tasks
        SET state = 2, attempts = attempts + 1, worker_id = $worker, lease_expires_at = $lease, started_at = $now
        WHERE id IN (SELECT value FROM json_each($ids)) AND state = 1
        RETURNING {TaskRows.ClaimedColumns}
        """;

    private readonly LaneClaimPlanner _planner = new();

    // Paused queues as last read, and the writer's data_version then: re-read only after another connection committed.
    private HashSet<string> _paused = new(StringComparer.Ordinal);
    private long _pausedVersion = long.MinValue;

    // Whether this store has made sure the lane indexes exist (they are never dropped).
    private bool _fifoLanesReady;
    private bool _lifoLanesReady;

    private SqliteStatement? _dataVersion;
    private SqliteCommand? _readPaused;
    private SqliteCommand? _nextQueue;
    private SqliteCommand? _nextLane;
    private SqliteCommand? _laneFifo;
    private SqliteCommand? _laneLifo;
    private SqliteStatement? _claimById;
    private SqliteCommand? _pruneStarts;
    private SqliteCommand? _readStarts;
    private SqliteCommand? _recordStarts;

    public Task<bool> SetQueuePausedAsync(string queue, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(paused ? "pause a queue" : "resume a queue", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = paused
                ? """
                  INSERT INTO tq_queues (name, paused, changed_at) VALUES ($name, 1, $now)
                  ON CONFLICT (name) DO UPDATE SET paused = 1, changed_at = excluded.changed_at WHERE paused = 0
                  """
                : "UPDATE tq_queues SET paused = 0, changed_at = $now WHERE name = $name AND paused = 1";
            command.Parameters.AddWithValue("$name", queue);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            if (paused)
            {
                // Every process that sees the flag claims lane by lane; the index is in the same commit as the flag.
                await EnsureLaneIndexAsync(connection, lifo: false, cancellationToken).ConfigureAwait(false);
            }

            // This connection's own commits leave data_version alone: make the next claim read the flags again.
            _pausedVersion = long.MinValue;
            return changed;
        }, cancellationToken);

    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<QueueInfo>>("list queues", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT q.name, COALESCE(p.paused, 0), p.changed_at
                FROM (SELECT queue AS name FROM tq_tasks UNION SELECT name FROM tq_queues) AS q
                LEFT JOIN tq_queues AS p ON p.name = q.name
                ORDER BY q.name
                """;
            var queues = new List<QueueInfo>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var paused = reader.GetInt64(1) != 0;
                queues.Add(new QueueInfo(reader.GetString(0), paused, paused && !reader.IsDBNull(2) ? FromMs(reader.GetInt64(2)) : null));
            }

            return queues;
        }, cancellationToken);

    /// <summary>
    /// Re-reads the paused queues when another connection has committed since the last read (PRAGMA data_version, a
    /// counter in memory): in a single process nothing but this cheap pragma is added to a claim.
    /// </summary>
    private async Task RefreshPausedAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var version = DataVersion(connection);
        if (version == _pausedVersion)
        {
            return;
        }

        var read = _readPaused ??= Prepare(connection, "SELECT name FROM tq_queues WHERE paused = 1");
        var paused = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                paused.Add(reader.GetString(0));
            }
        }

        _paused = paused;
        _pausedVersion = version;
    }

    /// <summary>
    /// The claim under a policy: finds the lanes with pending tasks (skipping paused queues), lets the shared
    /// <see cref="LaneClaimPlanner"/> read each lane's best candidates up to what its queue and name may still start and
    /// choose, claims the chosen ids and logs the starts of rate-limited keys, all inside the caller's write transaction.
    /// </summary>
    private async Task<ClaimResult> ClaimByLaneAsync(SqliteConnection connection, ClaimRequest request, long now, CancellationToken cancellationToken)
    {
        var claimed = new List<ClaimedTask>();
        DateTimeOffset? nextAllowed = null;
        if (request.Max > 0)
        {
            await EnsureLaneIndexAsync(connection, lifo: false, cancellationToken).ConfigureAwait(false);
            var lanes = await ReadLanesAsync(connection, cancellationToken).ConfigureAwait(false);
            var plan = await _planner.PlanAsync(request, lanes, new LaneReader(this, connection), now, cancellationToken).ConfigureAwait(false);
            if (plan.Picked.Count > 0)
            {
                claimed = ClaimIds(connection, request, now, plan);
                await RecordStartsAsync(connection, plan.CountStarts(claimed, now), now, cancellationToken).ConfigureAwait(false);
            }

            nextAllowed = plan.NextAllowedAt;
        }

        return new ClaimResult(claimed, NextDue(connection), nextAllowed);
    }

    /// <summary>Every lane with pending tasks, paused queues left out: one index seek per lane and per queue.</summary>
    private async Task<List<(string Queue, string Name)>> ReadLanesAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var nextQueue = _nextQueue ??= Prepare(connection, NextQueueSql, "$queue");
        var nextLane = _nextLane ??= Prepare(connection, NextLaneSql, "$queue", "$name");
        var lanes = new List<(string Queue, string Name)>();
        var after = string.Empty;
        while (true)
        {
            nextQueue.Parameters[0].Value = after;
            string queue, name;
            await using (var reader = await nextQueue.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return lanes;
                }

                (queue, name) = (reader.GetString(0), reader.GetString(1));
            }

            after = queue;
            if (_paused.Contains(queue))
            {
                continue; // its tasks stay pending, untouched.
            }

            lanes.Add((queue, name));
            nextLane.Parameters[0].Value = queue;
            while (true)
            {
                nextLane.Parameters[1].Value = name;
                if (await nextLane.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string following)
                {
                    break;
                }

                lanes.Add((queue, name = following));
            }
        }
    }

    private async Task ReadLaneAsync(SqliteConnection connection, TaskOrder order, string queue, string name, int limit, List<Candidate> into, CancellationToken cancellationToken)
    {
        if (order == TaskOrder.Lifo)
        {
            await EnsureLaneIndexAsync(connection, lifo: true, cancellationToken).ConfigureAwait(false);
        }

        var command = order == TaskOrder.Lifo
            ? _laneLifo ??= Prepare(connection, LaneLifoSql, "$queue", "$name", "$limit")
            : _laneFifo ??= Prepare(connection, LaneFifoSql, "$queue", "$name", "$limit");
        command.Parameters[0].Value = queue;
        command.Parameters[1].Value = name;
        command.Parameters[2].Value = (long)limit;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            into.Add(new Candidate(reader.GetInt64(0), name, reader.GetInt32(1), reader.GetInt64(2)));
        }
    }

    private List<ClaimedTask> ClaimIds(SqliteConnection connection, ClaimRequest request, long now, LanePlan plan)
    {
        var claim = _claimById ??= SqliteStatement.Prepare(connection, ClaimByIdSql, parameters: ["$worker", "$lease", "$now", "$ids"]);
        BindClaim(claim, request, now);
        claim.Bind(4, "[" + string.Join(',', plan.PickedIds.Select(static id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]");
        var claimed = new List<ClaimedTask>(plan.Picked.Count);
        ReadClaimed(claim, claimed);

        return plan.InPickedOrder(claimed);
    }

    /// <summary>Prunes a key's starts that left the window and reads the rest (at most one row per claim instant).</summary>
    private async Task<RateWindow> ReadWindowAsync(SqliteConnection connection, RateKey key, long now, CancellationToken cancellationToken)
    {
        var prune = _pruneStarts ??= Prepare(connection, "DELETE FROM tq_rate_starts WHERE key = $key AND started_at <= $cutoff", "$key", "$cutoff");
        prune.Parameters[0].Value = key.Key;
        prune.Parameters[1].Value = key.CutoffAt(now);
        await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        var read = _readStarts ??= Prepare(connection, "SELECT started_at, starts FROM tq_rate_starts WHERE key = $key ORDER BY started_at", "$key");
        read.Parameters[0].Value = key.Key;
        var window = new RateWindow(key.Limit.Limit, RateWindow.PeriodOf(key.Limit));
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                window.Add(reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        return window;
    }

    /// <summary>Logs the starts a claim made per rate-limited key (the single writer serializes claims: no lock needed).</summary>
    private async Task RecordStartsAsync(SqliteConnection connection, Dictionary<string, long> starts, long now, CancellationToken cancellationToken)
    {
        if (starts.Count == 0)
        {
            return;
        }

        var record = _recordStarts ??= Prepare(connection, """
            INSERT INTO tq_rate_starts (key, started_at, starts) VALUES ($key, $now, $starts)
            ON CONFLICT (key, started_at) DO UPDATE SET starts = starts + excluded.starts
            """, "$key", "$now", "$starts");
        foreach (var (key, count) in starts)
        {
            record.Parameters[0].Value = key;
            record.Parameters[1].Value = now;
            record.Parameters[2].Value = count;
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates a lane index the first time this store needs it (a no-op statement when another process already did; a
    /// one-time build over the pending tasks otherwise, inside the caller's write transaction).
    /// </summary>
    private async Task EnsureLaneIndexAsync(SqliteConnection connection, bool lifo, CancellationToken cancellationToken)
    {
        if (lifo ? _lifoLanesReady : _fifoLanesReady)
        {
            return;
        }

        await ExecuteAsync(connection, null, lifo ? LaneLifoIndexSql : LaneFifoIndexSql, cancellationToken).ConfigureAwait(false);

        // Prepared statements that name the index must be compiled after it exists.
        if (lifo)
        {
            _lifoLanesReady = true;
        }
        else
        {
            _fifoLanesReady = true;
        }
    }

    /// <summary>A rolled-back transaction may have created an index or read flags that never committed: check again next time.</summary>
    private void ForgetUncommitted()
    {
        _pausedVersion = long.MinValue;
        _fifoLanesReady = _lifoLanesReady = false;
    }

    private void ResetLaneCommands()
    {
        foreach (var command in new[] { _readPaused, _nextQueue, _nextLane, _laneFifo, _laneLifo, _pruneStarts, _readStarts, _recordStarts })
        {
            command?.Dispose();
        }

        _readPaused = _nextQueue = _nextLane = _laneFifo = _laneLifo = _pruneStarts = _readStarts = _recordStarts = null;
        _claimById?.Dispose();
        _claimById = null;
        ForgetUncommitted();
    }

    /// <summary>The lane reads of one claim, on its connection and inside its transaction.</summary>
    private sealed class LaneReader(SqliteTaskStore store, SqliteConnection connection) : ILaneReader
    {
        public async Task ReadWindowsAsync(IReadOnlyList<RateKey> keys, long now, Dictionary<string, RateWindow> into, CancellationToken cancellationToken)
        {
            foreach (var key in keys)
            {
                into[key.Key] = await store.ReadWindowAsync(connection, key, now, cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task ReadLanesAsync(IReadOnlyList<LaneRead> lanes, CancellationToken cancellationToken)
        {
            foreach (var lane in lanes)
            {
                await store.ReadLaneAsync(connection, lane.Order, lane.Queue, lane.Name, lane.Limit, lane.Into, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
