using Npgsql;
using NpgsqlTypes;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.PostgreSql;

/// <summary>
/// Named queues: the durable pause flag, rate limits on a log of recent starts, and the lane-by-lane claim that honours
/// them, planned by the same <see cref="LaneClaimPlanner"/> as SQLite's. A lane is one (queue, task name) pair with
/// pending tasks, walked on its own index range with <c>FOR UPDATE SKIP LOCKED</c>; rate-limited claims serialize on a
/// transaction-scoped advisory lock per limit key, so claims on two machines cannot both take a window's last start.
/// </summary>
internal sealed partial class PostgreSqlTaskStore
{
    private readonly LaneClaimPlanner _planner = new();

    // Whether the last claim saw a paused queue: the next claims then go lane by lane, so none walks a paused backlog.
    // The plain claim filters paused queues itself, so a pause written elsewhere holds even before this flag knows.
    private volatile bool _anyPaused;

    public Task<bool> SetQueuePausedAsync(string queue, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(paused ? "pause a queue" : "resume a queue", async (connection, transaction) =>
        {
            var changed = await ExecuteAsync(connection, transaction, paused ? _queueSql.Pause : _queueSql.Resume, cancellationToken, queue, now.UtcDateTime).ConfigureAwait(false) == 1;
            if (changed && !paused)
            {
                // Idle workers elsewhere wake and claim the queue's backlog at once.
                await ExecuteAsync(connection, transaction, "SELECT pg_notify($1, 'resumed')", cancellationToken, _settings.Channel).ConfigureAwait(false);
            }

            if (paused)
            {
                _anyPaused = true;
            }

            return changed;
        }, cancellationToken);

    public Task<IReadOnlyList<QueueInfo>> ListQueuesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<QueueInfo>>("list queues", async connection =>
        {
            await using var command = Command(connection, null, _queueSql.List);
            var queues = new List<QueueInfo>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var paused = reader.GetBoolean(1);
                queues.Add(new QueueInfo(reader.GetString(0), paused, paused && !reader.IsDBNull(2) ? Time(reader, 2) : null));
            }

            return queues;
        }, cancellationToken);

    /// <summary>
    /// The claim under a policy, in one transaction: outcomes, promotion, the lanes (paused queues left out) and the next
    /// due time in one batch; then the planner's reads (rate windows, under their advisory locks, and each lane's best
    /// candidates, locked with SKIP LOCKED); then the claim of the chosen ids and the log of their starts.
    /// </summary>
    private Task<ClaimResult> ClaimByLaneAsync(ClaimRequest request, IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken) =>
        WriteAsync("claim tasks", async (connection, transaction) =>
        {
            var now = request.Now.ToUnixTimeMilliseconds();
            var lanes = new List<(string Queue, string Name)>();
            DateTimeOffset? next;
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                foreach (var command in CompletionCommands(completions))
                {
                    batch.BatchCommands.Add(command);
                }

                batch.BatchCommands.Add(BatchCommand(_sql.Promote, request.Now.UtcDateTime));
                if (request.Max > 0)
                {
                    batch.BatchCommands.Add(BatchCommand(_queueSql.Lanes));
                }

                // Nothing below changes a scheduled task: the next due time can be read now.
                batch.BatchCommands.Add(BatchCommand(_sql.NextDue));
                await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (request.Max > 0)
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        lanes.Add((reader.GetString(0), reader.GetString(1)));
                    }

                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                next = await ReadNextDueAsync(reader, cancellationToken).ConfigureAwait(false);
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }

            if (request.Max <= 0)
            {
                return new ClaimResult([], next);
            }

            var plan = await _planner.PlanAsync(request, lanes, new LaneReader(this, connection, transaction), now, cancellationToken).ConfigureAwait(false);
            if (plan.Picked.Count == 0)
            {
                return new ClaimResult([], next, plan.NextAllowedAt);
            }

