using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>
/// Transactional enqueue (the outbox): a task enqueued inside the application's own transaction exists only if that
/// transaction commits. The same tests run on SQLite and PostgreSQL.
/// </summary>
public abstract class OutboxTests : IAsyncLifetime
{
    protected TempDatabase Db { get; } = new();

    protected abstract Task<TestHost> StartHostAsync();

    /// <summary>An open application connection to the store's database, and the name of a fresh business table there.</summary>
    protected abstract Task<(DbConnection Connection, string Orders)> OpenApplicationAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        Db.Dispose();
        return Task.CompletedTask;
    }

    [SkippableFact]
    public async Task A_task_enqueued_in_a_committed_transaction_runs_with_the_business_row_in_place()
    {
        await using var host = await StartHostAsync();
        var (connection, orders) = await OpenApplicationAsync();
        await using var _ = connection;
        long id;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, transaction, $"INSERT INTO {orders} (id, label) VALUES (1, 'paid')");
            id = await host.Queue.EnqueueAsync(transaction, Tasks.RecordOrder.Definition, new OrderPayload { Label = "paid" });
            await transaction.CommitAsync();
        }

        var done = await host.WaitForAsync(id, t => t.State == TaskState.Succeeded);

        Assert.Equal(["paid"], host.Recorder.Order);
        Assert.Equal(1L, Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM {orders}"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, done.Attempts);
    }

    [SkippableFact]
    public async Task Tasks_enqueued_in_a_rolled_back_transaction_never_exist()
    {
        await using var host = await StartHostAsync();
        var (connection, orders) = await OpenApplicationAsync();
        await using var _ = connection;
        IReadOnlyList<long> ids;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, transaction, $"INSERT INTO {orders} (id, label) VALUES (1, 'declined')");
            ids = await host.Queue.EnqueueManyAsync(transaction, Tasks.RecordOrder.Definition, [new OrderPayload { Label = "a" }, new OrderPayload { Label = "b" }]);
            Assert.Equal(2, ids.Count);
            await transaction.RollbackAsync();
        }

        Assert.Null(await host.Queue.GetTaskAsync(ids[0]));
        Assert.Null(await host.Queue.GetTaskAsync(ids[1]));
        Assert.Equal(0L, Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM {orders}"), System.Globalization.CultureInfo.InvariantCulture));

        // The worker drains a later task and nothing else: the rolled-back ones never ran.
        var marker = await host.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "marker" });
        await host.WaitForAsync(marker, t => t.State == TaskState.Succeeded);
        Assert.Equal(["marker"], host.Recorder.Order);
        Assert.Equal(1, (await host.Queue.GetStatisticsAsync()).Total);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected static async Task<object?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    protected static Task CreateOrdersAsync(DbConnection connection, string orders) =>
        ExecuteAsync(connection, null, $"CREATE TABLE {orders} (id integer PRIMARY KEY, label text NOT NULL)");
}

/// <summary>The outbox on SQLite: the application's SqliteConnection on the same file.</summary>
public sealed class SqliteOutboxTests : OutboxTests
{
    // The worker polls once an hour: the application's commit changes the WAL file, and the worker's watcher wakes it.
    protected override Task<TestHost> StartHostAsync() => TestHost.StartAsync(Db.Path, o => o.PollInterval = TimeSpan.FromHours(1));

    protected override async Task<(DbConnection Connection, string Orders)> OpenApplicationAsync()
    {
        var connection = new SqliteConnection($"Data Source={Db.Path}");
        await connection.OpenAsync();
        await CreateOrdersAsync(connection, "orders");
        return (connection, "orders");
    }
}

/// <summary>The outbox on PostgreSQL: the application's NpgsqlConnection on the same database, its table in another schema.</summary>
public sealed class PostgreSqlOutboxTests : OutboxTests
{
    private readonly string _schema = PostgresServer.NewSchema();

    // The worker polls once an hour: the NOTIFY sent at commit is what wakes it.
    protected override Task<TestHost> StartHostAsync() => TestHost.StartAsync(Db.Path, o => o.PollInterval = TimeSpan.FromHours(1), settings:
    [
        new("TypedQueue:PostgreSql:ConnectionString", PostgresServer.ConnectionString),
        new("TypedQueue:PostgreSql:Schema", _schema),
    ]);

    protected override async Task<(DbConnection Connection, string Orders)> OpenApplicationAsync()
    {
        var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        var orders = $"public.orders_{_schema}";
        await CreateOrdersAsync(connection, orders);
        return (connection, orders);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresServer.DropSchemaAsync(_schema);
        var connectionString = Environment.GetEnvironmentVariable(PostgresServer.Variable);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP TABLE IF EXISTS public.orders_{_schema}", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
