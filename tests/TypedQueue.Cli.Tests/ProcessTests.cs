using System.Diagnostics;
using TypedQueue.Cli.Tests.Support;

namespace TypedQueue.Cli.Tests;

/// <summary>The built CLI as a real process: <c>dotnet TypedQueue.Cli.dll stats --db ...</c>.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Built_cli_prints_stats_and_exit_codes_as_a_process()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        Assert.True(File.Exists(CliRunner.DllPath), $"The CLI is not built at {CliRunner.DllPath}.");

        var (exitCode, output, error) = await RunAsync(db.Folder, "stats", "--db", db.Path);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Matches(@"(?m)^all\s+1\s+2\s+0\s+3\s+1\s+0\s+7\s+-$", output);

        var missing = await RunAsync(db.Folder, "stats", "--db", "missing.db");
        Assert.Equal(ExitCodes.DatabaseError, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(db.Folder, "missing.db")));
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliRunner.DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
