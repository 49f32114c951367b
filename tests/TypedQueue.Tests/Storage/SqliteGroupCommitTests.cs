using Microsoft.Data.Sqlite;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Storage;

/// <summary>Concurrent enqueues share transactions (group commit): every caller gets its own ids, and nothing is lost or doubled.</summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Concurrent_callers_each_get_the_ids_of_their_own_rows()
    {
        await using var store = await OpenAsync();
        const int callers = 16, perCaller = 150;

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var ids = new List<(long Id, string Payload)>();
            for (var i = 0; i < perCaller; i++)
            {
                var payload = $$"""{"caller":{{caller}},"i":{{i}}}""";
                var batch = i % 10 == 0 ? [Row(payload), Row(payload + " ")] : new[] { Row(payload) };
                var got = await store.InsertManyAsync(batch, default);
                Assert.Equal(batch.Length, got.Length);
                ids.AddRange(got.Select((id, k) => (id, batch[k].Payload)));
            }

            return ids;
        })));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(all.Count, all.Select(r => r.Id).Distinct().Count());
        Assert.Equal(all.Count, await CountRowsAsync());
        foreach (var (id, payload) in all)
        {
            Assert.Equal(payload, (await store.GetAsync(id, default))!.Payload);
        }
    }

    [Fact]
    public async Task After_a_burst_of_sixteen_callers_a_lone_caller_gets_its_own_rows()
    {
        await using var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => store.InsertManyAsync([Row($$"""{"burst":{{i}}}""")], default))));

        var lone = await store.InsertManyAsync([Row("""{"lone":1}""")], default);
        var next = await store.InsertManyAsync([Row("""{"lone":2}""")], default);

        Assert.Equal("""{"lone":1}""", (await store.GetAsync(Assert.Single(lone), default))!.Payload);
        Assert.Equal("""{"lone":2}""", (await store.GetAsync(Assert.Single(next), default))!.Payload);
        Assert.Equal(18, await CountRowsAsync());
    }

    [Fact]
    public async Task A_cancelled_caller_either_gets_its_id_or_stores_nothing()
    {
        await using var store = await OpenAsync();
        using var cancel = new CancellationTokenSource();
        var calls = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            var payload = $$"""{"i":{{i}}}""";
            if (i == 200)
            {
                await cancel.CancelAsync();
            }

            try
            {
                return (Payload: payload, Id: (long?)(await store.InsertManyAsync([Row(payload)], i % 2 == 0 ? cancel.Token : default))[0]);
            }
            catch (OperationCanceledException)
            {
                return (Payload: payload, Id: (long?)null);
            }
        })).ToList();
        var outcomes = await Task.WhenAll(calls);

        var stored = await StoredPayloadsAsync();
        foreach (var (payload, id) in outcomes)
        {
            if (id is { } stored1)
            {
                Assert.Equal(payload, stored[stored1]);
            }
            else
            {
                Assert.DoesNotContain(payload, stored.Values);
            }
        }

        Assert.Equal(outcomes.Count(o => o.Id is not null), stored.Count);
        Assert.All(outcomes.Where((_, i) => i % 2 == 1), o => Assert.NotNull(o.Id)); // uncancellable callers always succeed
    }

    [Fact]
    public async Task Enqueues_that_ride_along_with_claims_are_stored_once_and_claimed_once()
    {
        // Claims take the enqueues waiting for the write lock into their own transaction; every caller still gets its
        // own ids, and every row is claimed exactly once.
        await using var store = await OpenAsync();
        var producing = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            var ids = new List<long>();
            for (var i = 0; i < 200; i++)
            {
                ids.AddRange(await store.InsertManyAsync([Row($$"""{"caller":{{caller}},"i":{{i}}}""")], default));
            }

            return ids;
        })).ToList();
        var claimed = new List<long>();
        var all = Task.WhenAll(producing);
        while (!all.IsCompleted || claimed.Count < 1_600)
        {
            var claim = await store.ClaimAvailableAsync(new ClaimRequest("w", 64, T0, T0.AddMinutes(5)), [], default);
            claimed.AddRange(claim.Tasks.Select(t => t.Id));
            if (claim.Tasks.Count == 0 && all.IsCompleted && claimed.Count < 1_600)
            {
                Assert.Fail($"{1_600 - claimed.Count} enqueued tasks were never claimable.");
            }
        }

        var enqueued = (await all).SelectMany(ids => ids).ToList();
        Assert.Equal(1_600, enqueued.Distinct().Count());
        Assert.Equal(enqueued.Order(), claimed.Order());
        Assert.Equal(1_600, await CountRowsAsync());
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(16, false)]
    [InlineData(17, false)]
    [InlineData(40, false)]
    [InlineData(2, true)]
    [InlineData(40, true)]
    public async Task Rows_with_and_without_keys_in_one_batch_get_their_own_ids_in_order(int count, bool inApplicationTransaction)
    {
        // Runs of rows without a key go in one statement of up to 16 rows, which reports only its last id; a row with a
        // key goes on its own. Every row still gets its own id, in the order of the batch, in the store's own
        // transaction and in the application's (the outbox).
        await using var store = await OpenAsync();
        var held = (await store.InsertManyAsync([Row("""{"held":1}""") with { IdempotencyKey = "k-held" }], default))[0];
        var batch = Enumerable.Range(0, count).Select(i => Row($$"""{"i":{{i}}}""") with { IdempotencyKey = i % 7 == 3 ? $"k-{i}" : null }).ToList();
        batch.Add(Row("""{"again":1}""") with { IdempotencyKey = "k-held" });
        batch.AddRange(Enumerable.Range(count, 3).Select(i => Row($$"""{"i":{{i}}}""")));

        var ids = await InsertAsync(store, batch, inApplicationTransaction);

        Assert.Equal(held, ids[count]); // the key's holder, not a new row
        var fresh = ids.Where((_, i) => i != count).ToList();
        Assert.Equal(fresh.Order(), fresh); // inserted in the batch's order
        var stored = await StoredPayloadsAsync();
        Assert.Equal(count + 4, stored.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            Assert.Equal(i == count ? """{"held":1}""" : batch[i].Payload, stored[ids[i]]);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(57)]
    public async Task Up_to_the_largest_possible_id_every_row_gets_its_own_and_past_it_the_batch_fails_whole(long below)
    {
        // A statement of many rows reports only its last id; the others are the ones before it because AUTOINCREMENT
        // numbers rows one after another and never at random, even next to the largest possible id.
        await using var store = await OpenAsync();
        await ExecuteAsync($"INSERT INTO tq_tasks (id, name, queue, state, priority, payload, max_attempts, enqueued_at, run_at) VALUES ({long.MaxValue - below}, 't', 'default', 1, 0, '{{}}', 3, 0, 0)");

        for (var round = 0; round < below / 20; round++)
        {
            var batch = Enumerable.Range(0, 20).Select(i => Row($$"""{"round":{{round}},"i":{{i}}}""")).ToList();
            var ids = await store.InsertManyAsync(batch, default);

            var stored = await StoredPayloadsAsync();
            Assert.Equal(batch.Select(row => row.Payload), ids.Select(id => stored[id]));
        }

        var late = Enumerable.Range(0, 20).Select(i => Row($$"""{"late":{{i}}}""")).ToList();
        await Assert.ThrowsAsync<TaskStoreException>(() => store.InsertManyAsync(late, default));
        Assert.Equal(1 + below / 20 * 20, await CountRowsAsync());
    }

    [Theory]
    [InlineData("AFTER", false)]
    [InlineData("BEFORE", false)]
    [InlineData("AFTER", true)]
    [InlineData("BEFORE", true)]
    public async Task A_trigger_of_the_application_that_enqueues_into_tq_tasks_does_not_shift_the_returned_ids(string timing, bool inApplicationTransaction)
    {
        // A trigger on tq_tasks that inserts a row of its own (here: a follow-up task for every "t") takes ids between
        // the statement's rows. sqlite3_changes counts only the statement's own rows, so a multi-row insert cannot tell
        // its rows' ids from the last one; every caller must still get the ids of its own rows.
        await using var store = await OpenAsync();
        await store.InsertManyAsync(Enumerable.Range(0, 20).Select(i => Row($$"""{"before":{{i}}}""")).ToList(), default); // statements kept from before the trigger
        await ExecuteAsync($"""
            CREATE TRIGGER tq_test_follow_up {timing} INSERT ON tq_tasks WHEN NEW.name = 't'
            BEGIN
                INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at)
                VALUES ('follow-up', 'default', 1, 0, '{"{"}"follow":' || json_quote(NEW.payload) || '{"}"}', 3, 0, 0);
            END;
            """);
        var batch = Enumerable.Range(0, 20).Select(i => Row($$"""{"i":{{i}}}""") with { IdempotencyKey = i == 5 ? "k-5" : null }).ToList();

        var ids = await InsertAsync(store, batch, inApplicationTransaction);

        var stored = await StoredPayloadsAsync();
        Assert.Equal(20 + 40, stored.Count); // each row and its follow-up
        Assert.Equal(batch.Select(row => row.Payload), ids.Select(id => stored[id]));
    }

    [Fact]
    public async Task A_temporary_trigger_of_the_application_connection_that_enqueues_into_tq_tasks_does_not_shift_the_returned_ids()
    {
        // A TEMP trigger lives only on the connection that made it (sqlite_temp_schema), here the application's.
        await using var store = await OpenAsync();
        var batch = Enumerable.Range(0, 20).Select(i => Row($$"""{"i":{{i}}}""")).ToList();
        await using var connection = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await connection.OpenAsync();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                CREATE TEMP TRIGGER tq_test_follow_up AFTER INSERT ON main.tq_tasks WHEN NEW.name = 't'
                BEGIN
                    INSERT INTO tq_tasks (name, queue, state, priority, payload, max_attempts, enqueued_at, run_at)
                    VALUES ('follow-up', 'default', 1, 0, '{}', 3, 0, 0);
                END;
                """;
            await command.ExecuteNonQueryAsync();
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var ids = await store.InsertManyAsync(batch, transaction, default);
        await transaction.CommitAsync();

        var stored = await StoredPayloadsAsync();
        Assert.Equal(40, stored.Count);
        Assert.Equal(batch.Select(row => row.Payload), ids.Select(id => stored[id]));
    }

    /// <summary>Inserts the batch in the store's own transaction, or in an application's transaction that then commits (the outbox).</summary>
    private async Task<long[]> InsertAsync(SqliteTaskStore store, IReadOnlyList<NewTask> batch, bool inApplicationTransaction)
    {
        if (!inApplicationTransaction)
        {
            return await store.InsertManyAsync(batch, default);
        }

        await using var connection = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var ids = await store.InsertManyAsync(batch, transaction, default);
        await transaction.CommitAsync();
        return ids;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<SqliteTaskStore> OpenAsync()
    {
        var store = new SqliteTaskStore(SqliteStoreSettings.From(new TypedQueueOptions { DatabasePath = _db.Path }));
        await store.MigrateAsync(default);
        return store;
    }

    private static NewTask Row(string payload) => new("t", "default", 0, 3, payload, T0, T0, null);

    private async Task<long> CountRowsAsync() => (await StoredPayloadsAsync()).Count;

    private async Task<Dictionary<long, string>> StoredPayloadsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_db.Path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, payload FROM tq_tasks";
        var rows = new Dictionary<long, string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetInt64(0), reader.GetString(1));
        }

        return rows;
    }
}
