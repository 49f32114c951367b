using System.Text.Json;
using TypedQueue.Cli.Tests.Support;

namespace TypedQueue.Cli.Tests;

/// <summary>watch: a finite number of refreshes for tests and scripts, or until cancelled (Ctrl+C).</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Watch_refreshes_the_given_number_of_times()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("watch", "--iterations", "3", "--interval", "10ms", "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, CountOf(result.Output, "Ctrl+C to stop"));
        Assert.Equal(3, result.Output.Split('\n').Count(l => l.StartsWith("all ", StringComparison.Ordinal)));
        Assert.Equal(2, CountOf(result.Output, "since the last refresh: +0 succeeded, +0 dead, +0 cancelled"));
        Assert.DoesNotContain("\u001b[", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_json_writes_one_statistics_line_per_refresh()
    {
        await using var db = await TestDatabase.CreateSeededAsync();

        var result = await CliRunner.RunAsync("watch", "--iterations", "2", "--interval", "10ms", "--json", "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line =>
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(7, document.RootElement.GetProperty("total").GetInt64());
        });
    }

    [Fact]
    public async Task Watch_without_iterations_runs_until_cancelled_and_exits_cleanly()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        using var stop = new CancellationTokenSource();
        // Cancels (like Ctrl+C) once the second frame has been flushed: a signal from the command, not a sleep.
        using var output = new FlushCountingWriter(flushes: 2, stop);
        using var error = new StringWriter();

        var exitCode = await TypedQueueCli.RunAsync(["watch", "--interval", "10ms", "--db", db.Path], output, error, stop.Token).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.True(CountOf(output.ToString(), "Ctrl+C to stop") >= 2, output.ToString());
        Assert.Equal("", error.ToString());
    }

    private static int CountOf(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    private sealed class FlushCountingWriter(int flushes, CancellationTokenSource stop) : StringWriter
    {
        private int _flushes;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _flushes) == flushes)
            {
                stop.Cancel();
            }

            return Task.CompletedTask;
        }
    }
}
