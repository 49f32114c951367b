namespace TypedQueue.Tests.Diagnostics;

/// <summary>
/// Tests that listen to the process-wide "TypedQueue" ActivitySource, or assert that nobody does, run alone: a listener
/// of one test would otherwise see (and create) the spans of tests running beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
