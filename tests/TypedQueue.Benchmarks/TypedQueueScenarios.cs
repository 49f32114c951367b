using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace TypedQueue.Benchmarks;

/// <summary>The TypedQueue scenarios of issue 7, through the public API only.</summary>
internal static class TypedQueueScenarios
{
    private const string Tag = "bench";

    /// <summary><c>enqueue-sequential</c>: one caller, each <c>EnqueueAsync</c> awaited before the next.</summary>
    public static async Task<List<ScenarioResult>> EnqueueSequentialAsync(int n)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: false);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await Metrics.WarmUpAsync(async () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                await queue.EnqueueAsync(Tasks.Noop.Definition, new NoopPayload(-1, Tag));
            }
        });

        var latencies = new long[n];
        await Metrics.SettleJitAsync();
        AllocationSampler.Current?.Begin();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await queue.EnqueueAsync(Tasks.Noop.Definition, new NoopPayload(i, Tag));
            latencies[i] = Stopwatch.GetTimestamp() - t0;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        AllocationSampler.Current?.End();
        var (p50, p99) = Metrics.Percentiles(latencies);

        // The share of the allocations that is the payload's JSON (public SerializePayload), the rest is the queue and ADO.NET.
        var serialized = Metrics.AllocatedBytes();
        for (var i = 0; i < n; i++)
        {
            _ = Tasks.Noop.Definition.SerializePayload(new NoopPayload(i, Tag));
        }

        serialized = Metrics.AllocatedBytes() - serialized;
        return [new ScenarioResult
        {
            Scenario = "diag:serialize-payload", N = n, AllocatedBytesPerOp = (double)serialized / n, IsDiagnostic = true,
            Note = "new NoopPayload + Definition.SerializePayload alone: the payload's share of enqueue-sequential's alloc/op",
        },
        new ScenarioResult
        {
            Scenario = "enqueue-sequential", N = n, Concurrency = 1, OpsPerSec = n / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = (double)allocated / n,
            Note = "1 caller, awaited EnqueueAsync; latency per call",
        }];
    }

    /// <summary><c>enqueue-concurrent</c>: 16 callers, each awaiting its own <c>EnqueueAsync</c> calls.</summary>
    public static async Task<List<ScenarioResult>> EnqueueConcurrentAsync(int n, int callers)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: false);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await Metrics.WarmUpAsync(() => RunCallersAsync(queue, callers, 1_000, new long[1_000], -1));

        var latencies = new long[n];
        await Metrics.SettleJitAsync();
        AllocationSampler.Current?.Begin();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        await RunCallersAsync(queue, callers, n, latencies, 0);
        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        AllocationSampler.Current?.End();
        var (p50, p99) = Metrics.Percentiles(latencies);
        return [new ScenarioResult
        {
            Scenario = "enqueue-concurrent", N = n, Concurrency = callers, OpsPerSec = n / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = (double)allocated / n,
            Note = $"{callers} callers, awaited EnqueueAsync each; latency per call",
        }];
    }

    /// <summary><c>enqueue-batch</c>: <c>EnqueueManyAsync</c> in batches of <paramref name="batch"/>.</summary>
    public static async Task<List<ScenarioResult>> EnqueueBatchAsync(int n, int batch)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: false);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await Metrics.WarmUpAsync(async () => await queue.EnqueueManyAsync(Tasks.Noop.Definition, Payloads(-1, batch)));

        var batches = n / batch;
        var latencies = new long[batches];
        await Metrics.SettleJitAsync();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        for (var b = 0; b < batches; b++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await queue.EnqueueManyAsync(Tasks.Noop.Definition, Payloads(b * batch, batch));
            latencies[b] = Stopwatch.GetTimestamp() - t0;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        var (p50, p99) = Metrics.Percentiles(latencies);
        return [new ScenarioResult
        {
            Scenario = "enqueue-batch", N = batches * batch, Concurrency = 1, OpsPerSec = batches * batch / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = (double)allocated / (batches * batch),
            Note = $"EnqueueManyAsync, {batch} tasks per call; latency per call (batch)",
        }];
    }

    /// <summary>
    /// <c>drain</c>: N no-op tasks queued before the worker starts, then processed to completion (every handler ran and
    /// every outcome is written: <c>WaitUntilDrainedAsync</c> returns).
    /// </summary>
    public static async Task<List<ScenarioResult>> DrainAsync(int n, int concurrency, string scenario = "drain", bool diagnostic = false)
    {
        await Metrics.WarmUpAsync(() => DrainOnceAsync(Math.Min(n, 2_000), concurrency)); // JIT and tiering, each round on a database of its own
        var (elapsed, allocated) = await DrainOnceAsync(n, concurrency);
        return [new ScenarioResult
        {
            Scenario = scenario, N = n, Concurrency = concurrency, OpsPerSec = n / elapsed.TotalSeconds,
            AllocatedBytesPerOp = (double)allocated / n, IsDiagnostic = diagnostic,
            Note = $"{n:N0} queued, then 1 worker with {concurrency} slots until drained",
        }];
    }

    private static async Task<(TimeSpan Elapsed, long Allocated)> DrainOnceAsync(int n, int concurrency)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: true, concurrency);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        for (var i = 0; i < n; i += 1_000)
        {
            await queue.EnqueueManyAsync(Tasks.Noop.Definition, Payloads(i, Math.Min(1_000, n - i)));
        }

        HandlerSink.Reset(n);
        await Metrics.SettleJitAsync();
        AllocationSampler.Current?.Begin();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync();
        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(2));
        await queue.WaitUntilDrainedAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        AllocationSampler.Current?.End();
        await host.StopAsync();
        return (elapsed, allocated);
    }

    /// <summary>
    /// <c>end-to-end</c>: the worker runs while 16 callers enqueue single tasks; from the first enqueue until the last
    /// outcome is written. Latency is enqueue → handler start under that full load.
    /// </summary>
    public static async Task<List<ScenarioResult>> EndToEndAsync(int n, int callers, int concurrency)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: true, concurrency);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await host.StartAsync();

        await Metrics.WarmUpAsync(async () =>
        {
            HandlerSink.Reset(2_000, recordLatency: true);
            await ProduceTimedAsync(queue, callers, 2_000);
            await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(1));
            await queue.WaitUntilDrainedAsync();
        });

        HandlerSink.Reset(n, recordLatency: true);
        await Metrics.SettleJitAsync();
        AllocationSampler.Current?.Begin();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        await ProduceTimedAsync(queue, callers, n);
        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(2));
        await queue.WaitUntilDrainedAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        AllocationSampler.Current?.End();
        await host.StopAsync();
        var (p50, p99) = Metrics.Percentiles(HandlerSink.LatencyTicks);
        return [new ScenarioResult
        {
            Scenario = "end-to-end", N = n, Concurrency = concurrency, OpsPerSec = n / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = (double)allocated / n,
            Note = $"{callers} callers enqueue singles while 1 worker ({concurrency} slots) runs; latency enqueue->handler under load",
        }];
    }

    /// <summary><c>latency-inprocess</c>: enqueue at a steady rate into the worker's own process; enqueue → handler start.</summary>
    public static async Task<List<ScenarioResult>> LatencyInProcessAsync(int n, int ratePerSecond, int concurrency)
    {
        using var scratch = new ScratchDirectory();
        using var host = BenchmarkHost.Build(scratch.Database(), runWorker: true, concurrency);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await host.StartAsync();

        HandlerSink.Reset(n, recordLatency: true);
        await SteadyEnqueuer.RunAsync(queue, 1_000, ratePerSecond, warmUp: true);
        await queue.WaitUntilDrainedAsync();

        await Metrics.SettleJitAsync();
        var allocated = Metrics.AllocatedBytes();
        var started = Stopwatch.GetTimestamp();
        var calls = await SteadyEnqueuer.RunAsync(queue, n, ratePerSecond, warmUp: false);
        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(1));
        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = Metrics.AllocatedBytes() - allocated;
        await queue.WaitUntilDrainedAsync();
        await host.StopAsync();
        var (p50, p99) = Metrics.Percentiles(HandlerSink.LatencyTicks);
        var (callP50, callP99) = Metrics.Percentiles(calls);
        return [new ScenarioResult
        {
            Scenario = "diag:inprocess-enqueue-call", N = n, Concurrency = 1, P50Ms = callP50, P99Ms = callP99, IsDiagnostic = true,
            Note = "latency-inprocess: the EnqueueAsync call alone (part of the enqueue->handler figure)",
        },
        new ScenarioResult
        {
            Scenario = "latency-inprocess", N = n, Concurrency = concurrency, OpsPerSec = n / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99, AllocatedBytesPerOp = (double)allocated / n,
            Note = $"steady {ratePerSecond:N0}/s in the worker's process; enqueue call -> handler start",
        }];
    }

    /// <summary>
    /// <c>latency-crossprocess</c>: a child process enqueues at a steady rate; this process runs the worker and records
    /// handler start against the child's Stopwatch timestamp (CLOCK_MONOTONIC is shared by the machine's processes).
    /// </summary>
    public static async Task<List<ScenarioResult>> LatencyCrossProcessAsync(int n, int ratePerSecond, int concurrency, TimeSpan pollInterval)
    {
        using var scratch = new ScratchDirectory();
        var database = scratch.Database();
        using var host = BenchmarkHost.Build(database, runWorker: true, concurrency, pollInterval);
        await BenchmarkHost.ReadyQueueAsync(host);
        await host.StartAsync();

        HandlerSink.Reset(n, recordLatency: true);
        await Metrics.SettleJitAsync();
        var started = Stopwatch.GetTimestamp();
        var enqueuerResult = Path.Combine(scratch.Path, "enqueuer.json");
        using (var enqueuer = ChildProcess.Start("--child-enqueuer", "--db", database, "--n", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rate", ratePerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture), "--result-file", enqueuerResult))
        {
            await enqueuer.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            if (enqueuer.ExitCode != 0)
            {
                throw new InvalidOperationException($"The enqueuer process exited with {enqueuer.ExitCode}.");
            }
        }

        await HandlerSink.AllHandled.WaitAsync(TimeSpan.FromMinutes(1));
        var elapsed = Stopwatch.GetElapsedTime(started);
        await host.StopAsync();
        var (p50, p99) = Metrics.Percentiles(HandlerSink.LatencyTicks);
        var enqueuerRows = System.Text.Json.JsonSerializer.Deserialize(await File.ReadAllTextAsync(enqueuerResult), BenchmarkJsonContext.Default.ListScenarioResult) ?? [];
        return [.. enqueuerRows, new ScenarioResult
        {
            Scenario = "latency-crossprocess", N = n, Concurrency = concurrency, OpsPerSec = n / elapsed.TotalSeconds,
            P50Ms = p50, P99Ms = p99,
            Note = $"child process enqueues {ratePerSecond:N0}/s; worker PollInterval {pollInterval.TotalMilliseconds:0} ms; ops/s includes child start",
        }];
    }

    /// <summary>The child side of <c>latency-crossprocess</c>: an enqueue-only host that paces itself.</summary>
    public static async Task<int> RunChildEnqueuerAsync(string database, int n, int ratePerSecond, string resultFile)
    {
        using var host = BenchmarkHost.Build(database, runWorker: false);
        var queue = await BenchmarkHost.ReadyQueueAsync(host);
        await SteadyEnqueuer.RunAsync(queue, 500, ratePerSecond, warmUp: true);
        var callLatencies = await SteadyEnqueuer.RunAsync(queue, n, ratePerSecond, warmUp: false);
        var (p50, p99) = Metrics.Percentiles(callLatencies);
        List<ScenarioResult> rows =
        [
            new ScenarioResult
            {
                Scenario = "diag:crossprocess-enqueue-call", N = n, Concurrency = 1, P50Ms = p50, P99Ms = p99, PeakRssMb = Metrics.PeakRssMb(), IsDiagnostic = true,
                Note = "the enqueuing child's EnqueueAsync call time while the worker process writes the same file",
            },
        ];
        await File.WriteAllTextAsync(resultFile, System.Text.Json.JsonSerializer.Serialize(rows, BenchmarkJsonContext.Default.ListScenarioResult));
        return 0;
    }

    private static async Task ProduceTimedAsync(ITaskQueue queue, int callers, int n)
    {
        var next = -1;
        var workers = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            workers[c] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < n)
                {
                    await queue.EnqueueAsync(Tasks.Timed.Definition, new TimedPayload(i, Stopwatch.GetTimestamp()));
                }
            });
        }

        await Task.WhenAll(workers);
    }

    private static async Task RunCallersAsync(ITaskQueue queue, int callers, int n, long[] latencies, int indexBase)
    {
        var next = -1;
        var workers = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            workers[c] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < n)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await queue.EnqueueAsync(Tasks.Noop.Definition, new NoopPayload(indexBase + i, Tag));
                    latencies[i] = Stopwatch.GetTimestamp() - t0;
                }
            });
        }

        await Task.WhenAll(workers);
    }

    private static NoopPayload[] Payloads(int first, int count)
    {
        var payloads = new NoopPayload[count];
        for (var i = 0; i < count; i++)
        {
            payloads[i] = new NoopPayload(first < 0 ? -1 : first + i, Tag);
        }

        return payloads;
    }
}

/// <summary>Enqueues timed tasks on an open-loop schedule: task i is due at start + i / rate, late ones go at once.</summary>
internal static class SteadyEnqueuer
{
    /// <summary>Returns each EnqueueAsync call's duration in Stopwatch ticks.</summary>
    public static async Task<long[]> RunAsync(ITaskQueue queue, int n, int ratePerSecond, bool warmUp)
    {
        var calls = new long[n];
        var interval = (double)Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            var due = start + (long)(i * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                // Sleeping, not spinning: a spinning producer would take one of the two cores from the worker.
                await Task.Delay(1);
            }

            var t0 = Stopwatch.GetTimestamp();
            await queue.EnqueueAsync(Tasks.Timed.Definition, new TimedPayload(warmUp ? -1 : i, t0));
            calls[i] = Stopwatch.GetTimestamp() - t0;
        }

        return calls;
    }
}
