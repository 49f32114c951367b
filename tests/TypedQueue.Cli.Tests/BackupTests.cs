using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Cli.Tests.Support;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Tests;

/// <summary>backup: the copy is a TypedQueue database with the same tasks; targets are never clobbered by accident.</summary>
public sealed class BackupTests
{
    [Fact]
    public async Task Backup_copy_opens_with_the_same_counts_and_tasks()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        var target = Path.Combine(db.Folder, "copy.db");

        var result = await CliRunner.RunAsync("backup", target, "--db", db.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"to '{target}'", result.Output, StringComparison.Ordinal);
        Assert.Equal("", result.Error); // small file: no progress lines
        Assert.Empty(Directory.GetFiles(db.Folder, "*.partial"));

        var original = await db.Queue.GetStatisticsAsync();
        await using var copy = new ServiceCollection().AddTypedQueue(o => { o.DatabasePath = target; o.RunWorker = false; }).BuildServiceProvider();
        var copyQueue = copy.GetRequiredService<ITaskQueue>();
        var copied = await copyQueue.GetStatisticsAsync();
        Assert.Equal(original.Counts.OrderBy(c => c.Queue).ThenBy(c => c.State), copied.Counts.OrderBy(c => c.Queue).ThenBy(c => c.State));
        Assert.Equal((await db.GetAsync(db.Dead)).LastError, (await copyQueue.GetTaskAsync(db.Dead))!.LastError);

        // The CLI reads the copy like the original.
        var stats = await CliRunner.RunAsync("stats", "--db", target, "--json");
        Assert.Equal(7, stats.Json().GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Backup_refuses_an_existing_target_unless_told_to_overwrite()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        var target = Path.Combine(db.Folder, "existing.db");
        await File.WriteAllTextAsync(target, "keep me");

        var refused = await CliRunner.RunAsync("backup", target, "--db", db.Path);
        Assert.Equal(ExitCodes.OutputError, refused.ExitCode);
        Assert.Contains("--overwrite", refused.Error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(target));

        var replaced = await CliRunner.RunAsync("backup", target, "--overwrite", "--db", db.Path, "--json");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        Assert.Equal(new FileInfo(target).Length, replaced.Json().GetProperty("bytes").GetInt64());
        Assert.True(replaced.Json().GetProperty("pages").GetInt64() > 0);

        var intoMissingFolder = await CliRunner.RunAsync("backup", Path.Combine(db.Folder, "no", "such", "copy.db"), "--db", db.Path);
        Assert.Equal(ExitCodes.OutputError, intoMissingFolder.ExitCode);

        var ontoItself = await CliRunner.RunAsync("backup", db.Path, "--overwrite", "--db", db.Path);
        Assert.Equal(ExitCodes.OutputError, ontoItself.ExitCode);
    }

    [Fact]
    public async Task Backup_of_a_large_file_reports_progress_on_stderr()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();
        // ~8 MB of payloads: several times the progress threshold (1024 pages of 4 KiB).
        var padding = new string('x', 2000);
        await db.Queue.EnqueueManyAsync(Tasks.Mail.Definition, Enumerable.Range(0, 4000).Select(i => new MailPayload($"user{i}@example.com", padding)));
        var target = Path.Combine(db.Folder, "large-copy.db");

        var result = await CliRunner.RunAsync("backup", target, "--db", db.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var progress = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(progress.Length >= 3, result.ToString());
        Assert.All(progress, line => Assert.Matches(@"^backup: \d+% \([\d,]+ of [\d,]+ pages\)$", line));
        Assert.StartsWith("backup: 100%", progress[^1], StringComparison.Ordinal);
        Assert.True(result.Json().GetProperty("pages").GetInt64() > 1024);
        var copied = await CliRunner.RunAsync("stats", "--db", target, "--json");
        Assert.Equal(4000, copied.Json().GetProperty("totals").GetProperty("pending").GetInt64());
    }
}