            var claimed = new List<ClaimedTask>(plan.Picked.Count);
            await using (var command = Command(connection, transaction, _queueSql.ClaimByIds, request.WorkerId, request.LeaseExpiresAt.UtcDateTime, request.Now.UtcDateTime))
            {
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = plan.PickedIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    claimed.Add(TaskRows.ReadClaimed(reader, ReadTime));
                }
            }

            claimed = plan.InPickedOrder(claimed);
            var starts = plan.CountStarts(claimed, now);
            if (starts.Count > 0)
            {
                await using var record = Command(connection, transaction, _queueSql.RecordStarts, DateTimeOffset.FromUnixTimeMilliseconds(now).UtcDateTime);
                record.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. starts.Keys], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                record.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. starts.Values], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new ClaimResult(claimed, next, plan.NextAllowedAt);
        }, cancellationToken);

    /// <summary>The planner's reads for one claim, on its connection and inside its transaction (one round trip each).</summary>
    private sealed class LaneReader(PostgreSqlTaskStore store, NpgsqlConnection connection, NpgsqlTransaction transaction) : ILaneReader
    {
        /// <summary>
        /// Takes each key's advisory lock (held to the end of the transaction; keys come sorted, so claims lock in one
        /// order), then prunes and reads the windows. Each statement of the batch reads a fresh snapshot, so the read sees
        /// the starts logged by the claim that held the lock before.
        /// </summary>
        public async Task ReadWindowsAsync(IReadOnlyList<RateKey> keys, long now, Dictionary<string, RateWindow> into, CancellationToken cancellationToken)
        {
            var names = keys.Select(static k => k.Key).ToArray();
            await using var batch = new NpgsqlBatch(connection, transaction);
            var sql = store._queueSql;
            var lockKeys = BatchCommand(sql.LockKeys, sql.LockPrefix);
            lockKeys.Parameters.Add(TextArray(names));
            batch.BatchCommands.Add(lockKeys);

            var prune = new NpgsqlBatchCommand(sql.PruneStarts);
            prune.Parameters.Add(TextArray(names));
            prune.Parameters.Add(new NpgsqlParameter<DateTime[]>
            {
                TypedValue = [.. keys.Select(k => DateTimeOffset.FromUnixTimeMilliseconds(k.CutoffAt(now)).UtcDateTime)],
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            });
            batch.BatchCommands.Add(prune);

            var read = new NpgsqlBatchCommand(sql.ReadStarts);
            read.Parameters.Add(TextArray(names));
            batch.BatchCommands.Add(read);

            foreach (var key in keys)
            {
                into[key.Key] = new RateWindow(key.Limit.Limit, RateWindow.PeriodOf(key.Limit));
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            do
            {
                // The lock statement's rows (void) and the delete (no result set) are skipped; the read has three columns.
                if (reader.FieldCount != 3)
                {
                    continue;
                }

                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    into[reader.GetString(0)].Add(Time(reader, 1).ToUnixTimeMilliseconds(), reader.GetInt64(2));
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        /// <summary>Every lane in one round trip: a LATERAL index walk per lane, FIFO and LIFO lanes in one statement each.</summary>
        public async Task ReadLanesAsync(IReadOnlyList<LaneRead> lanes, CancellationToken cancellationToken)
        {
            var fifo = lanes.Where(static l => l.Order != TaskOrder.Lifo).ToList();
            var lifo = lanes.Where(static l => l.Order == TaskOrder.Lifo).ToList();
            await using var batch = new NpgsqlBatch(connection, transaction);
            var groups = new List<List<LaneRead>>(2);
            foreach (var (group, sql) in (ReadOnlySpan<(List<LaneRead>, string)>)[(fifo, store._queueSql.LaneFifo), (lifo, store._queueSql.LaneLifo)])
            {
                if (group.Count == 0)
                {
                    continue;
                }

                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.Add(TextArray([.. group.Select(static l => l.Queue)]));
                command.Parameters.Add(TextArray([.. group.Select(static l => l.Name)]));
                command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. group.Select(static l => l.Limit)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
                batch.BatchCommands.Add(command);
                groups.Add(group);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            foreach (var group in groups)
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var lane = group[(int)reader.GetInt64(0) - 1];
                    lane.Into.Add(new Candidate(reader.GetInt64(1), lane.Name, reader.GetInt32(2), reader.GetFieldValue<DateTime>(3).Ticks));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private static NpgsqlParameter<string[]> TextArray(string[] values) =>
            new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
    }

    /// <summary>The named-queue statements, with the schema filled in once.</summary>
    private sealed class QueueSql(string s, string schema)
    {
        /// <summary>Prefixes the advisory lock keys, so limits of different schemas (or other applications' locks) never share one.</summary>
        public string LockPrefix { get; } = $"typedqueue:{schema}:rate:";

        public string Pause { get; } = $"""
            INSERT INTO {s}.tq_queues AS q (name, paused, changed_at) VALUES ($1, true, $2)
            ON CONFLICT (name) DO UPDATE SET paused = true, changed_at = excluded.changed_at WHERE NOT q.paused
            """;

        public string Resume { get; } = $"UPDATE {s}.tq_queues SET paused = false, changed_at = $2 WHERE name = $1 AND paused";

        public string List { get; } = $"""
            SELECT q.name, COALESCE(p.paused, false), p.changed_at
            FROM (SELECT queue AS name FROM {s}.tq_tasks UNION SELECT name FROM {s}.tq_queues) AS q
            LEFT JOIN {s}.tq_queues AS p ON p.name = q.name
            ORDER BY q.name COLLATE "C"
            """;

        // A loose index scan over tq_tasks_lane_fifo: one index seek per lane, however deep each lane's backlog.
        public string Lanes { get; } = $"""
            WITH RECURSIVE lanes (queue, name) AS (
                (SELECT queue, name FROM {s}.tq_tasks WHERE state = 1 ORDER BY queue, name LIMIT 1)
                UNION ALL
                SELECT next.queue, next.name
                FROM lanes CROSS JOIN LATERAL (
                    SELECT queue, name FROM {s}.tq_tasks
                    WHERE state = 1 AND (queue, name) > (lanes.queue, lanes.name)
                    ORDER BY queue, name LIMIT 1) AS next)
            SELECT queue, name FROM lanes WHERE queue NOT IN (SELECT name FROM {s}.tq_queues WHERE paused)
            """;

        public string LaneFifo { get; } = LaneSql(s, "priority DESC, run_at, id");

        public string LaneLifo { get; } = LaneSql(s, "priority DESC, run_at DESC, id DESC");

        // unnest yields the keys in array order (sorted by the planner), so every claim takes its locks in one order.
        public string LockKeys { get; } = "SELECT pg_advisory_xact_lock(hashtextextended($1 || k, 0)) FROM unnest($2::text[]) AS k";

        public string PruneStarts { get; } = $"""
            DELETE FROM {s}.tq_rate_starts r
            USING unnest($1::text[], $2::timestamptz[]) AS c(key, cutoff)
            WHERE r.key = c.key AND r.started_at <= c.cutoff
            """;

        public string ReadStarts { get; } = $"SELECT key, started_at, starts FROM {s}.tq_rate_starts WHERE key = ANY ($1::text[]) ORDER BY key, started_at";

        public string RecordStarts { get; } = $"""
            INSERT INTO {s}.tq_rate_starts AS r (key, started_at, starts)
            SELECT k, $1, n FROM unnest($2::text[], $3::bigint[]) AS u(k, n)
            ON CONFLICT (key, started_at) DO UPDATE SET starts = r.starts + excluded.starts
            """;

        public string ClaimByIds { get; } = $"""
            UPDATE {s}.tq_tasks
            SET state = 2, attempts = attempts + 1, worker_id = $1, lease_expires_at = $2, started_at = $3
            WHERE id = ANY ($4::bigint[]) AND state = 1
            RETURNING {TaskRows.ClaimedColumns}
            """;

        // Each lane's best candidates, locked: a concurrent claimer skips them rather than waiting or taking them too.
        private static string LaneSql(string s, string order) => $"""
            SELECT l.i, t.id, t.priority, t.run_at
            FROM unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS l(queue, name, lim, i)
            CROSS JOIN LATERAL (
                SELECT id, priority, run_at FROM {s}.tq_tasks
                WHERE state = 1 AND queue = l.queue AND name = l.name
                ORDER BY {order}
                LIMIT l.lim
                FOR UPDATE SKIP LOCKED) AS t
            """;
    }
}
