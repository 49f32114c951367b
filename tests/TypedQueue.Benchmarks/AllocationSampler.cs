using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace TypedQueue.Benchmarks;

/// <summary>
/// <c>--alloc-types</c> (drain, end-to-end and the enqueue scenarios): the runtime's allocation sampling (one GC
/// AllocationTick event per ~100 KB allocated, naming the type that crossed the mark) summed by type, so a scenario's
/// alloc/op can be split into what allocates it; with the process CPU, thread-pool work items, GCs and JIT compilations
/// (tiering still at work: the largest methods compiled) of the same part.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private const int MethodLoadVerboseEventId = 143;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private readonly ConcurrentQueue<(long Size, string Method)> _compiled = new();
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    // At Begin, the counters' values; after End, what the measured part added.
    private TimeSpan _cpu;
    private long _workItems;
    private int _gen0;
    private TimeSpan _gcPause;
    private long _jitted;
    private TimeSpan _jitTime;

    /// <summary>The sampler of this process, when <c>--alloc-types</c> asked for one.</summary>
    public static AllocationSampler? Current { get; set; }

    /// <summary>Starts summing afresh: a scenario calls it where its measured part starts, so the last call wins.</summary>
    public void Begin()
    {
        _bytesByType.Clear();
        _compiled.Clear();
        _workItems = ThreadPool.CompletedWorkItemCount;
        _gen0 = GC.CollectionCount(0);
        _gcPause = GC.GetTotalPauseDuration();
        _jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        _jitTime = System.Runtime.JitInfo.GetCompilationTime();
        _cpu = Environment.CpuUsage.TotalTime;
        _recording = true;
    }

    /// <summary>Stops summing at the end of the measured part.</summary>
    public void End()
    {
        _recording = false;
        _workItems = ThreadPool.CompletedWorkItemCount - _workItems;
        _gen0 = GC.CollectionCount(0) - _gen0;
        _gcPause = GC.GetTotalPauseDuration() - _gcPause;
        _cpu = Environment.CpuUsage.TotalTime - _cpu;
        _jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - _jitted;
        _jitTime = System.Runtime.JitInfo.GetCompilationTime() - _jitTime;
    }

    /// <summary>The top types by sampled bytes, as table lines.</summary>
    public string Report(long operations, int top = 30)
    {
        var total = _bytesByType.Values.Sum();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"process CPU {_cpu.TotalMicroseconds / operations:N1} us/op (user + system, all threads)");
        text.AppendLine(CultureInfo.InvariantCulture, $"thread-pool work items {(double)_workItems / operations:N2}/op, gen0 GCs {_gen0}, GC pauses {_gcPause.TotalMilliseconds:N0} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"methods compiled {_jitted:N0} (tiering), JIT time {_jitTime.TotalMilliseconds:N0} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"sampled allocations: {total:N0} B, {(double)total / operations:N0} B/op");
        foreach (var (size, method) in _compiled.OrderByDescending(static m => m.Size).Take(10))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  compiled {size,6:N0} B of code  {method}");
        }

        foreach (var (type, bytes) in _bytesByType.OrderByDescending(static p => p.Value).Take(top))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{(double)bytes / operations,8:N1} B/op  {100.0 * bytes / total,5:N1} %  {type}");
        }

        return text.ToString();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword | JitKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        if (eventData.EventId == MethodLoadVerboseEventId)
        {
            _compiled.Enqueue((Convert.ToInt64(payload[names.IndexOf("MethodSize")], CultureInfo.InvariantCulture), $"{payload[names.IndexOf("MethodNamespace")]}::{payload[names.IndexOf("MethodName")]}"));
            return;
        }

        if (eventData.EventId != AllocationTickEventId)
        {
            return;
        }

        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(payload[a], CultureInfo.InvariantCulture) : 0;
        var type = names.IndexOf("TypeName") is var t and >= 0 ? payload[t] as string ?? "?" : "?";
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
