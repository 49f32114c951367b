using System.Diagnostics;

namespace TypedQueue.Benchmarks;

/// <summary>Starts this benchmark again as a child process: <c>dotnet TypedQueue.Benchmarks.dll ARGS</c>.</summary>
internal static class ChildProcess
{
    public static Process Start(params string[] arguments)
    {
        var self = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false };
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
