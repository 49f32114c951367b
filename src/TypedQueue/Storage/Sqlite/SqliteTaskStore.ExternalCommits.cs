using System.Diagnostics;
using Microsoft.Data.Sqlite;
using TypedQueue.Diagnostics;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// Hearing other connections' commits (other processes, or an outbox transaction in this one): the worker's check after a
/// plain poll, and the WAL watcher that tells an idle worker and waiting callers at once. A report comes for every commit,
/// this process's own included; a look on the writer tells them apart (data_version changes only for other connections).
/// A process that commits often by itself pays for reports that are nearly all its own (end-to-end measured 0.7-0.8 x as
/// fast with the watcher on), so after <see cref="EmptyLooksBeforePause"/> looks in a row that found only its own commits,
/// the watcher pauses: the store's own transactions then read data_version themselves, and the watcher resumes when the
/// store has not begun a transaction for <see cref="QuietBeforeResume"/>. A commit of another connection found while
/// paused does not resume it: as long as this process keeps committing, its transactions hear the next ones too (resuming
/// on every find made a process that shares the file with a busy one pause and resume ~60 times a second, ~0.8 ms each).
/// </summary>
internal sealed partial class SqliteTaskStore
{
    /// <summary>Looks in a row that found no other connection's commit before the WAL watcher pauses.</summary>
    internal const int EmptyLooksBeforePause = 16;

    /// <summary>How long a paused WAL watcher waits for the store's next transaction before it resumes (5 ms; tests set it).</summary>
    internal TimeSpan QuietBeforeResume { get; set; } = TimeSpan.FromMilliseconds(5);

    // The writer's data_version at the worker's last look (HasExternalWritesAsync).
    private long _lastDataVersion = long.MinValue;

    // The WAL watcher's reports: the writer's data_version at the last look they caused (or, while the watcher is paused,
    // at the last transaction), one look at a time (a report during a look asks for one more), the looks in a row that
    // found nothing, and when the last transaction began while the watcher was paused (a Stopwatch timestamp).
    private long _reportedDataVersion = long.MinValue;
    private int _lookRequested;
    private int _looking;
    private int _emptyLooks;
    private long _lastOwnTransaction;
    private SqliteWalWatcher? _walWatcher;
    private int _walWatchTried;
    private ITimer? _resumeTimer;
    private bool _watchFailureLogged;

    // How long the timer waits before it tries again to start a watch that failed; doubles up to LastRetryDelay.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetryDelay = TimeSpan.FromSeconds(30);
    private TimeSpan _retryDelay = FirstRetryDelay;

    // Pausing (the look loop, after enough empty looks) and resuming (the timer) decide
    // under this gate: a look counted before a resume reset the count must not pause the watcher that resume just started.
    private readonly Lock _pauseGate = new();

    // The look loop last started (tests await it: with the watcher paused, no report starts another).
    private Task _lookLoop = Task.CompletedTask;

    /// <summary>The look loop last started, for tests (see <see cref="_lookLoop"/>).</summary>
    internal Task LookLoop => Volatile.Read(ref _lookLoop);

    /// <summary>The WAL watcher, once started (for tests).</summary>
    internal SqliteWalWatcher? WalWatcher => _walWatcher;

    /// <summary>A WAL report as the watcher would make it, for tests.</summary>
    internal void ReportForTests() => OnWalReport();

    public Task<bool> HasExternalWritesAsync(CancellationToken cancellationToken) =>
        LookOnWriterAsync(writer => LookForExternalCommit(writer, ref _lastDataVersion), cancellationToken);

