using System.Text.Json;

namespace TypedQueue.IntegrationTests;

/// <summary>
/// The benchmark as a real process, so that it cannot rot unnoticed: CI runs the tests, never the benchmark. It is built
/// in the tests' configuration (Debug under <c>dotnet test</c>), so these tests check what it writes, never its figures.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    // Generous: the two scenarios take 10-20 s in Debug, but this machine has 2 cores and other tests run beside them.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    // Issue 7's fields, and no others: tools read the --json file.
    private static readonly string[] PublishedFields = ["scenario", "n", "concurrency", "ops_per_sec", "p50_ms", "p99_ms", "peak_rss_mb"];

    [Fact]
    public async Task The_suite_filtered_to_our_drain_and_quartz_ram_writes_one_row_each_with_the_issues_fields()
    {
        var folder = Repo.NewTempFolder("benchmark-suite");
        var jsonPath = Path.Combine(folder, "results.json");

        // Our store's drain and one peer's, each in its own child process as in the full suite (~3 s of warm-up each).
        var run = await Repo.RunAsync("dotnet", $"\"{Repo.BenchmarksDll}\" --only drain,quartz-ram-drain --json \"{jsonPath}\"", folder, Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        // --only picks steps by name prefix: "drain" is no prefix of diag:drain-sweep, so that step must not have run.
        Assert.DoesNotContain("diag:drain-sweep", run.Output, StringComparison.Ordinal);
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(jsonPath));
        Assert.Equal(JsonValueKind.Array, results.RootElement.ValueKind);
        var rows = results.RootElement.EnumerateArray().ToList();
        Assert.All(rows, row => Assert.Equal(PublishedFields.Order(StringComparer.Ordinal), row.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal(["drain", "quartz-ram-drain"], rows.Select(r => r.GetProperty("scenario").GetString()));
        Assert.All(rows, row =>
        {
            Assert.Equal(20_000, row.GetProperty("n").GetInt64());
            // A scenario that failed still gets its row (ops_per_sec null, the error in the output): the suite goes on.
            Assert.True(row.GetProperty("ops_per_sec") is { ValueKind: JsonValueKind.Number } ops && ops.GetDouble() > 0, run.Output);
        });
    }

    [Theory]
    [InlineData("--scenario no-such-scenario", "'no-such-scenario' not recognized", "'quartz-ram-drain'")] // and the known names
    [InlineData("--no-such-option", "'--no-such-option'")] // not ignored: the suite would run for minutes
    public async Task A_bad_command_line_fails_with_an_error_that_says_what_is_wrong_and_runs_nothing(string arguments, params string[] errors)
    {
        var folder = Repo.NewTempFolder("benchmark-usage");

        var run = await Repo.RunAsync("dotnet", $"\"{Repo.BenchmarksDll}\" {arguments}", folder, Timeout);

        Assert.True(run.ExitCode != 0, run.Output);
        Assert.All(errors, error => Assert.Contains(error, run.Error, StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("TypedQueue benchmarks (quick suite)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_exits_zero_and_describes_the_roles_and_their_options()
    {
        var folder = Repo.NewTempFolder("benchmark-help");

        var run = await Repo.RunAsync("dotnet", $"\"{Repo.BenchmarksDll}\" --help", folder, Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("--scenario", run.Output, StringComparison.Ordinal);
        Assert.Contains("--json", run.Output, StringComparison.Ordinal);
        Assert.Contains("--child-enqueuer", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("TypedQueue benchmarks (quick suite)", run.Output, StringComparison.Ordinal);
    }
}
