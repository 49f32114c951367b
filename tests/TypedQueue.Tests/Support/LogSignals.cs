using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TypedQueue.Tests.Support;

/// <summary>A logger provider that lets a test await a log event by id: the library's own observable signal.</summary>
public sealed class LogSignals : ILoggerProvider
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _seen = new();

    public Task WaitForEventAsync(int eventId) =>
        Source(eventId).Task.WaitAsync(TimeSpan.FromSeconds(60));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <summary>
    /// A faulty sink for a test: when this returns true for an event id, logging that event throws (after the event is
    /// signalled), as a provider that cannot write would; Microsoft.Extensions.Logging passes the failure to the caller.
    /// </summary>
    public Func<int, bool>? ThrowOn { get; set; }

    public void Dispose()
    {
    }

    private TaskCompletionSource Source(int eventId) =>
        _seen.GetOrAdd(eventId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Logger(LogSignals owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Source(eventId.Id).TrySetResult();
            if (owner.ThrowOn?.Invoke(eventId.Id) == true)
            {
                throw new InvalidOperationException($"The log sink failed on event {eventId.Id}.");
            }
        }
    }
}
