using System.Diagnostics;
using System.Reflection;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Tests;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's package) driven by Playwright (playwright-core from npm, run by
/// node): pages render, a click retries a dead task, and screenshots land in the test output folder. Skipped where
/// Chromium, node or playwright-core is missing, except under CI=true, where that is a failure.
/// </summary>
public sealed class DashboardBrowserTests(DashboardServer server) : IClassFixture<DashboardServer>
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string BrowserFolder = Path.Combine(
        typeof(DashboardBrowserTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "tests", "TypedQueue.Dashboard.Tests", "browser");

    [SkippableFact]
    public async Task Overview_detail_and_retry_in_headless_chromium_with_screenshots()
    {
        var node = RequireBrowserEnvironment();
        var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(screenshots);
        foreach (var old in Directory.GetFiles(screenshots, "*.png"))
        {
            File.Delete(old);
        }

        var deadId = server.Dead[2];
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = BrowserFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { Path.Combine(BrowserFolder, "dashboard-flow.mjs"), new Uri(server.BaseAddress, "/queue").ToString(), deadId.ToString(), server.XssTask.ToString(), screenshots })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The browser script did not finish in 3 minutes: {await errors}");
        }

        Assert.True(process.ExitCode == 0, $"The browser script failed ({process.ExitCode}):\n{await errors}\n{await output}");
        Assert.Contains("\"ok\":true", await output);
        foreach (var name in new[] { "overview.png", "tasks-dead.png", "detail-escaped-payload.png", "detail-dead.png", "detail-retried.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(screenshots, name));
            Assert.True(bytes.Length > 1000, $"{name} is too small to be a page");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }

        Assert.Equal(TaskState.Pending, (await server.Queue.GetTaskAsync(deadId))!.State);
    }

    /// <summary>The path of node when Chromium and playwright-core are installed; otherwise skips, or fails under CI=true.</summary>
    private static string RequireBrowserEnvironment()
    {
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "node"))
            .FirstOrDefault(File.Exists);
        var missing = new List<string>();
        if (!File.Exists(ChromiumPath))
        {
            missing.Add($"{ChromiumPath} (apt-get install chromium)");
        }

        if (node is null)
        {
            missing.Add("node on PATH");
        }

        if (!File.Exists(Path.Combine(BrowserFolder, "node_modules", "playwright-core", "package.json")))
        {
            missing.Add($"playwright-core (npm install in {BrowserFolder})");
        }

        if (missing.Count > 0)
        {
            var reason = "Browser test needs " + string.Join(", ", missing) + "; .ci/run installs them.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("CI=true, so this is a failure, not a skip: " + reason);
            }

            Skip.If(true, reason);
        }

        return node!;
    }
}
