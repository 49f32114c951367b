using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Tests.Support;

/// <summary>A real TypedQueue SQLite file in its own temp folder, filled through the public API; deleted afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestDatabase(string folder, string path)
    {
        Folder = folder;
        Path = path;
        _services = new ServiceCollection().AddTypedQueue(o =>
        {
            o.DatabasePath = path;
            o.RunWorker = false;
        }).BuildServiceProvider();
        Queue = _services.GetRequiredService<ITaskQueue>();
    }

    public string Folder { get; }

    public string Path { get; }

    /// <summary>A queue on the file with no worker, to enqueue and to check the CLI's effects.</summary>
    public ITaskQueue Queue { get; }

    /// <summary>Ids of the seeded tasks by role.</summary>
    public long[] Succeeded { get; private set; } = [];

    public long Dead { get; private set; }

    public long[] Pending { get; private set; } = [];

    public long Scheduled { get; private set; }

    public static string NewFolder()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "typedqueue-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>An empty TypedQueue database (schema only).</summary>
    public static async Task<TestDatabase> CreateEmptyAsync()
    {
        var folder = NewFolder();
        var database = new TestDatabase(folder, System.IO.Path.Combine(folder, "tasks.db"));
        await database.Queue.GetStatisticsAsync(); // creates the schema
        return database;
    }

    /// <summary>
    /// work: 3 succeeded (ids in <see cref="Succeeded"/>) and 1 dead, run by a real worker host;
    /// mail: 2 pending and 1 scheduled an hour ahead, enqueued without a worker. 7 tasks.
    /// </summary>
    public static async Task<TestDatabase> CreateSeededAsync()
    {
        var database = await CreateEmptyAsync();
        await database.RunWorkAsync();
        var queue = database.Queue;
        database.Pending =
        [
            await queue.EnqueueAsync(Tasks.Mail.Definition, new MailPayload("ada@example.com", "Hello")),
            await queue.EnqueueAsync(Tasks.Mail.Definition, new MailPayload("bob@example.com", "Invoice <42> & \"more\"")),
        ];
        database.Scheduled = await queue.EnqueueAsync(Tasks.Mail.Definition, new MailPayload("eve@example.com", "Later"), new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        return database;
    }

    public async Task<TaskInfo> GetAsync(long id) => await Queue.GetTaskAsync(id) ?? throw new InvalidOperationException($"no task {id}");

    private async Task RunWorkAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = Path;
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        using var host = builder.Build();
        var queue = host.Services.GetRequiredService<ITaskQueue>();
        var ok = await queue.EnqueueManyAsync(Tasks.Work.Definition, [new WorkPayload("alpha"), new WorkPayload("beta"), new WorkPayload("gamma")]);
        var dead = await queue.EnqueueAsync(Tasks.Work.Definition, new WorkPayload("delta", Fail: true));
        await host.StartAsync();
        foreach (var id in ok.Append(dead))
        {
            await queue.WaitForCompletionAsync(id).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        }

        await host.StopAsync();
        Succeeded = [.. ok];
        Dead = dead;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finalizing connection; the OS temp cleaner gets it.
        }
    }
}
