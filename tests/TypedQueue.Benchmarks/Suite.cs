using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TypedQueue.Benchmarks;

/// <summary>What the suite was given: <c>--full</c>, <c>--only</c> (name prefixes), <c>--backlog</c>, <c>--json</c>.</summary>
internal sealed record SuiteOptions(bool Full, IReadOnlyList<string>? Only, int Backlog, string? JsonPath);

/// <summary>The quick suite: every scenario in a fresh child process, then the table, the targets of issue 7, and <c>--json</c>.</summary>
internal static class Suite
{
    public static async Task<int> RunAsync(SuiteOptions options)
    {
        var (full, only, backlog, jsonPath) = options;
        using var scratch = new ScratchDirectory();
        var backlogDatabase = scratch.Database("backlog.db");

        Console.WriteLine($"TypedQueue benchmarks ({(full ? "full" : "quick")} suite) - {Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInfo()}");
        Console.WriteLine($"Load average at start: {LoadAverage()}");
        Console.WriteLine("Each scenario runs in a fresh process on a fresh temp database (WAL, synchronous=NORMAL); peak RSS is that process's VmHWM.");
        var suiteStarted = Stopwatch.GetTimestamp();
        var rows = new List<ScenarioResult>();
        foreach (var step in Scenarios.Plan(full, backlogDatabase, backlog))
        {
            if (only is not null && !only.Any(o => step.Name.StartsWith(o, StringComparison.Ordinal)))
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            Console.Error.Write($"  {step.Name,-30}");
            var stepRows = await RunStepAsync(step, scratch);
            Console.Error.WriteLine($" {Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0} s");
            rows.AddRange(stepRows);
        }

        Console.WriteLine();
        Console.Write(Format(rows.Where(r => !r.IsDiagnostic).ToList(), "Scenarios"));
        Console.WriteLine();
        Console.Write(Format(rows.Where(r => r.IsDiagnostic).ToList(), "Diagnostics (explain the figures above; not in --json)"));
        Console.WriteLine();
        Console.Write(Targets(rows));
        Console.WriteLine($"Suite time: {Stopwatch.GetElapsedTime(suiteStarted).TotalSeconds:0} s; load average at end: {LoadAverage()} (other processes on the machine skew every figure)");

        if (jsonPath is not null)
        {
            var published = rows.Where(r => !r.IsDiagnostic).Select(r => r.ToPublished()).ToList();
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(published, BenchmarkJsonContext.Default.ListPublishedResult));
            Console.WriteLine($"Wrote {published.Count} results to {Path.GetFullPath(jsonPath)}");
        }

