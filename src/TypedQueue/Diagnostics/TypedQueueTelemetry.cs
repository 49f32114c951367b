namespace TypedQueue;

/// <summary>
/// The names under which TypedQueue publishes traces and metrics through <see cref="System.Diagnostics.ActivitySource"/>
/// and <see cref="System.Diagnostics.Metrics.Meter"/>: pass them to OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c>.
/// </summary>
public static class TypedQueueTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: spans "publish {task}" (producer) and "process {task}" (consumer).</summary>
    public const string ActivitySourceName = "TypedQueue";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name: task counters, run-time and queue-wait histograms, queue depth.</summary>
    public const string MeterName = "TypedQueue";
}
