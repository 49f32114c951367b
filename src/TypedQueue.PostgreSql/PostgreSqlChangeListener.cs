using System.Collections.Concurrent;
using Npgsql;

namespace TypedQueue.PostgreSql;

/// <summary>
/// LISTENs on the store's channel on one dedicated connection. Every insert (and requeue) NOTIFYs the channel in its own
/// transaction, so a notification arrives only once the rows are committed: it wakes the worker at once
/// (<c>onWrite</c>) and marks "something changed" for <see cref="HasWritesAsync"/>. When the connection is lost the
/// listener reconnects, and meanwhile every check answers true, so the worker falls back to polling.
/// </summary>
internal sealed class PostgreSqlChangeListener : IAsyncDisposable
{
    private const string PingPrefix = "ping:";
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly Action? _onWrite;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pings = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startGate = new();
    private Task? _loop;
    private volatile bool _listening;
    private int _changed;

    public PostgreSqlChangeListener(NpgsqlDataSource dataSource, string channel, Action? onWrite, TimeProvider timeProvider)
    {
        _dataSource = dataSource;
        _channel = channel;
        _onWrite = onWrite;
        _timeProvider = timeProvider;
    }

    /// <summary>Starts listening (once); returns when the first LISTEN is in place or failed.</summary>
    public Task StartAsync()
    {
        lock (_startGate)
        {
            _loop ??= Task.Run(ListenLoopAsync);
        }

        return _firstConnect.Task;
    }

    /// <summary>
    /// Whether a notification arrived since the last call. To be exact rather than racy, it NOTIFYs a ping of its own and
    /// waits for it: PostgreSQL delivers notifications in commit order, so every write committed before the ping has been
    /// seen once the ping comes back. Errs on the side of true (not listening, ping lost).
    /// </summary>
    public async Task<bool> HasWritesAsync(CancellationToken cancellationToken)
    {
        await StartAsync().ConfigureAwait(false);
        if (!_listening)
        {
            return true;
        }

        var token = Guid.NewGuid().ToString("N");
        var echo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[token] = echo;
        try
        {
            await using (var command = _dataSource.CreateCommand("SELECT pg_notify($1, $2)"))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PingPrefix + token });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await echo.Task.WaitAsync(PingTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return true; // the claim that follows reports a real problem.
        }
        finally
        {
            _pings.TryRemove(token, out _);
        }

        return Interlocked.Exchange(ref _changed, 0) == 1;
    }

    private async Task ListenLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                // Whatever was committed while nobody listened is unknown: count it as a change.
                Interlocked.Exchange(ref _changed, 1);
                _listening = true;
                _firstConnect.TrySetResult();
                _onWrite?.Invoke();
                while (!stopping.IsCancellationRequested)
                {
                    await connection.WaitAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or InvalidOperationException or TimeoutException)
            {
                // Lost (or never had) the connection: poll until it is back.
                _listening = false;
                Interlocked.Exchange(ref _changed, 1);
                _firstConnect.TrySetResult();
                _onWrite?.Invoke();
            }

            try
            {
                await Task.Delay(ReconnectDelay, _timeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _listening = false;
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Payload.StartsWith(PingPrefix, StringComparison.Ordinal))
        {
            if (_pings.TryGetValue(e.Payload[PingPrefix.Length..], out var echo))
            {
                echo.TrySetResult();
            }

            return; // another process's ping, or ours: not a write.
        }

        Interlocked.Exchange(ref _changed, 1);
        _onWrite?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
    }
}
