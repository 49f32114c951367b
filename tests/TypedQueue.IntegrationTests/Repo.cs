using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace TypedQueue.IntegrationTests;

/// <summary>Where the repository and its build outputs are, and how to run a child process to completion.</summary>
internal static class Repo
{
    public static string Root { get; } = Metadata("RepoRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    public static string SampleDll => Path.Combine(Root, "samples", "TypedQueue.Samples.Worker", "bin", Configuration, "net10.0", "TypedQueue.Samples.Worker.dll");

    public static string TelemetrySampleDll => Path.Combine(Root, "samples", "TypedQueue.Samples.Telemetry", "bin", Configuration, "net10.0", "TypedQueue.Samples.Telemetry.dll");

    public static string TestWorkerDll => Path.Combine(Root, "tests", "TypedQueue.TestWorker", "bin", Configuration, "net10.0", "TypedQueue.TestWorker.dll");

    public static string BenchmarksDll => Path.Combine(Root, "tests", "TypedQueue.Benchmarks", "bin", Configuration, "net10.0", "TypedQueue.Benchmarks.dll");

    public static string NewTempFolder(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), "typedqueue-it", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static async Task<ProcessResult> RunAsync(string fileName, string arguments, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); error.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {arguments}' did not finish within {timeout}:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString(), error.ToString());
        }
    }

    private static string Metadata(string key) =>
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

/// <summary>How a process ended: <paramref name="Output"/> is stdout and stderr interleaved as they came, <paramref name="Error"/> stderr alone.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error);