        return 0;
    }

    private static async Task<List<ScenarioResult>> RunStepAsync(Scenarios.Step step, ScratchDirectory scratch)
    {
        var resultFile = scratch.Database(step.Name.Replace(':', '_') + ".result.json");
        using var process = ChildProcess.Start([.. step.Arguments, "--scenario", step.Name, "--result-file", resultFile]);
        string? failure = null;
        try
        {
            await process.WaitForExitAsync().WaitAsync(step.Timeout);
            if (process.ExitCode != 0)
            {
                failure = $"unavailable: the scenario process exited with {process.ExitCode} (its error is printed above)";
            }
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            failure = $"unavailable: did not finish within {step.Timeout.TotalMinutes:0} min";
        }

        if (failure is null && File.Exists(resultFile))
        {
            return JsonSerializer.Deserialize(await File.ReadAllTextAsync(resultFile), BenchmarkJsonContext.Default.ListScenarioResult) ?? [];
        }

        var name = step.Name.EndsWith("-baseline", StringComparison.Ordinal) ? step.Name[..^"-baseline".Length] : step.Name;
        return [new ScenarioResult { Scenario = name, IsDiagnostic = name.StartsWith("diag:", StringComparison.Ordinal), Note = failure ?? "unavailable: no result written" }];
    }

    private static string Format(List<ScenarioResult> rows, string title)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {"scenario",-27} | {"n",9} | {"conc",4} | {"ops/s",9} | {"p50 ms",8} | {"p99 ms",8} | {"RSS MB",6} | {"alloc B/op",10} | note");
        text.AppendLine(CultureInfo.InvariantCulture, $"|{new string('-', 29)}|{new string('-', 11)}|{new string('-', 6)}|{new string('-', 11)}|{new string('-', 10)}|{new string('-', 10)}|{new string('-', 8)}|{new string('-', 12)}|------");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario,-27} | {Num(r.N, "N0"),9} | {Num(r.Concurrency, "0"),4} | {Num(r.OpsPerSec, "N0"),9} | {Num(r.P50Ms, "0.000"),8} | {Num(r.P99Ms, "0.000"),8} | {Num(r.PeakRssMb, "0"),6} | {Num(r.AllocatedBytesPerOp, "N0"),10} | {r.Note}");
        }

        return text.ToString();
    }

    private static string Targets(List<ScenarioResult> rows)
    {
        ScenarioResult? Main(string name) => rows.Where(r => r.Scenario == name && !r.IsDiagnostic).MaxBy(r => r.N ?? 0);
        double? Ops(string name) => Main(name)?.OpsPerSec;
        var backlog = rows.Where(r => r.Scenario == "claim-deep-backlog" && r.OpsPerSec is not null).OrderBy(r => r.N).ToList();
        var empty = backlog.Count == 2 ? backlog[0] : null;
        var deep = backlog.Count == 2 ? backlog[1] : null;

        var text = new StringBuilder();
        text.AppendLine("Targets of issue 7 (ratios from this run):");
        Line("drain >= 0.5 x sqlite-raw-lifecycle", Ratio(Ops("drain"), Ops("sqlite-raw-lifecycle")), 0.5, higherIsBetter: true);
        Line("end-to-end >= 0.4 x sqlite-raw-lifecycle", Ratio(Ops("end-to-end"), Ops("sqlite-raw-lifecycle")), 0.4, higherIsBetter: true);
        Line("enqueue-concurrent >= 5 x enqueue-sequential", Ratio(Ops("enqueue-concurrent"), Ops("enqueue-sequential")), 5, higherIsBetter: true);
        Line("enqueue-sequential >= 0.7 x sqlite-raw-insert1", Ratio(Ops("enqueue-sequential"), Ops("sqlite-raw-insert1")), 0.7, higherIsBetter: true);
        Line("latency-inprocess p99 < 5 ms", Main("latency-inprocess")?.P99Ms, 5, higherIsBetter: false, unit: " ms");
        Line("latency-crossprocess p99 < poll (100 ms) + 5 ms", Main("latency-crossprocess")?.P99Ms, 105, higherIsBetter: false, unit: " ms");
        Line("drain >= 100 x quartz-sqlite-drain", Ratio(Ops("drain"), Ops("quartz-sqlite-drain")), 100, higherIsBetter: true);
        Line("drain >= 1 x quartz-ram-drain", Ratio(Ops("drain"), Ops("quartz-ram-drain")), 1, higherIsBetter: true);
        Line("claim-deep-backlog claim p50 <= 2 x empty", Ratio(deep?.P50Ms, empty?.P50Ms), 2, higherIsBetter: false);
        Line("claim-deep-backlog worker ops/s: empty/deep <= 2", Ratio(empty?.OpsPerSec, deep?.OpsPerSec), 2, higherIsBetter: false);
        Line("claim-deep-backlog peak RSS: deep/empty <= 1.25 (flat)", Ratio(deep?.PeakRssMb, empty?.PeakRssMb), 1.25, higherIsBetter: false);
        return text.ToString();

        void Line(string target, double? value, double threshold, bool higherIsBetter, string unit = " x")
        {
            var verdict = value is not { } v || !double.IsFinite(v) ? "n/a"
                : (higherIsBetter ? v >= threshold : v < threshold) ? "MET" : "MISSED";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {target,-56} {Num(value, "0.00") + unit,12}  {verdict}");
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;

    private static string Num(double? value, string format) => value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Num(long? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Num(int? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string RuntimeInfo() => $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}";
}
