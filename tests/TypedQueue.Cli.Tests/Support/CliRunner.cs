using System.Reflection;
using System.Text.Json;

namespace TypedQueue.Cli.Tests.Support;

/// <summary>The result of one in-process CLI invocation.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Output);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the CLI in-process through <see cref="TypedQueueCli.RunAsync"/>, capturing both streams.</summary>
public static class CliRunner
{
    public static string RepoRoot { get; } = Metadata("RepoRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    /// <summary>The CLI as built in its own project folder (with its runtimeconfig), for the real-process test.</summary>
    public static string DllPath => Path.Combine(RepoRoot, "src", "TypedQueue.Cli", "bin", Configuration, "net10.0", "TypedQueue.Cli.dll");

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await TypedQueueCli.RunAsync(args, output, error).WaitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    private static string Metadata(string key) =>
        typeof(CliRunner).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
