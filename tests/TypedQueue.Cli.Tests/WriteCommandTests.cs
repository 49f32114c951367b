using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedQueue.Cli.Tests.Support;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Tests;

/// <summary>retry, cancel, delete and purge: exit codes, output, and the effect seen through the public API.</summary>
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
    public async Task Delete_removes_a_pending_task_and_a_finished_one_and_refuses_an_unknown_id()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var pending = await CliRunner.RunAsync("delete", db.Pending[0].ToString(), "--db", db.Path);
        var finished = await CliRunner.RunAsync("delete", db.Succeeded[0].ToString(), "--db", db.Path, "--json");
        var again = await CliRunner.RunAsync("delete", db.Pending[0].ToString(), "--db", db.Path);

        Assert.True(pending.ExitCode == 0, pending.ToString());
        Assert.Contains($"Task {db.Pending[0]} deleted.", pending.Output, StringComparison.Ordinal);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.Equal("deleted", finished.Json().GetProperty("outcome").GetString());
        Assert.Null(await db.Queue.GetTaskAsync(db.Pending[0]));
        Assert.Null(await db.Queue.GetTaskAsync(db.Succeeded[0]));
        Assert.Equal(ExitCodes.TaskNotFound, again.ExitCode);
        Assert.Contains($"There is no task {db.Pending[0]}", again.Error, StringComparison.Ordinal);
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

    [Fact]
    public async Task Pause_and_resume_set_the_durable_flag_idempotently_and_stats_show_it()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var paused = await CliRunner.RunAsync("pause", "mail", "--db", db.Path);
        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.Contains("Queue 'mail' paused", paused.Output, StringComparison.Ordinal);
        Assert.Contains(await db.Queue.ListQueuesAsync(), q => q is { Name: "mail", IsPaused: true });
        Assert.Equal(2, (await db.Queue.GetStatisticsAsync()).Count("mail", TaskState.Pending)); // nothing else changed

        var again = await CliRunner.RunAsync("pause", "mail", "--db", db.Path);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Queue 'mail' was already paused.", again.Output, StringComparison.Ordinal);

        var stats = await CliRunner.RunAsync("stats", "--db", db.Path);
        var lines = stats.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.EndsWith("paused", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^mail\s.*\syes$", lines[1]);
        Assert.Matches(@"^work\s.*\sno$", lines[2]);
        var json = (await CliRunner.RunAsync("stats", "--json", "--db", db.Path)).Json();
        var queues = json.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        Assert.True(queues["mail"].GetProperty("paused").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, queues["mail"].GetProperty("pausedAt").ValueKind);
        Assert.False(queues["work"].GetProperty("paused").GetBoolean());

        var resumed = await CliRunner.RunAsync("resume", "mail", "--db", db.Path, "--json");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(("mail", false, true), (resumed.Json().GetProperty("queue").GetString(), resumed.Json().GetProperty("paused").GetBoolean(), resumed.Json().GetProperty("changed").GetBoolean()));
        Assert.DoesNotContain(await db.Queue.ListQueuesAsync(), q => q.IsPaused);

        var notPaused = await CliRunner.RunAsync("resume", "mail", "--db", db.Path);
        Assert.True(notPaused.ExitCode == 0, notPaused.ToString());
        Assert.Contains("Queue 'mail' was not paused.", notPaused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_queue_paused_before_it_has_tasks_shows_in_stats_and_a_blank_name_is_refused()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();

        Assert.Equal(0, (await CliRunner.RunAsync("pause", "reports", "--db", db.Path)).ExitCode);
        var json = (await CliRunner.RunAsync("stats", "--json", "--db", db.Path)).Json();
        var queue = Assert.Single(json.GetProperty("queues").EnumerateArray());
        Assert.Equal(("reports", true, 0L), (queue.GetProperty("queue").GetString(), queue.GetProperty("paused").GetBoolean(), queue.GetProperty("total").GetInt64()));

        var blank = await CliRunner.RunAsync("pause", " ", "--db", db.Path);
        Assert.Equal(ExitCodes.Usage, blank.ExitCode);
        var control = await CliRunner.RunAsync("resume", "a\tb", "--db", db.Path);
        Assert.Equal(ExitCodes.Usage, control.ExitCode);
    }
}
