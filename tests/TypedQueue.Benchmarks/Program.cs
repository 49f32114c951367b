using System.CommandLine;
using System.Text.Json;
using TypedQueue.Benchmarks;

// Three roles, one executable, one flat set of options: the suite starts this executable again for every scenario
// (Suite.RunStepAsync: --scenario NAME --result-file F and the step's own options) and latency-crossprocess starts it
// as its enqueuer, so these names are a protocol as well as a command line.
var json = new Option<string>("--json") { Description = "Suite: also write the scenarios' rows (issue 7's fields, no diagnostics) to FILE as a JSON array.", HelpName = "FILE" };
var full = new Option<bool>("--full") { Description = "Suite: 5 x the quick suite's sizes." };
var only = new Option<string>("--only") { Description = "Suite: only the steps whose names start with one of these (comma-separated), e.g. drain,quartz-ram-drain.", HelpName = "a,b" };
var backlog = new Option<int>("--backlog") { Description = "Suite: tasks queued for claim-deep-backlog.", HelpName = "N", DefaultValueFactory = _ => 1_000_000 };
var scenario = new Option<string>("--scenario") { Description = "Run one scenario in this process and print its rows (a JSON array), or write them to --result-file.", HelpName = "NAME" };
scenario.AcceptOnlyFromAmong([.. Scenarios.Names]);
var allocTypes = new Option<bool>("--alloc-types") { Description = "--scenario: also print the sampled allocations by type, CPU per task and the methods still being compiled (stderr)." };
// No default on the option itself: each role has its own (see Tasks below).
var n = new Option<int>("--n") { Description = "--scenario, --child-enqueuer: tasks (or rows, or calls) [default: 10000 for --scenario, 5000 for --child-enqueuer].", HelpName = "N" };
var database = new Option<string>("--db") { Description = "--scenario (claim-deep-backlog*, diag:backlog-build), --child-enqueuer: the SQLite file to use.", HelpName = "FILE" };
var resultFile = new Option<string>("--result-file") { Description = "--scenario, --child-enqueuer: write the rows to FILE (how a child process reports to its parent).", HelpName = "FILE" };
var rate = new Option<int>("--rate") { Description = "--child-enqueuer: enqueues per second.", HelpName = "R", DefaultValueFactory = _ => 1_000 };
var childEnqueuer = new Option<bool>("--child-enqueuer") { Description = "The enqueuing side of latency-crossprocess, which starts it with --db, --n, --rate and --result-file." };

var root = new RootCommand(
    """
    TypedQueue benchmarks (issue 7). One executable, three roles:
      (no role option)                                     the suite: every scenario in a fresh child process, then the
                                                           table, the diagnostics and the issue's targets; --json FILE
      --scenario NAME [--n N] [--result-file F]            one scenario in this process (each scenario's peak RSS is its
                                                           own); run it with DOTNET_TC_CallCountingDelayMs=0, as the suite does
      --child-enqueuer --db F --n N --rate R --result-file F   the enqueuing side of latency-crossprocess
    """)
{
    json, full, only, backlog, scenario, allocTypes, n, database, resultFile, rate, childEnqueuer,
};
root.Validators.Add(result =>
{
    if (result.GetValue(childEnqueuer) && (result.GetResult(database) is null || result.GetResult(resultFile) is null))
    {
        result.AddError("--child-enqueuer needs --db FILE and --result-file FILE.");
    }
});
root.SetAction(async (parse, _) =>
{
    int Tasks(int roleDefault) => parse.GetResult(n) is null ? roleDefault : parse.GetValue(n);
    if (parse.GetValue(childEnqueuer))
    {
        return await TypedQueueScenarios.RunChildEnqueuerAsync(parse.GetValue(database)!, Tasks(5_000), parse.GetValue(rate), parse.GetValue(resultFile)!);
    }

    if (parse.GetValue(scenario) is { } name)
    {
        return await RunScenarioAsync(name, new ScenarioOptions(Tasks(10_000), parse.GetValue(database)), parse.GetValue(allocTypes), parse.GetValue(resultFile));
    }

    var prefixes = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    return await Suite.RunAsync(new SuiteOptions(parse.GetValue(full), prefixes, parse.GetValue(backlog), parse.GetValue(json)));
});

// Ctrl+C ends the process at once, as it did before System.CommandLine: no role watches a cancellation token, so its
// handler would only keep the process alive for its 2 s timeout (the child processes get the terminal's signal too).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

// The --scenario role: the rows go to --result-file for the suite, or to the console when run by hand.
static async Task<int> RunScenarioAsync(string name, ScenarioOptions options, bool allocTypes, string? resultFile)
{
    if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") != "0")
    {
        Console.Error.WriteLine("note: the suite runs every scenario with DOTNET_TC_CallCountingDelayMs=0 (see ChildProcess); set it for figures comparable with the suite's.");
    }

    using var sampler = AllocationSampler.Current = allocTypes ? new AllocationSampler() : null;
    var rows = await Scenarios.RunAsync(name, options);
    if (sampler is not null)
    {
        Console.Error.Write(sampler.Report(rows.Max(static r => r.N) ?? 1)); // the measured part of drain and end-to-end
    }

    var rss = Metrics.PeakRssMb();
    rows = [.. rows.Select(r => r with { PeakRssMb = rss })];
    var json = JsonSerializer.Serialize(rows, BenchmarkJsonContext.Default.ListScenarioResult);
    if (resultFile is not null)
    {
        await File.WriteAllTextAsync(resultFile, json);
    }
    else
    {
        Console.WriteLine(json); // run by hand: the rows go to the console
    }

    return 0;
}
