using Microsoft.Data.Sqlite;

namespace TypedQueue.IntegrationTests;

/// <summary>Runs the sample worker as a real process, as a user would after a fresh clone.</summary>
public sealed class SampleProcessTests
{
    [Fact]
    public async Task The_sample_processes_its_demo_set_on_a_sqlite_file_and_exits_zero()
    {
        var folder = Repo.NewTempFolder("sample");

        var run = await Repo.RunAsync("dotnet", $"\"{Repo.SampleDll}\"", folder, TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Enqueued 11 demo tasks.", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"emails\s+Succeeded\s+5", run.Output);
        Assert.Matches(@"default\s+Succeeded\s+5", run.Output);
        Assert.Matches(@"default\s+Dead\s+1", run.Output);
        Assert.Contains("after 3 attempts", run.Output, StringComparison.Ordinal);

        // The database is where the user ran it, and its payloads are readable JSON.
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "typedqueue.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM tq_tasks WHERE name = 'emails.send' ORDER BY id LIMIT 1";
        var payload = (string)(await command.ExecuteScalarAsync())!;
        Assert.Equal("""{"to":"user1@example.com","subject":"Welcome to TypedQueue","body":"Hello user 1!"}""", payload);
    }

    [Fact]
    public async Task Tasks_enqueued_by_one_process_are_processed_by_another()
    {
        var folder = Repo.NewTempFolder("sample-split");

        var enqueue = await Repo.RunAsync("dotnet", $"\"{Repo.SampleDll}\" --enqueue-only", folder, TimeSpan.FromMinutes(2));
        Assert.True(enqueue.ExitCode == 0, enqueue.Output);
        Assert.Matches(@"emails\s+Pending\s+5", enqueue.Output);

        var drain = await Repo.RunAsync("dotnet", $"\"{Repo.SampleDll}\" --no-demo --TypedQueue:Concurrency=2", folder, TimeSpan.FromMinutes(2));
        Assert.True(drain.ExitCode == 0, drain.Output);
        Assert.DoesNotContain("Enqueued", drain.Output, StringComparison.Ordinal);
        Assert.Matches(@"emails\s+Succeeded\s+5", drain.Output);
        Assert.Matches(@"default\s+Dead\s+1", drain.Output);
    }
}
