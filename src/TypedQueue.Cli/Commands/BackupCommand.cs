using System.CommandLine;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using TypedQueue.Cli.Database;
using TypedQueue.Cli.Output;

namespace TypedQueue.Cli.Commands;

/// <summary>
/// <c>typedqueue backup &lt;target&gt;</c>: a consistent copy of a live database through SQLite's online backup API.
/// Workers may keep running: in WAL mode the copy's read snapshot does not block their writes.
/// </summary>
internal static class BackupCommand
{
    /// <summary>Databases larger than this many pages report progress on standard error.</summary>
    internal const int ProgressThresholdPages = 1024;

    private const int MinStepPages = 256;

    public static Command Create(CliOptions options)
    {
        var target = new Argument<string>("target-file") { Description = "The file to write the copy to." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the target file if it exists." };
        var command = new Command("backup", "Copy the database to a file with SQLite's online backup (consistent while workers run). Progress goes to standard error for large files.")
        {
            target, overwrite,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var targetPath = context.Parse.GetValue(target)!;
            var result = await BackupAsync(context, targetPath, context.Parse.GetValue(overwrite)).ConfigureAwait(false);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(result)).ConfigureAwait(false);
            }
            else
            {
                await context.Output.WriteLineAsync(
                    $"Backed up '{result.Source}' to '{result.Target}': {TextFormat.Count(result.Pages)} pages, {TextFormat.Bytes(result.Bytes)}, in {result.ElapsedMilliseconds} ms.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<BackupJson> BackupAsync(CommandContext context, string targetPath, bool overwrite)
    {
        var fullTarget = Path.GetFullPath(targetPath);
        if (string.Equals(fullTarget, context.Database.FullPath, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.OutputError, "The backup target is the database itself; choose another file.");
        }

        if (Directory.Exists(fullTarget))
        {
            throw new CliException(ExitCodes.OutputError, $"The backup target '{targetPath}' is a folder; give a file name.");
        }

        if (File.Exists(fullTarget) && !overwrite)
        {
            throw new CliException(ExitCodes.OutputError, $"The backup target '{targetPath}' exists; pass --overwrite to replace it.");
        }

        var folder = Path.GetDirectoryName(fullTarget)!;
        if (!Directory.Exists(folder))
        {
            throw new CliException(ExitCodes.OutputError, $"The folder of the backup target '{targetPath}' does not exist.");
        }

        // Write next to the target and rename at the end, so a failed or interrupted backup never leaves a partial file under the target's name.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(fullTarget)}.{Guid.NewGuid():N}.partial");
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var pages = await CopyAsync(context, temporary).ConfigureAwait(false);
            File.Move(temporary, fullTarget, overwrite);
            return new BackupJson(context.Database.DisplayPath, targetPath, pages, new FileInfo(fullTarget).Length, stopwatch.ElapsedMilliseconds);
        }
        catch (IOException ex)
        {
            throw new CliException(ExitCodes.OutputError, $"The backup could not be written to '{targetPath}': {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException(ExitCodes.OutputError, $"The backup could not be written to '{targetPath}': {ex.Message}");
        }
        catch (SqliteException ex)
        {
            // Most often the target side (a full disk, a read-only folder); the message names the cause either way.
            throw new CliException(ExitCodes.OutputError, $"The backup to '{targetPath}' failed: {ex.Message}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// The same sqlite3_backup_* calls as <see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>, stepped so
    /// progress can be shown (BackupDatabase copies in one step). A read transaction held on the source for the whole
    /// copy gives every step the same snapshot, so writers elsewhere never force the backup to restart.
    /// </summary>
    private static async Task<long> CopyAsync(CommandContext context, string temporary)
    {
        var cancellationToken = context.CancellationToken;
        await using var source = new SqliteConnection(QueueDatabase.ReadOnlyConnectionString(context.Database.FullPath));
        await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var snapshot = source.BeginTransaction(deferred: true);
        await using (var begin = source.CreateCommand())
        {
            begin.Transaction = snapshot;
            begin.CommandText = "SELECT count(*) FROM sqlite_master";
            await begin.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var destination = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = temporary,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        await destination.OpenAsync(cancellationToken).ConfigureAwait(false);

        using var backup = raw.sqlite3_backup_init(destination.Handle, "main", source.Handle, "main");
        if (backup is null || backup.IsInvalid)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_errcode(destination.Handle), destination.Handle);
            throw new CliException(ExitCodes.OutputError, "SQLite could not start the backup.");
        }

        var step = MinStepPages;
        var reported = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rc = raw.sqlite3_backup_step(backup, step);
            var total = raw.sqlite3_backup_pagecount(backup);
            if (rc == raw.SQLITE_DONE)
            {
                if (reported)
                {
                    await context.Error.WriteLineAsync($"backup: 100% ({TextFormat.Count(total)} of {TextFormat.Count(total)} pages)").ConfigureAwait(false);
                }

                return total;
            }

            if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, destination.Handle);
            }

            // About fifty progress lines for a large file, whatever its size.
            step = Math.Max(MinStepPages, total / 50);
            if (total > ProgressThresholdPages)
            {
                var done = total - raw.sqlite3_backup_remaining(backup);
                await context.Error.WriteLineAsync($"backup: {done * 100L / total}% ({TextFormat.Count(done)} of {TextFormat.Count(total)} pages)").ConfigureAwait(false);
                reported = true;
            }
        }
    }
}
