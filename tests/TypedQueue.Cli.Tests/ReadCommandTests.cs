using System.Text.Json;
using TypedQueue.Cli.Tests.Support;

namespace TypedQueue.Cli.Tests;

/// <summary>stats, list and show against a seeded database, as text and as JSON.</summary>
public sealed class ReadCommandTests
{
    [Fact]
    public async Task Stats_prints_each_queue_by_state_with_totals()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("stats", "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["queue", "scheduled", "pending", "running", "succeeded", "dead", "cancelled", "total", "paused"], Cells(lines[0]));
        Assert.Equal(["mail", "1", "2", "0", "0", "0", "0", "3", "no"], Cells(lines[1]));
        Assert.Equal(["work", "0", "0", "0", "3", "1", "0", "4", "no"], Cells(lines[2]));
        Assert.Equal(["all", "1", "2", "0", "3", "1", "0", "7", "-"], Cells(lines[3]));
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Stats_json_parses_back_with_counts_per_queue_and_totals()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("stats", "--json", "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal(7, json.GetProperty("total").GetInt64());
        Assert.Equal(3, json.GetProperty("totals").GetProperty("succeeded").GetInt64());
        Assert.Equal(1, json.GetProperty("totals").GetProperty("dead").GetInt64());
        var queues = json.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        Assert.Equal(["mail", "work"], queues.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, queues["mail"].GetProperty("counts").GetProperty("pending").GetInt64());
        Assert.Equal(1, queues["mail"].GetProperty("counts").GetProperty("scheduled").GetInt64());
        Assert.Equal(4, queues["work"].GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Stats_of_an_empty_database_prints_zero_totals()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();

        var result = await CliRunner.RunAsync("stats", "--db", db.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(0, result.Json().GetProperty("total").GetInt64());
        Assert.Empty(result.Json().GetProperty("queues").EnumerateArray());
    }

    [Fact]
    public async Task List_by_state_pages_with_limit_and_after()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var first = await CliRunner.RunAsync("list", "--db", db.Path, "--state", "succeeded", "--limit", "2");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"next page with --after {db.Succeeded[1]}", first.Output, StringComparison.Ordinal);
        Assert.Equal([db.Succeeded[0], db.Succeeded[1]], IdsOf(first.Output));

        var second = await CliRunner.RunAsync("list", "--db", db.Path, "--state", "Succeeded", "--limit", "2", "--after", db.Succeeded[1].ToString(), "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        var json = second.Json();
        Assert.Equal([db.Succeeded[2]], json.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetInt64()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("nextAfter").ValueKind);
    }

    [Fact]
    public async Task List_filters_by_queue_and_name_and_combines_with_state()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var mail = (await CliRunner.RunAsync("list", "--db", db.Path, "--queue", "mail", "--json")).Json();
        Assert.Equal([.. db.Pending, db.Scheduled], mail.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetInt64()));

        var pendingMail = (await CliRunner.RunAsync("list", "--db", db.Path, "--name", "cli.mail", "--state", "pending", "--json")).Json();
        Assert.Equal(db.Pending, pendingMail.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetInt64()));
        Assert.All(pendingMail.GetProperty("tasks").EnumerateArray(), t => Assert.Equal("Pending", t.GetProperty("state").GetString()));

        var all = (await CliRunner.RunAsync("list", "--db", db.Path, "--json")).Json();
        Assert.Equal(7, all.GetProperty("tasks").GetArrayLength());

        var none = await CliRunner.RunAsync("list", "--db", db.Path, "--queue", "nowhere");
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Contains("No tasks match.", none.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_text_shows_dead_task_error()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("list", "--db", db.Path, "--state", "dead");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("System.InvalidOperationException: work 'delta' failed on purpose", result.Output, StringComparison.Ordinal);
        Assert.Equal([db.Dead], IdsOf(result.Output));
    }

    [Theory]
    [InlineData("--state", "bogus")]
    [InlineData("--state", "4")]
    [InlineData("--limit", "0")]
    public async Task List_rejects_bad_options_with_usage_exit_code(string option, string value)
    {
        await using var db = await TestDatabase.CreateEmptyAsync();

        var result = await CliRunner.RunAsync("list", "--db", db.Path, option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.NotEqual("", result.Error);
    }

    [Fact]
    public async Task Show_prints_pretty_payload_error_with_stack_attempts_and_times()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("show", db.Dead.ToString(), "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = result.Output;
        Assert.Contains($"Task {db.Dead}: cli.work", text, StringComparison.Ordinal);
        Assert.Matches(@"state\s+Dead", text);
        Assert.Matches(@"queue\s+work", text);
        Assert.Matches(@"attempts\s+1 of 1", text);
        Assert.Matches(@"finished\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z", text);
        Assert.Contains("Payload:\n  {\n    \"label\": \"delta\",\n    \"fail\": true,", text, StringComparison.Ordinal);
        Assert.Contains("Result: none", text, StringComparison.Ordinal);
        Assert.Contains("Last error: System.InvalidOperationException\n  work 'delta' failed on purpose", text, StringComparison.Ordinal);
        Assert.Contains("Stack trace:", text, StringComparison.Ordinal);
        Assert.Contains("TestTasks.Work", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_json_embeds_payload_and_result_as_json()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var done = await CliRunner.RunAsync("show", db.Succeeded[0].ToString(), "--db", db.Path, "--json");
        Assert.True(done.ExitCode == 0, done.ToString());
        var task = done.Json();
        Assert.Equal("Succeeded", task.GetProperty("state").GetString());
        Assert.Equal("alpha", task.GetProperty("payload").GetProperty("label").GetString());
        Assert.Equal("ALPHA", task.GetProperty("result").GetProperty("echo").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("error").ValueKind);
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());

        var dead = (await CliRunner.RunAsync("show", db.Dead.ToString(), "--db", db.Path, "--json")).Json();
        Assert.Equal("System.InvalidOperationException", dead.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("TestTasks.Work", dead.GetProperty("error").GetProperty("stackTrace").GetString(), StringComparison.Ordinal);

        // Legible text: quotes and '<' are not \u-escaped in the output.
        var mail = await CliRunner.RunAsync("show", db.Pending[1].ToString(), "--db", db.Path, "--json");
        Assert.Contains("\"Invoice <42> & \\\"more\\\"\"", mail.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_of_an_unknown_id_fails_with_task_not_found()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("show", "999", "--db", db.Path);

        Assert.Equal(ExitCodes.TaskNotFound, result.ExitCode);
        Assert.Contains("There is no task 999", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The ids in the first column of a list table (header and footer skipped).</summary>
    private static long[] IdsOf(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(l => l.TrimStart().Split(' ')[0])
            .Where(c => long.TryParse(c, out _))
            .Select(long.Parse)];
}
