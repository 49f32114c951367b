using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue.Cli.Tests.Support;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Tests;

/// <summary>retry, cancel and purge: exit codes, output, and the effect seen through the public API.</summary>
public sealed class WriteCommandTests
{
    [Fact]
    public async Task Retry_makes_a_dead_task_pending_with_fresh_attempts()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("retry", db.Dead.ToString(), "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Task {db.Dead} (cli.work) requeued: Dead -> Pending", result.Output, StringComparison.Ordinal);
        var task = await db.GetAsync(db.Dead);
        Assert.Equal(TaskState.Pending, task.State);
        Assert.Equal(0, task.Attempts);
    }

    [Fact]
    public async Task Retry_of_a_cancelled_task_reports_json()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        await db.Queue.CancelAsync(db.Pending[0]);

        var result = await CliRunner.RunAsync("retry", db.Pending[0].ToString(), "--db", db.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal("requeued", json.GetProperty("outcome").GetString());
        Assert.Equal("Pending", json.GetProperty("state").GetString());
        Assert.Equal(TaskState.Pending, (await db.GetAsync(db.Pending[0])).State);
    }

    [Fact]
    public async Task Retry_refuses_a_task_that_is_not_dead_or_cancelled_and_an_unknown_id()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var succeeded = await CliRunner.RunAsync("retry", db.Succeeded[0].ToString(), "--db", db.Path);
        Assert.Equal(ExitCodes.InvalidState, succeeded.ExitCode);
        Assert.Contains("is Succeeded; only dead or cancelled tasks can be retried", succeeded.Error, StringComparison.Ordinal);
        Assert.Equal(TaskState.Succeeded, (await db.GetAsync(db.Succeeded[0])).State);

        var unknown = await CliRunner.RunAsync("retry", "424242", "--db", db.Path);
        Assert.Equal(ExitCodes.TaskNotFound, unknown.ExitCode);
    }

    [Fact]
    public async Task Cancel_cancels_a_pending_task_once()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var first = await CliRunner.RunAsync("cancel", db.Pending[0].ToString(), "--db", db.Path);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Task {db.Pending[0]} cancelled", first.Output, StringComparison.Ordinal);
        Assert.Equal(TaskState.Cancelled, (await db.GetAsync(db.Pending[0])).State);

        var again = await CliRunner.RunAsync("cancel", db.Pending[0].ToString(), "--db", db.Path);
        Assert.Equal(ExitCodes.InvalidState, again.ExitCode);
        Assert.Contains("already finished (Cancelled)", again.Error, StringComparison.Ordinal);

        var unknown = await CliRunner.RunAsync("cancel", "424242", "--db", db.Path);
        Assert.Equal(ExitCodes.TaskNotFound, unknown.ExitCode);
        Assert.Contains("There is no task 424242", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_json_reports_the_outcome_of_a_scheduled_task()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("cancel", db.Scheduled.ToString(), "--db", db.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("cancelled", result.Json().GetProperty("outcome").GetString());
        Assert.Equal("Cancelled", result.Json().GetProperty("state").GetString());
        Assert.Equal(TaskState.Cancelled, (await db.GetAsync(db.Scheduled)).State);
    }

    [Fact]
    public async Task Cancel_of_a_running_task_asks_its_worker_which_stops_it()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddTypedQueue(o =>
        {
            o.DatabasePath = db.Path;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        using var host = builder.Build();
        var queue = host.Services.GetRequiredService<ITaskQueue>();
        var key = Guid.NewGuid().ToString("N");
        var id = await queue.EnqueueAsync(Tasks.Block.Definition, new BlockPayload(key));
        await host.StartAsync();
        try
        {
            await BlockSignals.WhenStarted(key).WaitAsync(TimeSpan.FromSeconds(60));

            // The CLI is another queue on the file, like another process: the worker sees the request at its next heartbeat.
            var result = await CliRunner.RunAsync("cancel", id.ToString(), "--db", db.Path, "--json");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("cancellationRequested", result.Json().GetProperty("outcome").GetString());
            var done = await queue.WaitForCompletionAsync(id).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(TaskState.Cancelled, done.State);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Purge_deletes_only_finished_tasks_older_than_the_retention()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var keep = await CliRunner.RunAsync("purge", "--older-than", "7d", "--db", db.Path);
        Assert.True(keep.ExitCode == 0, keep.ToString());
        Assert.Contains("Purged 0 finished task(s)", keep.Output, StringComparison.Ordinal);
        Assert.Equal(7, (await db.Queue.GetStatisticsAsync()).Total);

        var all = await CliRunner.RunAsync("purge", "--older-than", "0s", "--db", db.Path, "--json");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal(4, all.Json().GetProperty("deleted").GetInt32());

        var stats = await db.Queue.GetStatisticsAsync();
        Assert.Equal(3, stats.Total);
        Assert.Equal(0, stats.Count(TaskState.Succeeded) + stats.Count(TaskState.Dead));
        Assert.Null(await db.Queue.GetTaskAsync(db.Dead));
        Assert.NotNull(await db.Queue.GetTaskAsync(db.Pending[0]));
    }

    [Theory]
    [InlineData("purge")]
    [InlineData("purge", "--older-than", "soon")]
    [InlineData("purge", "--older-than", "-1d")]
    public async Task Purge_needs_a_valid_duration(params string[] args)
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync([.. args, "--db", db.Path]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal(7, (await db.Queue.GetStatisticsAsync()).Total);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task Pause_and_resume_are_not_supported_yet(string command)
    {
        var result = await CliRunner.RunAsync(command, "mail");

        Assert.Equal(ExitCodes.NotSupported, result.ExitCode);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not supported yet (needs queue pause support in the runtime)", result.Error, StringComparison.Ordinal);
    }
}
