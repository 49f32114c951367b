using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace TypedQueue.IntegrationTests;

/// <summary>
/// Publishes the sample worker as a native-AOT executable (once for the class) and runs it against databases the JIT
/// build prepared, and the other way round: the two builds share one file format and one set of task names.
/// </summary>
public sealed class NativeAotTests(NativeAotTests.PublishedWorker aot) : IClassFixture<NativeAotTests.PublishedWorker>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    /// <summary>What the demo set must end as, whichever build ran it: name, state, count, highest attempt.</summary>
    private static readonly string[] ExpectedOutcome =
    [
        "emails.send Succeeded 5 1",
        "images.thumbnail Succeeded 3 1",
        "payments.charge Dead 1 3",
        "payments.charge Succeeded 1 1",
        "reports.monthly Succeeded 1 1",
    ];

    [Fact]
    public async Task The_native_worker_drains_a_database_the_jit_build_prepared()
    {
        var folder = Repo.NewTempFolder("aot-drain");

        var enqueue = await Repo.RunAsync("dotnet", $"\"{Repo.SampleDll}\" --enqueue-only --stats", folder, RunTimeout);
        Assert.True(enqueue.ExitCode == 0, enqueue.Output);
        Assert.Matches(@"emails\s+Pending\s+5", enqueue.Output);
        Assert.Contains("runtime=jit", enqueue.Output, StringComparison.Ordinal);

        var drain = await Repo.RunAsync(aot.Executable, "--no-demo --stats --TypedQueue:Concurrency=2", folder, RunTimeout);
        Assert.True(drain.ExitCode == 0, drain.Output);
        Assert.Contains("runtime=native-aot", drain.Output, StringComparison.Ordinal);
        Assert.Contains("with 2 slots", drain.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Enqueued", drain.Output, StringComparison.Ordinal);
        AssertSummary(drain.Output);

        await AssertOutcomeAsync(folder);
    }

    [Fact]
    public async Task The_jit_build_drains_a_database_the_native_worker_prepared()
    {
        var folder = Repo.NewTempFolder("aot-enqueue");

        var enqueue = await Repo.RunAsync(aot.Executable, "--enqueue-only --stats", folder, RunTimeout);
        Assert.True(enqueue.ExitCode == 0, enqueue.Output);
        Assert.Contains("Enqueued 11 demo tasks.", enqueue.Output, StringComparison.Ordinal);
        Assert.Matches(@"emails\s+Pending\s+5", enqueue.Output);
        Assert.Contains("runtime=native-aot", enqueue.Output, StringComparison.Ordinal);

        var drain = await Repo.RunAsync("dotnet", $"\"{Repo.SampleDll}\" --no-demo --stats", folder, RunTimeout);
        Assert.True(drain.ExitCode == 0, drain.Output);
        Assert.Contains("runtime=jit", drain.Output, StringComparison.Ordinal);
        AssertSummary(drain.Output);

        await AssertOutcomeAsync(folder);
    }

    [Fact]
    public async Task The_native_worker_runs_the_demo_end_to_end()
    {
        var folder = Repo.NewTempFolder("aot-demo");

        var run = await Repo.RunAsync(aot.Executable, string.Empty, folder, RunTimeout);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Enqueued 11 demo tasks.", run.Output, StringComparison.Ordinal);
        AssertSummary(run.Output);
        await AssertOutcomeAsync(folder);
    }

    [Fact]
    public async Task The_native_worker_reads_appsettings_next_to_it_then_environment_then_command_line()
    {
        // A private copy of the executable whose appsettings.json names its own database file.
        var bin = Repo.NewTempFolder("aot-config-bin");
        foreach (var file in new[] { Path.GetFileName(aot.Executable), "libe_sqlite3.so", "appsettings.json" })
        {
            File.Copy(Path.Combine(aot.Folder, file), Path.Combine(bin, file));
        }

        var executable = Path.Combine(bin, Path.GetFileName(aot.Executable));
        var settings = Path.Combine(bin, "appsettings.json");
        await File.WriteAllTextAsync(settings, (await File.ReadAllTextAsync(settings)).Replace("\"typedqueue.db\"", "\"from-appsettings.db\"", StringComparison.Ordinal));

        // Run from another folder: appsettings.json is found next to the binary (ContentRootPath = AppContext.BaseDirectory).
        var folder = Repo.NewTempFolder("aot-config");
        var fromFile = await Repo.RunAsync(executable, "--enqueue-only", folder, RunTimeout);
        Assert.True(fromFile.ExitCode == 0, fromFile.Output);
        Assert.True(File.Exists(Path.Combine(folder, "from-appsettings.db")), fromFile.Output);

        var fromEnvironment = await Repo.RunAsync("env", $"TYPEDQUEUE__DATABASEPATH=from-env.db \"{executable}\" --enqueue-only", folder, RunTimeout);
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.Output);
        Assert.True(File.Exists(Path.Combine(folder, "from-env.db")), fromEnvironment.Output);

        var fromCommandLine = await Repo.RunAsync(
            "env", $"TYPEDQUEUE__DATABASEPATH=from-env.db \"{executable}\" --enqueue-only --TypedQueue:DatabasePath=from-args.db", folder, RunTimeout);
        Assert.True(fromCommandLine.ExitCode == 0, fromCommandLine.Output);
        Assert.True(File.Exists(Path.Combine(folder, "from-args.db")), fromCommandLine.Output);

        // Each file got exactly one demo set.
        foreach (var name in new[] { "from-appsettings.db", "from-env.db", "from-args.db" })
        {
            Assert.Equal(11L, await ScalarAsync(Path.Combine(folder, name), "SELECT count(*) FROM tq_tasks"));
        }
    }

    private static void AssertSummary(string output)
    {
        Assert.Matches(@"emails\s+Succeeded\s+5", output);
        Assert.Matches(@"default\s+Succeeded\s+5", output);
        Assert.Matches(@"default\s+Dead\s+1", output);
        Assert.Matches(@"all\s+11", output);
        Assert.Contains("'payments.charge' after 3 attempts: TypedQueue.Samples.Worker.CardDeclinedException", output, StringComparison.Ordinal);
    }

    /// <summary>Reads the file itself: every task reached its expected state, results are stored, and nothing ran twice.</summary>
    private static async Task AssertOutcomeAsync(string folder)
    {
        var database = Path.Combine(folder, "typedqueue.db");
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();

        var outcome = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, state, count(*), max(attempts) FROM tq_tasks GROUP BY name, state ORDER BY name, state DESC";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                outcome.Add($"{reader.GetString(0)} {(TaskState)reader.GetInt32(1)} {reader.GetInt64(2)} {reader.GetInt64(3)}");
            }
        }

        Assert.Equal(ExpectedOutcome, outcome);
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM tq_tasks WHERE name = 'images.thumbnail' AND result IS NULL"));
        Assert.Equal(
            "TypedQueue.Samples.Worker.CardDeclinedException",
            await ScalarAsync(database, "SELECT error_type FROM tq_tasks WHERE state = 4"));
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The states as stored (see the README); mirrored here so the test reads the file without the runtime.</summary>
    private enum TaskState
    {
        Scheduled = 0,
        Pending = 1,
        Running = 2,
        Succeeded = 3,
        Dead = 4,
        Cancelled = 5,
    }

    /// <summary>
    /// <c>dotnet publish -r linux-x64 -c Release</c> of the sample, exactly as the README says, into a private artifacts
    /// folder: nothing is shared with the Debug build the other tests run or with the Release build the package test packs.
    /// </summary>
    public sealed class PublishedWorker : IAsyncLifetime
    {
        private readonly string _root = Repo.NewTempFolder("aot-publish");

        public string Folder => Path.Combine(_root, "publish");

        public string Executable => Path.Combine(Folder, "TypedQueue.Samples.Worker");

        public async Task InitializeAsync()
        {
            var project = Path.Combine(Repo.Root, "samples", "TypedQueue.Samples.Worker", "TypedQueue.Samples.Worker.csproj");
            var publish = await Repo.RunAsync(
                "dotnet",
                $"publish \"{project}\" -r linux-x64 -c Release -o \"{Folder}\" --artifacts-path \"{Path.Combine(_root, "artifacts")}\"",
                Repo.Root,
                TimeSpan.FromMinutes(10));

            Assert.True(publish.ExitCode == 0, publish.Output);
            // Trim/AOT warnings are errors in the sample; none may show up even as a warning.
            Assert.DoesNotMatch(new Regex(@"\bIL[23]\d{3}\b"), publish.Output);
            Assert.True(File.Exists(Executable), publish.Output);
            Assert.False(File.Exists(Path.Combine(Folder, "TypedQueue.Samples.Worker.dll")), "A native publish ships no managed entry assembly.");
            Assert.True(File.Exists(Path.Combine(Folder, "appsettings.json")), "appsettings.json is published next to the binary.");
            Assert.True(File.Exists(Path.Combine(Folder, "libe_sqlite3.so")), "SQLite's native library is published next to the binary.");
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return Task.CompletedTask;
        }
    }
}
