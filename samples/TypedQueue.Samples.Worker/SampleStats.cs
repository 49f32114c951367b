using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace TypedQueue.Samples.Worker;

/// <summary>
/// Opt-in measurements (<c>--stats</c>) for comparing the native-AOT and JIT builds: when the first handler started,
/// and the process's peak resident memory, printed at exit. Reads /proc, so it needs no tool on the machine.
/// </summary>
internal static class SampleStats
{
    private static long _mainEntered;
    private static long _firstTaskTimestamp;
    private static long _firstTaskUnixMicroseconds;

    /// <summary>Called first thing in Main.</summary>
    public static void MainEntered() => _mainEntered = Stopwatch.GetTimestamp();

    /// <summary>Called at the top of every handler; only the first call counts.</summary>
    public static void TaskStarted()
    {
        if (Interlocked.Read(ref _firstTaskTimestamp) != 0)
        {
            return;
        }

        var unixMicroseconds = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
        if (Interlocked.CompareExchange(ref _firstTaskTimestamp, Stopwatch.GetTimestamp(), 0) == 0)
        {
            Interlocked.Exchange(ref _firstTaskUnixMicroseconds, unixMicroseconds);
        }
    }

    /// <summary>
    /// Prints <c>stats: key=value</c> lines: the wall-clock instant the first handler started (Unix microseconds, to be
    /// compared with the launch time a script takes just before starting the process), the time from Main to that
    /// handler, the peak resident set size (VmHWM), and which runtime ran (nothing is JIT-compiled in a native-AOT build;
    /// RuntimeFeature.IsDynamicCodeSupported would not tell, as PublishAot switches it off for the JIT build too).
    /// </summary>
    public static void Print()
    {
        var first = Interlocked.Read(ref _firstTaskTimestamp);
        var unix = Interlocked.Read(ref _firstTaskUnixMicroseconds);
        Console.WriteLine(first == 0
            ? "stats: first-task=none"
            : string.Create(CultureInfo.InvariantCulture,
                $"stats: first-task-unix-us={unix} main-to-first-task-ms={Stopwatch.GetElapsedTime(_mainEntered, first).TotalMilliseconds:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stats: peak-rss-kb={PeakResidentKilobytes()} runtime={(JitInfo.GetCompiledMethodCount() == 0 ? "native-aot" : "jit")}"));
    }

    private static long PeakResidentKilobytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }
}
