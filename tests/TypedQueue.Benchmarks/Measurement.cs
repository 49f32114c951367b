using System.Diagnostics;
using System.Text.Json.Serialization;

namespace TypedQueue.Benchmarks;

/// <summary>One row of the report, as a scenario measured it (also what a scenario child process sends back).</summary>
public sealed record ScenarioResult
{
    /// <summary>The scenario name (kept stable: tools read it).</summary>
    public required string Scenario { get; init; }

    /// <summary>Tasks (or rows, or calls) measured.</summary>
    public long? N { get; init; }

    /// <summary>Worker slots, concurrent callers, or claim batch size, as the note says.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Throughput.</summary>
    public double? OpsPerSec { get; init; }

    /// <summary>Median latency of one operation, milliseconds.</summary>
    public double? P50Ms { get; init; }

    /// <summary>99th percentile latency of one operation, milliseconds.</summary>
    public double? P99Ms { get; init; }

    /// <summary>Peak resident set of the process that ran the scenario (VmHWM), MiB.</summary>
    public double? PeakRssMb { get; init; }

    /// <summary>Managed bytes allocated per operation, all threads of the process.</summary>
    public double? AllocatedBytesPerOp { get; init; }

    /// <summary>What the figure means, or why it is missing.</summary>
    public string? Note { get; init; }

    /// <summary>An extra row that explains a figure (a sweep, a breakdown) rather than one of the scenarios.</summary>
    public bool IsDiagnostic { get; init; }

    /// <summary>The row as <c>--json</c> writes it.</summary>
    public PublishedResult ToPublished() => new(Scenario, N, Concurrency, Round(OpsPerSec, 1), Round(P50Ms, 3), Round(P99Ms, 3), PeakRssMb);

    private static double? Round(double? value, int digits) => value is { } v && double.IsFinite(v) ? Math.Round(v, digits) : null;
}

/// <summary>One object of the <c>--json</c> array: exactly the fields issue 7 names, null where not measured.</summary>
public sealed record PublishedResult(
    [property: JsonPropertyName("scenario")] string Scenario,
    [property: JsonPropertyName("n")] long? N,
    [property: JsonPropertyName("concurrency")] int? Concurrency,
    [property: JsonPropertyName("ops_per_sec")] double? OpsPerSec,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms,
    [property: JsonPropertyName("peak_rss_mb")] double? PeakRssMb);

/// <summary>Source-generated JSON for the report file and the parent/child protocol (no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(List<PublishedResult>))]
[JsonSerializable(typeof(List<ScenarioResult>))]
internal sealed partial class BenchmarkJsonContext : JsonSerializerContext;

/// <summary>Percentiles, process memory and allocation counters.</summary>
internal static class Metrics
{
    /// <summary>
    /// Every throughput scenario, ours and the peers', runs its own workload before the measured run: 3 s for the first
    /// warm-up in a process, half a second for later ones (the JIT is warm by then). Tiered compilation promotes hot
    /// methods in several steps, each after a delay, so a short warm-up measures partly unoptimized code: with the same
    /// code, enqueue-concurrent ran 46k/s after 1,000 warm-up calls (~70 ms), 54-68k/s after 1 s, 85k/s after 3 s and
    /// 90k/s after 6 s; drain with tiering off ran 1.2 x its figure after a short warm-up.
    /// </summary>
    private static TimeSpan NextWarmUp() => Interlocked.Exchange(ref _warmedUp, 1) == 0 ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(0.5);

    private static int _warmedUp;

    /// <summary>Runs <paramref name="round"/> for the process's warm-up time (see <see cref="NextWarmUp"/>; at least once).</summary>
    public static async Task WarmUpAsync(Func<Task> round)
    {
        var time = NextWarmUp();
        var started = Stopwatch.GetTimestamp();
        _warmingUp = true;
        try
        {
            do
            {
                await round();
            }
            while (Stopwatch.GetElapsedTime(started) < time);
        }
        finally
        {
            _warmingUp = false;
        }
    }

    private static volatile bool _warmingUp;

    /// <summary>How long no method may have been compiled before a measured part starts (<see cref="SettleJitAsync"/>).</summary>
    private static readonly TimeSpan JitQuiet = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Called right before every measured part, ours and the peers': waits until no method has been JIT-compiled for
    /// <see cref="JitQuiet"/> (at most 2 s; at once during a warm-up round). Setting up the measured round (a new host,
    /// a new scheduler) runs set-up code once more; where that call promotes a method, the runtime compiles the optimized
    /// code on a background thread, inside the measured part unless waited for. Without the wait, 20,000-task drains
    /// compiled 477-856 methods in 268-340 ms of JIT while measured (5 of 6 runs; up to half the process's CPU in those
    /// 0.3 s), Quartz's RAM-store drains 12-18 methods in 6-13 ms. Likely why ours: a drain's warm-up round takes about
    /// 0.1 s, about 30 in the 3 s warm-up, and 30 calls is when the runtime promotes a method, so set-up code called
    /// once a round is promoted about when the measured round starts. With the wait: 15-24 methods (10-38 ms) and
    /// 11-14 (5-15 ms).
    /// </summary>
    public static async Task SettleJitAsync()
    {
        if (_warmingUp)
        {
            return;
        }

        var began = Stopwatch.GetTimestamp();
        var quietSince = began;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(quietSince) < JitQuiet && Stopwatch.GetElapsedTime(began) < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(10);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <inheritdoc cref="SettleJitAsync"/>
    public static void SettleJit() => SettleJitAsync().GetAwaiter().GetResult();

    /// <inheritdoc cref="WarmUpAsync(Func{Task})"/>
    public static void WarmUp(Action round) => WarmUpAsync(() =>
    {
        round();
        return Task.CompletedTask;
    }).GetAwaiter().GetResult();

    /// <summary>Nearest-rank percentile of Stopwatch tick samples, in milliseconds. Sorts the array in place.</summary>
    public static (double P50, double P99) Percentiles(long[] ticks)
    {
        if (ticks.Length == 0)
        {
            return (double.NaN, double.NaN);
        }

        Array.Sort(ticks);
        return (ToMs(ticks[Rank(ticks.Length, 0.50)]), ToMs(ticks[Rank(ticks.Length, 0.99)]));

        static int Rank(int count, double p) => Math.Clamp((int)Math.Ceiling(p * count) - 1, 0, count - 1);
    }

    /// <summary>Stopwatch ticks as milliseconds.</summary>
    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>The peak resident set of this process so far (Linux VmHWM), MiB; null where /proc is missing.</summary>
    public static double? PeakRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    return Math.Round(kb / 1024.0, 1);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Managed bytes allocated by every thread so far.</summary>
    public static long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);
}
