namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// Tells an idle worker at once that the database may have changed: every commit in WAL mode appends to the
/// <c>-wal</c> file beside the database, and the file system reports the write (inotify on Linux) to every process
/// watching it, long before the next poll. A report says only "look now": it also comes for this process's own
/// commits, so the worker checks <c>PRAGMA data_version</c> on the writer before it claims. Where the file system
/// reports nothing (network shares, some container mounts) or the watcher cannot start, the poll interval still bounds
/// how long another process's task waits.
/// </summary>
internal sealed class SqliteWalWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Action _onChange;
    private bool _paused;
    private bool _failed;
    private bool _disposed;

    private SqliteWalWatcher(FileSystemWatcher watcher, Action onChange)
    {
        _watcher = watcher;
        _onChange = onChange;
    }

    /// <summary>
    /// Starts watching the WAL file of <paramref name="databasePath"/>, or returns null with the reason when it cannot
    /// (an in-memory or URI database, a platform without file watching, the system's inotify instance limit).
    /// </summary>
    public static SqliteWalWatcher? TryStart(string databasePath, Action onChange, out string? reason)
    {
        reason = null;
        if (databasePath.Length == 0 || databasePath == ":memory:" || databasePath.StartsWith("file:", StringComparison.Ordinal))
        {
            reason = "the database is not a plain file path";
            return null;
        }

        if (OperatingSystem.IsBrowser() || OperatingSystem.IsWasi() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS())
        {
            reason = "this platform does not watch files";
            return null;
        }

        FileSystemWatcher? watcher = null;
        try
        {
            var fullPath = Path.GetFullPath(databasePath);
            // The filter is a pattern ('*' and '?' match anything, '\\' escapes): escaped, it matches this one file only.
            var filter = string.Concat((Path.GetFileName(fullPath) + "-wal").Select(c => c is '*' or '?' or '\\' ? $"\\{c}" : c.ToString()));
            watcher = new FileSystemWatcher(Path.GetDirectoryName(fullPath)!, filter)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
                IncludeSubdirectories = false,
            };
            var watch = new SqliteWalWatcher(watcher, onChange);
            watcher.Changed += watch.OnChanged;
            watcher.Created += watch.OnChanged;
            watcher.Error += watch.OnError;
            watcher.EnableRaisingEvents = true;
            return watch;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            watcher?.Dispose();
            reason = ex.Message;
            return null;
        }
    }

    /// <summary>Whether no reports come: paused, or the watch failed (to start again after a pause, or later).</summary>
    public bool IsPaused => Volatile.Read(ref _paused) || Volatile.Read(ref _failed);

    /// <summary>Whether the watch failed: no report comes until a resumption starts it again.</summary>
    public bool HasFailed => Volatile.Read(ref _failed);

    /// <summary>
    /// Stops or resumes the reports. The store pauses them while its reports are all its own commits (its own transactions
    /// then look for other connections' commits themselves: see SqliteTaskStore.ExternalCommits.cs); resuming reports
    /// once, for whatever was committed while paused. Each pause and resume costs about 0.8 ms (a new inotify instance and
    /// thread), and a resumption can fail (the system's inotify instance limit): then <see cref="HasFailed"/> is true and
    /// the next resumption tries again.
    /// </summary>
    public void Pause(bool paused)
    {
        bool reportNow;
        lock (_watcher)
        {
            // Nothing to do unless the state changes, or a failed watch is to be started again.
            var retry = !paused && _failed;
            if (_disposed || (_paused == paused && !retry))
            {
                return;
            }

            Volatile.Write(ref _paused, paused);
            try
            {
                _watcher.EnableRaisingEvents = false; // a failed watch may still count as started: stop it before starting again
                _watcher.EnableRaisingEvents = !paused;
                Volatile.Write(ref _failed, false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                Volatile.Write(ref _failed, true); // the store's transactions and the poll interval bound the wait until a retry works
            }

            reportNow = !paused && !_failed;
        }

        if (reportNow)
        {
            _onChange();
        }
    }

    public void Dispose()
    {
        // Under the lock Pause takes: a resumption racing the store's disposal must not start a disposed watcher again.
        lock (_watcher)
        {
            _disposed = true;
            Volatile.Write(ref _failed, true);
            _watcher.Dispose();
        }
    }

    /// <summary>The watcher's error event as the file system would raise it, for tests.</summary>
    internal void RaiseErrorForTests(Exception error) => OnError(this, new ErrorEventArgs(error));

    private void OnChanged(object sender, FileSystemEventArgs e) => _onChange();

    // A lost event (the watcher's buffer overflowed) may have been a commit: look now rather than at the next poll. Any
    // other error means the watch itself failed (the system's inotify watch limit, say: starting it again reports that
    // here, not as an exception), and no report comes until it is started again.
    private void OnError(object sender, ErrorEventArgs e)
    {
        if (e.GetException() is not InternalBufferOverflowException)
        {
            lock (_watcher)
            {
                if (!_disposed)
                {
                    Volatile.Write(ref _failed, true);
                }
            }
        }

        _onChange();
    }
}
