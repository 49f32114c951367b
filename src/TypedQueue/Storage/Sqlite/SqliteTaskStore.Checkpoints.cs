using Microsoft.Data.Sqlite;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// WAL upkeep. No commit pays for copying the WAL back into the database: a loop beside the writer does, every
/// <see cref="CheckpointInterval"/> while this process writes, with a PASSIVE checkpoint on a connection of its own,
/// which neither the writer nor readers wait for. The writer's own autocheckpoint is set to
/// <see cref="WalWriterCheckpointFrames"/>, far past where the loop keeps the WAL: it only bounds the WAL when the loop
/// falls behind (its timer waits for a thread-pool thread; a test run saturating 2 cores let the WAL reach 220 MB).
/// </summary>
/// <remarks>
/// Under a steady stream of commits that alone never catches up: frames arrive while it copies, and SQLite starts the
/// WAL over only when a write begins with every frame copied, so the file grew without bound (500 MB in a
/// 200,000-task drain). Once the WAL holds more than <see cref="WalRestartFrames"/> frames, the loop therefore runs a
/// second checkpoint while holding this process's write lock: it copies just the frames that arrived during the first,
/// and the next write starts the WAL over; past ten times the threshold (other processes writing too, or a long reader)
/// that second checkpoint is a RESTART. <c>journal_size_limit</c> (64 MB unless set otherwise) then truncates a file that
/// a burst made large. A failed round (busy, file unreachable) is tried again on the next tick.
/// </remarks>
internal sealed partial class SqliteTaskStore
{
    /// <summary>How often the loop looks at the WAL while this process writes.</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The WAL length (frames of one page each) past which the loop makes the WAL start over: SQLite's own autocheckpoint threshold.</summary>
    internal const int WalRestartFrames = 1_000;

    /// <summary>The writer's <c>wal_autocheckpoint</c>: a safety net ten times past <see cref="WalRestartFrames"/>.</summary>
    internal const int WalWriterCheckpointFrames = 10 * WalRestartFrames;

    private Task? _checkpointer;
    private int _commitsSinceCheckpoint;

    private async Task CheckpointLoopAsync()
    {
        SqliteConnection? connection = null;
        SqliteCommand? passive = null, restart = null;
        try
        {
            using var timer = new PeriodicTimer(CheckpointInterval);
            while (await timer.WaitForNextTickAsync(_disposing.Token).ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0)
                {
                    continue;
                }

                try
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(_settings.ConnectionString);
                        await connection.OpenAsync(_disposing.Token).ConfigureAwait(false);
                        await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = 1000; PRAGMA journal_size_limit = {_settings.WalSizeLimitBytes}", _disposing.Token).ConfigureAwait(false);
                        passive = Prepare(connection, "PRAGMA wal_checkpoint(PASSIVE)");
                        restart = Prepare(connection, "PRAGMA wal_checkpoint(RESTART)");
                    }

                    var frames = await CheckpointAsync(passive!, _disposing.Token).ConfigureAwait(false);
                    if (frames > WalRestartFrames)
                    {
                        await _writeLock.WaitAsync(_disposing.Token).ConfigureAwait(false);
                        try
                        {
                            // Commits of other processes, or readers on old snapshots, can still keep the WAL from
                            // starting over; once it is ten times the threshold, RESTART waits for them (busy_timeout,
                            // one second) and holds other processes' writers back until the WAL can start over.
                            await CheckpointAsync(frames > 10 * WalRestartFrames ? restart! : passive!, _disposing.Token).ConfigureAwait(false);
                        }
                        finally
                        {
                            _writeLock.Release();
                        }
                    }
                }
                catch (SqliteException)
                {
                    // Busy, or the file cannot be reached: the next tick tries again on a fresh connection, and the WAL
                    // stays valid meanwhile.
                    Interlocked.Increment(ref _commitsSinceCheckpoint);
                    passive?.Dispose();
                    restart?.Dispose();
                    connection?.Dispose();
                    (connection, passive, restart) = (null, null, null);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            passive?.Dispose();
            restart?.Dispose();
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one checkpoint; returns the WAL's length in frames.</summary>
    private static async Task<long> CheckpointAsync(SqliteCommand checkpoint, CancellationToken cancellationToken)
    {
        await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt64(1) : 0;
    }
}
