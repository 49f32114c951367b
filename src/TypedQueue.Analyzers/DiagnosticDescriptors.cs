using Microsoft.CodeAnalysis;

namespace TypedQueue.Analyzers;

/// <summary>Every diagnostic TypedQueue reports, with IDs that never change once shipped.</summary>
/// <remarks>
/// TQ0001–TQ0007 cover the handler contract; later rule sets (idempotency) take the next free IDs and may add a
/// category. An ID is fixed once it appears in AnalyzerReleases.Unshipped.md and is never reused, even when retired.
/// </remarks>
internal static class DiagnosticDescriptors
{
    /// <summary>Category of rules a handler must satisfy for the generator to wire it up.</summary>
    public const string UsageCategory = "Usage";

    /// <summary>Category of rules about handler code that runs but behaves badly on a worker.</summary>
    public const string ReliabilityCategory = "Reliability";

    /// <summary>Builds the documentation link from the ID so the two can never drift apart.</summary>
    public static string HelpLink(string id) => $"https://github.com/typedqueue/typedqueue/blob/main/docs/rules/{id}.md";

    /// <summary>TQ0001: the payload type cannot round-trip through the generated JSON metadata.</summary>
    public static readonly DiagnosticDescriptor UnsupportedPayloadType = Create(
        "TQ0001",
        "Unsupported task payload type",
        "Payload type '{0}' cannot be stored as a task: {1}",
        UsageCategory,
        DiagnosticSeverity.Error,
        "A task payload is serialized to JSON when it is enqueued and deserialized on a worker. Delegates, streams, pointers, ref structs, interfaces, abstract types, object, dynamic, open generic types and types without a public constructor cannot round-trip, and neither can any type reached through their properties, collection elements or dictionary values. Dictionary keys must be strings.");

    /// <summary>TQ0002: parameters, type parameters, accessibility or return type break the handler contract.</summary>
    public static readonly DiagnosticDescriptor InvalidHandlerSignature = Create(
        "TQ0002",
        "Invalid task handler signature",
        "Task handler '{0}' {1}",
        UsageCategory,
        DiagnosticSeverity.Error,
        "A task handler is a public or internal, non-abstract member method (not a local function or lambda) that takes exactly one payload parameter plus, optionally, one CancellationToken and one TaskContext in any order; it has no ref, out, in or params parameters, no type parameters, and returns Task, ValueTask, void, Task<T>, ValueTask<T> or a serializable T.");

    /// <summary>TQ0003: an <c>async void</c> handler, which the worker cannot await.</summary>
    public static readonly DiagnosticDescriptor AsyncVoidHandler = Create(
        "TQ0003",
        "Task handler is async void",
        "Task handler '{0}' is async void; return Task so the worker can observe completion and failure",
        UsageCategory,
        DiagnosticSeverity.Error,
        "The worker cannot await an async void method: it would mark the task completed at the first await and an exception would crash the process instead of triggering a retry.");

    /// <summary>TQ0004: the containing type cannot be named or constructed by generated code.</summary>
    public static readonly DiagnosticDescriptor InvalidHandlerContainingType = Create(
        "TQ0004",
        "Task handler is declared on a type the generator cannot instantiate",
        "Task handler '{0}' cannot be invoked: {1}",
        UsageCategory,
        DiagnosticSeverity.Error,
        "A handler's containing type must be accessible to generated code and not generic or nested in a generic type. An instance handler must also be on a non-abstract class whose constructor used for dependency injection (the [ActivatorUtilitiesConstructor] one, else the accessible one with most parameters) is public or internal and takes its services by value.");

    /// <summary>TQ0005: two handlers share a wire name or a method name (reported at compilation end).</summary>
    public static readonly DiagnosticDescriptor DuplicateTaskName = Create(
        "TQ0005",
        "Duplicate task name",
        "{0}",
        UsageCategory,
        DiagnosticSeverity.Error,
        "Each handler needs a unique wire name (QueueTask.Name, or the method name when Name is not set) so a stored task maps to exactly one handler, and a unique method name so the generated accessor Tasks.<MethodName> does not collide.",
        WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>TQ0006: a <c>[QueueTask]</c> argument value the runtime rejects.</summary>
    public static readonly DiagnosticDescriptor InvalidAttributeValue = Create(
        "TQ0006",
        "Invalid QueueTask attribute value",
        "QueueTask.{0} {1}",
        UsageCategory,
        DiagnosticSeverity.Error,
        "MaxAttempts must be at least 1, Priority must lie within [TaskPriority.Min, TaskPriority.Max], TimeoutSeconds must be 0 or a positive number of seconds up to 7 days, Name and Queue must be non-empty, not only whitespace and free of control characters, Cron must be a valid cron expression (5 fields, 6 with seconds first, or a macro such as @daily) on a handler whose payload is ScheduledOccurrence, CronTimeZone needs Cron, RateLimit must be at least 1, and RateLimitPeriodSeconds must be between 0.001 seconds and 7 days and needs RateLimit.");

    /// <summary>TQ0007: a blocking wait inside a handler body.</summary>
    public static readonly DiagnosticDescriptor BlockingWaitInHandler = Create(
        "TQ0007",
        "Blocking wait inside a task handler",
        "'{0}' blocks a worker thread inside task handler '{1}'; use {2} instead",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "Handlers run on a bounded set of worker slots. Blocking on a Task or ValueTask (.Result, .Wait(), .GetAwaiter().GetResult()) or with Thread.Sleep holds a slot and a thread-pool thread, ignores cancellation and can deadlock; await instead.");

    /// <summary>TQ0010: a handler that may run more than once performs a non-repeatable side effect.</summary>
    public static readonly DiagnosticDescriptor NonIdempotentSideEffect = Create(
        "TQ0010",
        "Task handler performs a non-repeatable side effect",
        "Task handler '{0}' {1} but may run more than once; key the effect by TaskContext.Id or TaskContext.IdempotencyKey, or declare the handler [Idempotent]",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "Tasks run at least once: a failed attempt is retried and a task whose worker died is rescued and run again, so everything before the failure happens twice. An HTTP POST or PATCH, an e-mail, an append to a file, an increment of static state, a SQL INSERT or an enqueue without an idempotency key repeats on every attempt. Pass TaskContext.Id or TaskContext.IdempotencyKey to the other side so it can drop duplicates, or declare the handler idempotent with [Idempotent] or typedqueue.idempotent_handlers in .editorconfig.");

    /// <summary>TQ0011: a value that differs on every attempt flows into a key, a file name or a row.</summary>
    public static readonly DiagnosticDescriptor AttemptVaryingValue = Create(
        "TQ0011",
        "Value that changes on every attempt used as a key, file name or row",
        "'{0}' changes on every attempt of task handler '{1}' but is used in {2}; a retry would produce a different one, derive it from the payload or TaskContext.Id",
        ReliabilityCategory,
        DiagnosticSeverity.Warning,
        "A retried or rescued attempt recomputes Guid.NewGuid(), DateTime.Now, TimeProvider.GetUtcNow(), Random and similar values, so a file path, an idempotency key or an inserted row built from them differs on every attempt: duplicates instead of an overwrite, a key that never matches. Build such values from the payload or TaskContext.Id, which stay the same across attempts.");

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        string category,
        DiagnosticSeverity severity,
        string description,
        params string[] customTags) =>
        new(id, title, messageFormat, category, severity, isEnabledByDefault: true, description, HelpLink(id), customTags);
}
