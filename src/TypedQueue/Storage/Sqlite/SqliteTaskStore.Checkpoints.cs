using Microsoft.Data.Sqlite;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// WAL upkeep. The writer connection never checkpoints (<c>wal_autocheckpoint = 0</c>), so no commit pays for copying
/// the WAL back into the database. A loop beside it does, every <see cref="CheckpointInterval"/> while this process
/// writes: a PASSIVE checkpoint on a connection of its own, which neither the writer nor readers wait for.
/// </summary>
/// <remarks>
/// Under a steady stream of commits that alone never catches up: frames arrive while it copies, and SQLite starts the
/// WAL over only when a write begins with every frame copied, so the file grew without bound (500 MB in a
/// 200,000-task drain). Once the WAL holds more than <see cref="WalRestartFrames"/> frames and some are left uncopied,
/// the loop therefore runs a second PASSIVE checkpoint while holding this process's write lock: it copies just the
/// frames that arrived during the first, and the next write starts the WAL over. <c>journal_size_limit</c> then
/// (64 MB unless set otherwise) truncates a file that a burst made large.
/// </remarks>
internal sealed partial class SqliteTaskStore
{
    /// <summary>How often the loop looks at the WAL while this process writes.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The WAL length (frames of one page each) past which the loop makes the WAL start over: SQLite's own autocheckpoint threshold.</summary>
    internal const int WalRestartFrames = 1_000;

    private Task? _checkpointer;
    private int _commitsSinceCheckpoint;

    private async Task CheckpointLoopAsync()
    {
        try
        {
            await using var connection = new SqliteConnection(_settings.ConnectionString);
            await connection.OpenAsync(_disposing.Token).ConfigureAwait(false);
            await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = 1000; PRAGMA journal_size_limit = {_settings.WalSizeLimitBytes}", _disposing.Token).ConfigureAwait(false);
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var timer = new PeriodicTimer(CheckpointInterval);
            while (await timer.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0)
                {
                    continue;
                }

                try
                {
                    var (frames, _) = await CheckpointAsync(checkpoint, _disposing.Token).ConfigureAwait(false);
                    if (frames > WalRestartFrames)
                    {
                        await _writeLock.WaitAsync(_disposing.Token).ConfigureAwait(false);
                        try
                        {
                            await CheckpointAsync(checkpoint, _disposing.Token).ConfigureAwait(false);
                        }
                        finally
                        {
                            _writeLock.Release();
                        }
                    }
                }
                catch (SqliteException)
                {
                    // Busy or failing: the next tick tries again, and the WAL stays valid meanwhile.
                    Interlocked.Increment(ref _commitsSinceCheckpoint);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SqliteException)
        {
            // The file went away or cannot be opened; writes will report that themselves.
        }
    }

    /// <summary>Runs one checkpoint; returns the WAL's length in frames and how many of them are now in the database.</summary>
    private static async Task<(long Frames, long Copied)> CheckpointAsync(SqliteCommand checkpoint, CancellationToken cancellationToken)
    {
        await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
    }
}
