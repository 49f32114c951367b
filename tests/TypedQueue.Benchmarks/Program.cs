using System.Globalization;
using System.Text.Json;
using TypedQueue.Benchmarks;

// Three roles, one executable:
//   (no role)                          the suite: runs each scenario in a fresh child process, prints the table, --json FILE
//   --scenario NAME [--result-file F]  one scenario, its rows written to F or the console (each scenario's peak RSS is its own);
//                                      --alloc-types also prints the sampled allocations by type to stderr;
//                                      run it with DOTNET_TC_CallCountingDelayMs=0, as the suite does (see ChildProcess)
//   --child-enqueuer --db F --n N --rate R   the enqueuing side of latency-crossprocess
var arguments = new Arguments(args);
if (arguments.Has("--child-enqueuer"))
{
    return await TypedQueueScenarios.RunChildEnqueuerAsync(arguments.Value("--db")!, arguments.Int("--n", 5_000), arguments.Int("--rate", 1_000), arguments.Value("--result-file")!);
}

if (arguments.Value("--scenario") is { } scenario)
{
    if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") != "0")
    {
        Console.Error.WriteLine("note: the suite runs every scenario with DOTNET_TC_CallCountingDelayMs=0 (see ChildProcess); set it for figures comparable with the suite's.");
    }

    using var sampler = AllocationSampler.Current = arguments.Has("--alloc-types") ? new AllocationSampler() : null;
    var rows = await Scenarios.RunAsync(scenario, arguments);
    if (sampler is not null)
    {
        Console.Error.Write(sampler.Report(rows.Max(static r => r.N) ?? 1)); // the measured part of drain and end-to-end
    }

    var rss = Metrics.PeakRssMb();
    rows = [.. rows.Select(r => r with { PeakRssMb = rss })];
    var json = JsonSerializer.Serialize(rows, BenchmarkJsonContext.Default.ListScenarioResult);
    if (arguments.Value("--result-file") is { } resultFile)
    {
        await File.WriteAllTextAsync(resultFile, json);
    }
    else
    {
        Console.WriteLine(json); // run by hand: the rows go to the console
    }

    return 0;
}

return await Suite.RunAsync(arguments);

/// <summary>Minimal flag parsing: <c>--name value</c> pairs and bare flags.</summary>
internal sealed class Arguments(string[] args)
{
    public bool Has(string name) => Array.IndexOf(args, name) >= 0;

    public string? Value(string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
