namespace TypedQueue.IntegrationTests;

/// <summary>
/// Several real worker processes on one store: exactly once without crashes, at most once more after SIGKILL, each
/// recurring occurrence enqueued once. Runs on a SQLite file and on a PostgreSQL schema (see the subclasses).
/// </summary>
public abstract class MultiProcessTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A fresh store for one test, as the test worker's &lt;db&gt; argument (a file path, or pg:&lt;schema&gt;).</summary>
    protected abstract string NewStore(string folder);

    /// <summary>The ids of tasks matching a SQL condition on tq_tasks.</summary>
    protected abstract Task<List<long>> IdsAsync(string db, string where);

    /// <summary>How many tasks match a SQL condition on tq_tasks.</summary>
    protected abstract Task<long> CountAsync(string db, string where);

    /// <summary>Per distinct run_at (Unix ms) of 'tick' tasks, how many tasks, by run_at.</summary>
    protected abstract Task<List<(long RunAt, long Tasks)>> TicksPerOccurrenceAsync(string db);

    [SkippableFact]
    public async Task Three_processes_with_four_slots_each_run_30000_tasks_exactly_once()
    {
        var folder = Repo.NewTempFolder("exactly-once");
        var db = NewStore(folder);
        await EnqueueAsync(db, count: 30_000, delayMs: 0, folder);

        var workers = Enumerable.Range(0, 3)
            .Select(i => new ChildProcess("dotnet", $"\"{Repo.TestWorkerDll}\" work \"{db}\" \"{Path.Combine(folder, $"ledger-{i}.txt")}\" 4 30000 5000", folder))
            .ToList();
        try
        {
            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExitAsync(ProcessTimeout) == 0, worker.Log);
                Assert.DoesNotContain("database is locked", worker.Log, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        var starts = ReadLedgers(folder, "start");
        Assert.Equal(30_000, starts.Count);
        Assert.All(starts, s => Assert.Equal(1, s.Value));
        Assert.True(Directory.GetFiles(folder, "ledger-*.txt").All(f => new FileInfo(f).Length > 0), "every process took part");
        Assert.Equal(30_000, await CountAsync(db, "state = 3 AND attempts = 1"));
    }

    [SkippableFact]
    public async Task After_a_worker_is_killed_mid_task_another_finishes_its_tasks_and_each_runs_at_most_once_more()
    {
        var folder = Repo.NewTempFolder("sigkill");
        var db = NewStore(folder);
        await EnqueueAsync(db, count: 40, delayMs: 300, folder);

        using (var doomed = new ChildProcess("dotnet", $"\"{Repo.TestWorkerDll}\" work \"{db}\" \"{Path.Combine(folder, "ledger-killed.txt")}\" 4 1500 300", folder))
        {
            for (var i = 0; i < 6; i++)
            {
                await doomed.WaitForLineAsync(l => l.StartsWith("start ", StringComparison.Ordinal), ProcessTimeout);
            }

            doomed.Kill();
            await doomed.WaitForExitAsync(ProcessTimeout);
        }

        // Interrupted: still running in the database (whether or not the handler got as far as "done" before the kill).
        var interrupted = (await IdsAsync(db, "state = 2")).ToHashSet();
        Assert.NotEmpty(interrupted);
        Assert.Subset(ReadLedgers(folder, "start").Keys.ToHashSet(), interrupted);

        using (var rescuer = new ChildProcess("dotnet", $"\"{Repo.TestWorkerDll}\" work \"{db}\" \"{Path.Combine(folder, "ledger-rescuer.txt")}\" 4 1500 300", folder))
        {
            Assert.True(await rescuer.WaitForExitAsync(ProcessTimeout) == 0, rescuer.Log);
        }

        Assert.Equal(40, await CountAsync(db, "state = 3"));
        var starts = ReadLedgers(folder, "start");
        Assert.Equal(40, starts.Count);
        Assert.All(starts, s => Assert.Equal(interrupted.Contains(s.Key) ? 2 : 1, s.Value));
        Assert.Equal(interrupted.Count, await CountAsync(db, "state = 3 AND attempts = 2 AND error_type = 'TypedQueue.LeaseExpired'"));
    }

    [SkippableFact]
    public async Task Three_processes_scheduling_the_same_every_second_entry_enqueue_each_occurrence_exactly_once()
    {
        const int Occurrences = 8;
        var folder = Repo.NewTempFolder("cron-exactly-once");
        var db = NewStore(folder);

        var workers = Enumerable.Range(0, 3)
            .Select(_ => new ChildProcess("dotnet", $"\"{Repo.TestWorkerDll}\" cron \"{db}\" {Occurrences}", folder))
            .ToList();
        try
        {
            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExitAsync(ProcessTimeout) == 0, worker.Log);
                Assert.DoesNotContain("database is locked", worker.Log, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        // One task per occurrence (run_at = the occurrence), none twice, and no second skipped in between.
        var perOccurrence = await TicksPerOccurrenceAsync(db);

        Assert.True(perOccurrence.Count >= Occurrences, $"{perOccurrence.Count} occurrences");
        Assert.All(perOccurrence, o => Assert.Equal(1, o.Tasks));
        Assert.All(perOccurrence, o => Assert.Equal(0, o.RunAt % 1000));
        Assert.Equal(perOccurrence.Count - 1, (perOccurrence[^1].RunAt - perOccurrence[0].RunAt) / 1000);
    }

    [SkippableFact]
    public async Task A_worker_that_polls_once_an_hour_starts_another_process_task_long_before_its_next_poll()
    {
        var folder = Repo.NewTempFolder("wake-up");
        var db = NewStore(folder);

        using var worker = new ChildProcess("dotnet", $"\"{Repo.TestWorkerDll}\" serve \"{db}\" \"{Path.Combine(folder, "ledger-serve.txt")}\"", folder);
        await worker.WaitForLineAsync(line => line.Contains("started", StringComparison.Ordinal), ProcessTimeout);

        // The worker has claimed once and sleeps for an hour: SQLite's WAL watcher or PostgreSQL's NOTIFY must wake it.
        await EnqueueAsync(db, count: 3, delayMs: 0, folder);
        var started = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(await worker.WaitForLineAsync(line => line.StartsWith("start ", StringComparison.Ordinal), TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(3, started.Distinct().Count());
    }

    private static async Task EnqueueAsync(string db, int count, int delayMs, string folder)
    {
        var run = await Repo.RunAsync("dotnet", $"\"{Repo.TestWorkerDll}\" enqueue \"{db}\" {count} {delayMs}", folder, ProcessTimeout);
        Assert.True(run.ExitCode == 0, run.Output);
    }

    /// <summary>How many times each task id appears with the given verb across every ledger.</summary>
    private static Dictionary<long, int> ReadLedgers(string folder, string verb) =>
        Directory.GetFiles(folder, "ledger-*.txt")
            .SelectMany(File.ReadAllLines)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 2 && parts[0] == verb)
            .GroupBy(parts => long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Count());
}
