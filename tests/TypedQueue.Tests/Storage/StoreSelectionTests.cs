using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TypedQueue.Inspection;
using TypedQueue.PostgreSql;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Storage;

/// <summary>Choosing the store by configuration alone: SQLite by default, PostgreSQL by TypedQueue:Store or its connection string.</summary>
public sealed class StoreSelectionTests : IAsyncLifetime
{
    private readonly TempDatabase _db = new();
    private readonly string _schema = PostgresServer.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _db.Dispose();
        await PostgresServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Sqlite_stays_the_default_even_with_the_postgresql_package_referenced()
    {
        await using var host = TestHost.Build(_db.Path);

        Assert.IsType<SqliteTaskStore>(host.Host.Services.GetRequiredService<ITaskStore>());
    }

    [Fact]
    public void An_unknown_store_name_fails_validation_when_the_host_is_built()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => TestHost.Build(_db.Path, settings: [new("TypedQueue:Store", "Redis")]));
        Assert.Contains("Sqlite or PostgreSql", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Store_PostgreSql_in_configuration_runs_tasks_in_the_configured_schema()
    {
        await using var host = await TestHost.StartAsync(_db.Path, settings:
        [
            new("TypedQueue:Store", "PostgreSql"),
            new("ConnectionStrings:TypedQueue", PostgresServer.ConnectionString),
            new("TypedQueue:PostgreSql:Schema", _schema),
        ]);

        Assert.IsType<PostgreSqlTaskStore>(host.Host.Services.GetRequiredService<ITaskStore>());
        var id = await host.Queue.EnqueueAsync(Tasks.Sum.Definition, [1, 2, 3]);
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Contains("6", done.Result, StringComparison.Ordinal);
        Assert.Equal((short)3, await ScalarAsync($"SELECT state FROM \"{_schema}\".tq_tasks WHERE id = {id}"));
        Assert.False(File.Exists(_db.Path), "nothing was written to SQLite");
    }

    [SkippableFact]
    public async Task A_postgresql_connection_string_alone_selects_postgresql_and_notify_wakes_a_worker_in_another_host()
    {
        KeyValuePair<string, string?>[] settings =
        [
            new("TypedQueue:PostgreSql:ConnectionString", PostgresServer.ConnectionString),
            new("TypedQueue:PostgreSql:Schema", _schema),
        ];
        // The worker polls once an hour: only the NOTIFY of the other host's insert can wake it in time.
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromHours(1), settings: settings);
        await using var producer = await TestHost.StartAsync(_db.Path, o => o.RunWorker = false, settings: settings);

        var id = await producer.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "woken" });

        await worker.WaitForAsync(id, t => t.State == TaskState.Succeeded);
        Assert.Equal(["woken"], worker.Recorder.Order);
    }

    private static async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
