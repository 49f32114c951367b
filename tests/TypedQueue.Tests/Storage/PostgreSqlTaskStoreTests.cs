using Npgsql;
using TypedQueue.PostgreSql;
using TypedQueue.Storage;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Storage;

/// <summary>The conformance suite on a real PostgreSQL server (one fresh schema per test), plus what only PostgreSQL has.</summary>
public sealed class PostgreSqlTaskStoreTests : TaskStoreConformanceTests
{
    private readonly string _schema = PostgresServer.NewSchema();

    internal override ITaskStore CreateStore() => new PostgreSqlTaskStore(PostgreSqlStoreSettings.Create(PostgresServer.ConnectionString, _schema));

    protected override Task CleanUpAsync() => PostgresServer.DropSchemaAsync(_schema);

    [SkippableFact]
    public async Task The_schema_records_its_version_and_the_claim_walks_the_pending_index()
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT version FROM \"{_schema}\".tq_schema_version", connection);
        Assert.Equal(PostgreSqlSchema.CurrentVersion, (int)(await command.ExecuteScalarAsync())!);

        command.CommandText = $"SET enable_seqscan = off; EXPLAIN SELECT id FROM \"{_schema}\".tq_tasks WHERE state = 1 ORDER BY priority DESC, run_at, id LIMIT 10 FOR UPDATE SKIP LOCKED";
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, p => p.Contains("tq_tasks_pending", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, p => p.Contains("Sort", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_schema_newer_than_this_version_is_refused_with_a_clear_error()
    {
        await using (var connection = new NpgsqlConnection(PostgresServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"UPDATE \"{_schema}\".tq_schema_version SET version = {PostgreSqlSchema.CurrentVersion + 1}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<TaskStoreException>(() => Store.MigrateAsync(default));
        Assert.Contains("newer than this version", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Stores_started_together_migrate_once()
    {
        var schema = PostgresServer.NewSchema();
        try
        {
            var stores = Enumerable.Range(0, 4).Select(_ => new PostgreSqlTaskStore(PostgreSqlStoreSettings.Create(PostgresServer.ConnectionString, schema))).ToList();
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(default))));
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
        finally
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }

    [SkippableFact]
    public async Task Sixty_four_enqueuers_of_one_key_on_two_stores_create_one_task_and_crossed_key_orders_do_not_deadlock()
    {
        await using var other = CreateStore();
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        NewTask Keyed(string key) => new("charge", "default", 0, 3, "{}", now, now, key);

        var ids = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).InsertManyAsync([Keyed("order-1")], default))));
        Assert.Single(ids.Select(r => r[0]).Distinct());

        // Batches naming the same two keys in opposite orders: keys are taken in one sorted order, so none deadlocks,
        // and each key ends up with exactly one task.
        var crossed = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).InsertManyAsync(
            i % 2 == 0 ? [Keyed("a"), Keyed("b")] : [Keyed("b"), Keyed("a")], default))));
        Assert.Single(crossed.Select(r => r[0] < r[1] ? (r[0], r[1]) : (r[1], r[0])).Distinct());
        Assert.Equal(3, new Inspection.TaskStatistics(await Store.CountByQueueAndStateAsync(default)).Total);
    }

    [SkippableFact]
    public async Task Claims_racing_on_four_stores_never_start_more_than_a_rate_limit_allows()
    {
        var stores = new List<ITaskStore> { Store };
        for (var i = 0; i < 3; i++)
        {
            stores.Add(CreateStore());
        }

        try
        {
            var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
            await Store.InsertManyAsync([.. Enumerable.Range(0, 40).Select(_ => new NewTask("api", "default", 0, 3, "{}", now, now, null))], default);
            var policy = new ClaimPolicy(QueueOrder.Priority, new Dictionary<string, QueuePolicy>(), new Dictionary<string, RateLimit> { ["api"] = new(5, TimeSpan.FromMinutes(1)) });

            // 32 claims of 2 at the same instant: without the limit key's lock, two could each see the last start free.
            var claims = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() =>
                stores[i % stores.Count].ClaimAvailableAsync(new ClaimRequest($"w{i}", 2, now, now.AddMinutes(5), policy), [], default))));

            Assert.Equal(5, claims.Sum(c => c.Tasks.Count));
            Assert.All(claims.Where(c => c.Tasks.Count == 0), c => Assert.Equal(now.AddMinutes(1), c.NextAllowedAt));
            Assert.Equal(5, claims.SelectMany(c => c.Tasks).Select(t => t.Id).Distinct().Count());
        }
        finally
        {
            foreach (var store in stores.Skip(1))
            {
                await store.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task The_plain_claim_filters_paused_queues_on_the_pending_index_and_lanes_walk_the_lane_index()
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();

        async Task<List<string>> PlanAsync(string sql)
        {
            await using var command = new NpgsqlCommand($"SET enable_seqscan = off; EXPLAIN {sql}", connection);
            var plan = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }

            return plan;
        }

        var s = $"\"{_schema}\"";
        var plain = await PlanAsync($"SELECT id FROM {s}.tq_tasks WHERE state = 1 AND queue NOT IN (SELECT name FROM {s}.tq_queues WHERE paused) ORDER BY priority DESC, run_at, id LIMIT 10 FOR UPDATE SKIP LOCKED");
        Assert.Contains(plain, p => p.Contains("tq_tasks_pending", StringComparison.Ordinal));
        Assert.DoesNotContain(plain, p => p.Contains("Sort", StringComparison.Ordinal));

        var lane = await PlanAsync($"SELECT id FROM {s}.tq_tasks WHERE state = 1 AND queue = 'q' AND name = 'n' ORDER BY priority DESC, run_at DESC, id DESC LIMIT 10 FOR UPDATE SKIP LOCKED");
        Assert.Contains(lane, p => p.Contains("tq_tasks_lane_lifo", StringComparison.Ordinal));
        Assert.DoesNotContain(lane, p => p.Contains("Sort", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_unreachable_server_is_a_task_store_exception_naming_it()
    {
        _ = PostgresServer.ConnectionString;
        await using var store = new PostgreSqlTaskStore(PostgreSqlStoreSettings.Create("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2", _schema));

        var ex = await Assert.ThrowsAsync<TaskStoreException>(() => store.MigrateAsync(default));
        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
    }
}
