using System.Diagnostics;

namespace TypedQueue.Benchmarks;

/// <summary>The small record payload every drain-style scenario enqueues.</summary>
public sealed record NoopPayload(int Index, string Tag);

/// <summary>A payload that carries its enqueue instant as a <see cref="Stopwatch"/> timestamp (CLOCK_MONOTONIC, shared by all processes of the machine).</summary>
public sealed record TimedPayload(int Index, long EnqueuedTimestamp);

/// <summary>The benchmark's handlers: they do nothing but tell <see cref="HandlerSink"/> that they ran.</summary>
public static class BenchmarkTasks
{
    /// <summary>A no-op task.</summary>
    [QueueTask]
    public static void Noop(NoopPayload payload) => HandlerSink.Handled();

    /// <summary>A no-op task that records enqueue → handler-start latency.</summary>
    [QueueTask]
    public static void Timed(TimedPayload payload) => HandlerSink.HandledAt(payload.Index, payload.EnqueuedTimestamp);
}

/// <summary>
/// Where handlers report. One scenario runs at a time in a process, so the sink is static; <see cref="Reset"/> arms it
/// for the next run and <see cref="AllHandled"/> completes when the expected number of handlers has started.
/// </summary>
public static class HandlerSink
{
    private static int _handled;
    private static int _expected;
    private static long[] _latencyTicks = [];
    private static TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <c>expected</c> handlers have run since the last <see cref="Reset"/>.</summary>
    public static Task AllHandled => Volatile.Read(ref _all).Task;

    /// <summary>How many handlers ran since the last <see cref="Reset"/>.</summary>
    public static int Count => Volatile.Read(ref _handled);

    /// <summary>Arms the sink for <paramref name="expected"/> handler runs.</summary>
    public static void Reset(int expected, bool recordLatency = false)
    {
        _latencyTicks = recordLatency ? new long[expected] : [];
        Volatile.Write(ref _handled, 0);
        Volatile.Write(ref _expected, expected);
        Volatile.Write(ref _all, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Latencies recorded since the last <see cref="Reset"/>, in Stopwatch ticks, indexed by payload index.</summary>
    public static long[] LatencyTicks => _latencyTicks;

    /// <summary>Counts one handler run.</summary>
    public static void Handled()
    {
        if (Interlocked.Increment(ref _handled) == Volatile.Read(ref _expected))
        {
            Volatile.Read(ref _all).TrySetResult();
        }
    }

    /// <summary>Counts one handler run and records its latency from the payload's enqueue timestamp.</summary>
    public static void HandledAt(int index, long enqueuedTimestamp)
    {
        var latency = Stopwatch.GetTimestamp() - enqueuedTimestamp;
        if (index < 0)
        {
            return; // a warm-up task: not part of the measured run.
        }

        var ticks = _latencyTicks;
        if ((uint)index < (uint)ticks.Length)
        {
            ticks[index] = latency;
        }

        Handled();
    }
}
