using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Inspection;
using TypedQueue.Storage;
using TypedQueue.Storage.Sqlite;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Storage;

/// <summary>
/// Another connection's commits are heard long before the hourly poll while the watching process's own commits keep
/// pausing its WAL watcher: by its transactions, or by the timer that resumes the watcher once they stop.
/// </summary>
public sealed class SqliteWalWatcherPauseStressTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    // Scheduled a day ahead: own commits that give the worker nothing to run and wake nobody.
    private static NewTask Later(int i) => new($"own {i}", "default", 0, 1, "{}", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), null);

    private static Task KeepWritingAsync(SqliteTaskStore store, CancellationToken stop) => Task.Run(async () =>
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            await store.InsertManyAsync([Later(i)], default);
            await Task.Yield();
        }
    });

    /// <summary>
    /// Runs the rounds, each after the watching store's own commits paused its watcher (and, with
    /// <paramref name="keepWriting"/>, while more of them go on); returns the rounds that took longer than 5 s, stopping
    /// after 3 (each late round costs 5 s).
    /// </summary>
    private static async Task<List<int>> LateRoundsAsync(SqliteTaskStore store, int rounds, bool keepWriting, Func<int, Task> round)
    {
        var late = new List<int>();
        for (var r = 0; r < rounds && late.Count < 3; r++)
        {
            await SqliteWalWatcherTests.WriteUntilPausedAsync(store, Later);
            using var stop = new CancellationTokenSource();
            var busy = keepWriting ? KeepWritingAsync(store, stop.Token) : Task.CompletedTask;
            try
            {
                await round(r).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                late.Add(r);
            }

            await stop.CancelAsync();
            await busy;
        }

        return late;
    }

    /// <param name="mode">0: the process's own commits stop before the other's enqueue (the timer resumes the watcher);
    /// 1: they go on throughout (its transactions hear it); 2: a few follow it.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_worker_busy_with_its_own_commits_starts_every_task_another_connection_enqueues_long_before_the_hourly_poll(int mode)
    {
        const int rounds = 60;
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromHours(1));
        await using var other = await TestHost.StartAsync(_db.Path, o => o.RunWorker = false);
        var store = (SqliteTaskStore)worker.Host.Services.GetRequiredService<ITaskStore>();
        var first = await other.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "first" });
        await worker.WaitForAsync(first, t => t.State == TaskState.Succeeded); // the worker's claims started its watcher
        if (mode != 0)
        {
            // Only the store's transactions may hear the other's commit: a timer resume (5 ms after the last own commit,
            // which a loaded machine's gaps between commits give) would hide a missing in-transaction look.
            store.QuietBeforeResume = TimeSpan.FromHours(1);
        }

        var late = await LateRoundsAsync(store, rounds, keepWriting: mode == 1, async round =>
        {
            var id = await other.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = $"r{round}" });
            for (var i = 0; mode == 2 && i < 5; i++)
            {
                await store.InsertManyAsync([Later(i)], default);
            }

            await worker.WaitForAsync(id, t => t.State == TaskState.Succeeded);
        });

        Assert.True(late.Count == 0, $"{late.Count}/{rounds} tasks (mode {mode}) waited past 5 s: rounds {string.Join(", ", late)}");
    }

    /// <param name="mode">0: the waiting process's own commits stop before it waits; 1: they go on throughout.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_waiter_busy_with_its_own_commits_sees_every_outcome_long_before_the_hourly_poll(int mode)
    {
        const int rounds = 40;
        await using var web = await TestHost.StartAsync(_db.Path, o => { o.RunWorker = false; o.PollInterval = TimeSpan.FromHours(1); });
        await using var worker = await TestHost.StartAsync(_db.Path, o => o.PollInterval = TimeSpan.FromHours(1));
        var store = (SqliteTaskStore)web.Host.Services.GetRequiredService<ITaskStore>();
        var first = await web.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = "first" });
        await web.Queue.WaitForCompletionAsync(first).AsTask().WaitAsync(TimeSpan.FromSeconds(30)); // the first wait started its watcher
        if (mode != 0)
        {
            store.QuietBeforeResume = TimeSpan.FromHours(1); // only the store's transactions may hear the outcome
        }

        var late = await LateRoundsAsync(store, rounds, keepWriting: mode == 1, async round =>
        {
            var id = await web.Queue.EnqueueAsync(Tasks.RecordOrder.Definition, new OrderPayload { Label = $"r{round}" });
            var done = await web.Queue.WaitForCompletionAsync(id);
            Assert.Equal(TaskState.Succeeded, done.State);
        });

        Assert.True(late.Count == 0, $"{late.Count}/{rounds} outcomes (mode {mode}) took longer than 5 s to be seen: rounds {string.Join(", ", late)}");
    }
}
