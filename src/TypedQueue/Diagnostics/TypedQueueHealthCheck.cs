using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TypedQueue.Execution;
using TypedQueue.Storage;

namespace TypedQueue.Diagnostics;

/// <summary>
/// The TypedQueue health check. Unhealthy (the registration's failure status): the database cannot be opened, migrated
/// or read, or is read-only; this process's worker stopped, or its loop or heartbeat stalled. Degraded: a ready task has
/// waited longer than <see cref="TypedQueueHealthCheckOptions.MaxReadyTaskAge"/>; running tasks' leases expired and
/// nobody took them back; the worker has not started yet. The data entries say what was measured.
/// </summary>
internal sealed class TypedQueueHealthCheck(IServiceProvider services, TypedQueueHealthCheckOptions checkOptions) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        var status = HealthStatus.Healthy;

        TypedQueueOptions options;
        TimeProvider time;
        StoreHealth health;
        try
        {
            options = services.GetRequiredService<IOptions<TypedQueueOptions>>().Value;
            time = services.GetRequiredService<TimeProvider>();
            var store = services.GetRequiredService<ITaskStore>();
            data["database"] = store.ToString() ?? store.GetType().Name;

            // The same once-per-process schema check as enqueues: a host that has not enqueued yet is not unhealthy for it.
            if (services.GetRequiredService<ITaskQueue>() is TaskQueue queue)
            {
                await queue.EnsureMigratedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            var leaseGrace = checkOptions.ExpiredLeaseGrace ?? options.HeartbeatInterval * 2;
            health = await store.GetHealthAsync(now, now - leaseGrace, cancellationToken).ConfigureAwait(false);
            data["readyTasks"] = health.ReadyTasks;
            data["oldestReadyTaskAgeSeconds"] = health.OldestReadySince is { } since ? Seconds(now - since) : 0.0;
            data["expiredLeases"] = health.ExpiredLeases;
            if (!health.IsWritable)
            {
                return new HealthCheckResult(failureStatus, $"The TypedQueue database '{data["database"]}' is read-only: no task can be enqueued or finished.", data: data);
            }

            if (health.OldestReadySince is { } oldest && now - oldest > checkOptions.MaxReadyTaskAge)
            {
                status = HealthStatus.Degraded;
                problems.Add($"{health.ReadyTasks} task(s) are ready to run and the oldest has waited {Format(now - oldest)} (more than {Format(checkOptions.MaxReadyTaskAge)}): workers are not keeping up.");
            }

            if (health.ExpiredLeases > 0)
            {
                status = HealthStatus.Degraded;
                problems.Add($"{health.ExpiredLeases} running task(s) lost their worker (lease expired {Format(now - health.OldestExpiredLease!.Value)} ago) and no worker took them back.");
            }
        }
        catch (Exception ex) when (ex is TaskStoreException or OptionsValidationException)
        {
            return new HealthCheckResult(failureStatus, $"The TypedQueue database cannot be used: {ex.Message}", ex, data);
        }

        if (options.RunWorker)
        {
            CheckWorker(services.GetRequiredService<WorkerStatus>(), options, time.GetUtcNow(), failureStatus, data, problems, ref status);
        }
        else
        {
            data["worker"] = "none (RunWorker is false)";
        }

        return new HealthCheckResult(status, problems.Count == 0 ? "TypedQueue is healthy." : string.Join(" ", problems), data: data);
    }

    private void CheckWorker(WorkerStatus worker, TypedQueueOptions options, DateTimeOffset now, HealthStatus failureStatus, Dictionary<string, object> data, List<string> problems, ref HealthStatus status)
    {
        var stallAfter = checkOptions.WorkerStallThreshold
            ?? TimeSpan.FromTicks(Math.Max(3 * Math.Max(options.PollInterval.Ticks, options.HeartbeatInterval.Ticks), TimeSpan.FromSeconds(30).Ticks));
        if (worker.WorkerId is { } id)
        {
            data["workerId"] = id;
        }

        if (worker.StoppedAt is not null)
        {
            data["worker"] = "stopped";
            problems.Add("The TypedQueue worker of this process has stopped.");
            status = Worst(status, failureStatus);
            return;
        }

        if (worker.StartedAt is null)
        {
            data["worker"] = "starting";
            problems.Add("The TypedQueue worker of this process has not started yet.");
            status = Worst(status, HealthStatus.Degraded);
            return;
        }

        data["worker"] = "running";
        var loopAge = now - worker.LastLoopAt!.Value;
        var heartbeatAge = now - worker.LastHeartbeatAt!.Value;
        data["workerLoopAgeSeconds"] = Seconds(loopAge);
        data["workerHeartbeatAgeSeconds"] = Seconds(heartbeatAge);
        if (loopAge > stallAfter)
        {
            problems.Add($"The TypedQueue worker's loop has not run for {Format(loopAge)} (more than {Format(stallAfter)}).");
            status = Worst(status, failureStatus);
        }

        if (heartbeatAge > stallAfter)
        {
            problems.Add($"The TypedQueue worker has not renewed its leases for {Format(heartbeatAge)} (more than {Format(stallAfter)}): its tasks may be taken back and run twice.");
            status = Worst(status, failureStatus);
        }
    }

    private static HealthStatus Worst(HealthStatus a, HealthStatus b) => a < b ? a : b;

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    private static string Format(TimeSpan span) => span.TotalSeconds < 120
        ? Seconds(span).ToString("0.###", CultureInfo.InvariantCulture) + " s"
        : span.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
}
