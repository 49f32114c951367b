using System.Diagnostics;

namespace TypedQueue.Benchmarks;

/// <summary>
/// Starts this benchmark again as a child process: <c>dotnet TypedQueue.Benchmarks.dll ARGS</c>. Every child, ours and
/// the peers' alike, runs with the runtime's tiering delay off (<c>DOTNET_TC_CallCountingDelayMs=0</c>): the runtime
/// promotes hot methods to optimized code only after 100 ms without new methods being compiled, and each warm-up round
/// that starts a host (a new DI container, new scheduler) compiles new ones, so with the default delay the measured run
/// still ran partly unoptimized code and tiered up while it was measured (drain, 3 alternating pairs: 44-51k/s at 32 us
/// of CPU per task with the default, 62-73k/s at 19-23 us without the delay; Quartz RAM 30-58k vs 59-77k/s).
/// </summary>
internal static class ChildProcess
{
    public static Process Start(params string[] arguments)
    {
        var self = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false };
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        start.ArgumentList.Add(self);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a child process.");
    }

    private static string DotnetHost()
    {
        // Under `dotnet run` the process is the apphost; `dotnet` itself is what started it, or the one on PATH.
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