    /// <summary>
    /// Runs a look on the writer under the write lock. A look that fails says yes: whoever acts on it (a claim, a waiter's
    /// read) meets the real problem and reports it.
    /// </summary>
    private async Task<bool> LookOnWriterAsync(Func<SqliteConnection, bool> look, CancellationToken cancellationToken)
    {
        try
        {
            return await UseWriterAsync(look, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or TaskStoreException or InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>
    /// Whether another connection committed since <paramref name="lastVersion"/> was read (which it updates); the caller
    /// holds the write lock. PRAGMA data_version on the writer changes only when another connection commits (another
    /// process, or an outbox transaction in this one), never for the writer's own commits. It reads a counter in shared
    /// memory, so the look costs microseconds.
    /// </summary>
    private bool LookForExternalCommit(SqliteConnection writer, ref long lastVersion, bool waitOutCommitInFlight = false)
    {
        var version = DataVersion(writer);
        if (version == lastVersion || waitOutCommitInFlight)
        {
            // A WAL report comes when another connection writes its frames, but that commit becomes visible only
            // afterwards (after its fsync on synchronous=FULL), and nothing reports it then. The writer of those frames
            // holds the database's write lock until its commit is visible: once this connection has had the lock,
            // data_version tells. A transaction that changes nothing writes nothing.
            BeginImmediate(writer);
            try
            {
                version = DataVersion(writer);
                Commit(writer);
            }
            catch
            {
                RollBack(writer);
                throw;
            }
        }

        return Advance(ref lastVersion, version);
    }

    /// <summary>Moves <paramref name="lastVersion"/> to <paramref name="version"/>; true when it changed.</summary>
    private static bool Advance(ref long lastVersion, long version)
    {
        var changed = version != lastVersion;
        lastVersion = version;
        return changed;
    }

    /// <summary>
    /// The WAL watcher's report: a few per commit, this process's own included, and before the commit is visible. A look
    /// on a pool thread (one at a time; a report during it asks for one more) tells whether another connection committed,
    /// and only then are the worker and the waiters of this process told.
    /// </summary>
    private void OnWalReport()
    {
        Volatile.Write(ref _lookRequested, 1);
        if (Interlocked.CompareExchange(ref _looking, 1, 0) == 0)
        {
            Volatile.Write(ref _lookLoop, Task.Run(LookAfterReportsAsync));
        }
    }

    private async Task LookAfterReportsAsync()
    {
        do
        {
            try
            {
                while (Interlocked.Exchange(ref _lookRequested, 0) == 1 && !_disposing.IsCancellationRequested)
                {
                    if (_walWatcher is { HasFailed: true })
                    {
                        ResumeWatcher(); // the watch failed while running (its error event asked for this look): start it again
                    }

                    if (await LookAfterReportAsync().ConfigureAwait(false))
                    {
                        Volatile.Write(ref _emptyLooks, 0);
                        _onExternalCommit!();
                    }
                    else if (Interlocked.Increment(ref _emptyLooks) >= EmptyLooksBeforePause)
                    {
                        PauseWatcher();
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException && _disposing.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                Volatile.Write(ref _looking, 0);
            }
        }
        while (Volatile.Read(ref _lookRequested) == 1 && Interlocked.CompareExchange(ref _looking, 1, 0) == 0);
    }

    /// <summary>Whether another connection committed since the last report's look; errs on the side of yes.</summary>
    /// <remarks>
    /// Always the locked look: a change seen without the lock may be an earlier commit, while the reported one (its frames
    /// written; its report merged into this look) is still in flight and will be reported by no one.
    /// </remarks>
    private Task<bool> LookAfterReportAsync() =>
        LookOnWriterAsync(writer => LookForExternalCommit(writer, ref _reportedDataVersion, waitOutCommitInFlight: true), _disposing.Token);

    public async Task WatchForExternalCommitsAsync(CancellationToken cancellationToken)
    {
        if (_onExternalCommit is null || Volatile.Read(ref _walWatchTried) != 0)
        {
            return;
        }

        // A commit whose frames were written before the watcher started is reported by no one: wait for it to become
        // visible (the locked look), so the caller's next read sees it.
        if (await LookOnWriterAsync(writer =>
            {
                StartWatchingWal(writer);
                return LookForExternalCommit(writer, ref _reportedDataVersion);
            }, cancellationToken).ConfigureAwait(false))
        {
            _onExternalCommit();
        }
    }

    /// <summary>
    /// Pauses the WAL watcher, whose reports were all this process's own (see the class summary), and arms the timer that
    /// resumes it once the store stops writing. Only the look loop calls this, one look at a time.
    /// </summary>
    private void PauseWatcher()
    {
        lock (_pauseGate)
        {
            // The count is read again under the gate: a resume since this look was counted set it back to zero.
            if (Volatile.Read(ref _emptyLooks) < EmptyLooksBeforePause || _walWatcher is not { IsPaused: false } watcher
                || _resumeTimer is not { } timer || _disposing.IsCancellationRequested)
            {
                return; // reports that came before the pause still bring looks
            }

            Volatile.Write(ref _lastOwnTransaction, Stopwatch.GetTimestamp());
            watcher.Pause(true);
            timer.Change(QuietBeforeResume, Timeout.InfiniteTimeSpan);
        }
    }

    private ITimer CreateResumeTimer()
    {
        // No execution context flows into the timer: it would keep the first worker's or waiter's AsyncLocals (an
        // Activity, say) alive as long as the store.
        using (ExecutionContext.SuppressFlow())
        {
            return TimeProvider.System.CreateTimer(static s => ((SqliteTaskStore)s!).ResumeWatcherIfQuiet(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void ResumeWatcherIfQuiet()
    {
        if (_walWatcher is not { IsPaused: true } || _disposing.IsCancellationRequested)
        {
            return;
        }

        var quiet = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastOwnTransaction));
        if (quiet < QuietBeforeResume)
        {
            _resumeTimer?.Change(QuietBeforeResume - quiet, Timeout.InfiniteTimeSpan);
            return;
        }

        ResumeWatcher();
    }

    /// <summary>Resumes a paused watcher, which reports once: the look then covers whatever was committed while it was paused.</summary>
    private void ResumeWatcher()
    {
        lock (_pauseGate)
        {
            Volatile.Write(ref _emptyLooks, 0);
            if (_walWatcher is not { } watcher)
            {
                return;
            }

            watcher.Pause(false);
            if (!watcher.HasFailed)
            {
                _retryDelay = FirstRetryDelay;
                return;
            }

            if (_disposing.IsCancellationRequested)
            {
                return;
            }

            // Starting the watch again failed (the system's inotify instance or watch limit, say): the store's transactions
            // keep looking (a failed watcher counts as paused), the poll interval bounds the rest, and the timer tries again
            // later, waiting longer each time.
            if (!_watchFailureLogged && _logger is not null)
            {
                _watchFailureLogged = true;
                Log.WalWatchUnavailable(_logger, DataSource, "starting the watch again failed; retrying");
            }

            _resumeTimer?.Change(_retryDelay, Timeout.InfiniteTimeSpan);
            _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, LastRetryDelay.Ticks));
        }
    }

    /// <summary>
    /// Called by every transaction of the store right after its BEGIN IMMEDIATE: while the WAL watcher is paused, the
    /// transaction is how the store hears other connections. Holding the write lock, no other commit is in flight, so
    /// data_version is exact here. A change tells the worker and the waiters at once.
    /// </summary>
    private void LookWhileWatcherPaused(SqliteConnection writer)
    {
        if (_walWatcher is not { IsPaused: true })
        {
            return;
        }

        Volatile.Write(ref _lastOwnTransaction, Stopwatch.GetTimestamp());
        long version;
        try
        {
            version = DataVersion(writer);
        }
        catch (SqliteException)
        {
            _onExternalCommit!(); // a look that fails errs on the side of waking; the transaction goes on
            return;
        }

        if (Advance(ref _reportedDataVersion, version))
        {
            _onExternalCommit!();
        }
    }

    /// <summary>
    /// Starts the WAL watcher once, for a worker or a waiter (an enqueue-only process never needs it), on the file the writer really
    /// opened: SQLite's own name for it resolves relative paths and <c>|DataDirectory|</c>, and is empty for an in-memory
    /// database, which has no file to watch.
    /// </summary>
    private void StartWatchingWal(SqliteConnection writer)
    {
        if (_onExternalCommit is null || _disposing.IsCancellationRequested || Volatile.Read(ref _walWatchTried) != 0 || Interlocked.Exchange(ref _walWatchTried, 1) != 0)
        {
            return;
        }

        try
        {
            _reportedDataVersion = DataVersion(writer); // what is visible now needs no report
        }
        catch (SqliteException)
        {
            _reportedDataVersion = long.MinValue; // the first report then counts as a commit: a needless look at worst
        }

        _walWatcher = SqliteWalWatcher.TryStart(writer.DataSource, OnWalReport, out var reason);
        if (_walWatcher is not null)
        {
            // Created here, under the write lock DisposeAsync takes to dispose it: never after the store's disposal.
            _resumeTimer = CreateResumeTimer();
        }
        else if (_logger is not null)
        {
            Log.WalWatchUnavailable(_logger, writer.DataSource is { Length: > 0 } file ? file : DataSource, reason ?? "unknown");
        }
    }
}
