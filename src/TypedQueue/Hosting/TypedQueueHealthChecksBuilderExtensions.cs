using Microsoft.Extensions.Diagnostics.HealthChecks;
using TypedQueue;
using TypedQueue.Diagnostics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TypedQueue health check.</summary>
public static class TypedQueueHealthChecksBuilderExtensions
{
    /// <summary>The default registration name.</summary>
    public const string DefaultName = "typedqueue";

    /// <summary>
    /// Adds a check of the TypedQueue set up by <c>AddTypedQueue</c>: the database is reachable and writable, this
    /// process's worker is alive, ready tasks do not wait too long, and no expired lease stays unrescued.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Thresholds; see <see cref="TypedQueueHealthCheckOptions"/>.</param>
    /// <param name="name">The check's name in reports.</param>
    /// <param name="failureStatus">What a failing database or worker reports (default Unhealthy); delays report Degraded.</param>
    /// <param name="tags">Tags to filter checks by, e.g. "ready".</param>
    public static IHealthChecksBuilder AddTypedQueue(
        this IHealthChecksBuilder builder,
        Action<TypedQueueHealthCheckOptions>? configure = null,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new TypedQueueHealthCheckOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxReadyTaskAge, TimeSpan.Zero, nameof(configure));
        if (options.WorkerStallThreshold is { } stall)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stall, TimeSpan.Zero, nameof(configure));
        }

        if (options.ExpiredLeaseGrace is { } grace)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero, nameof(configure));
        }

        // A factory rather than a type to activate: no reflection, and the check is as cheap to create as a closure.
        return builder.Add(new HealthCheckRegistration(name, services => new TypedQueueHealthCheck(services, options), failureStatus, tags));
    }
}
