namespace TypedQueue.Generators.Model;

/// <summary>One valid <c>[QueueTask]</c> handler, everything the emitter needs and nothing from Roslyn.</summary>
internal sealed record HandlerSpec(
    string MethodName,
    string WireName,
    string Queue,
    int Priority,
    int MaxAttempts,
    long TimeoutMilliseconds,
    long UniqueForMilliseconds,
    bool UniqueByPayload,
    string? Cron,
    string? CronTimeZone,
    int RateLimit,
    long RateLimitPeriodMilliseconds,
    string HandlerTypeName,
    bool IsStatic,
    string PayloadTypeName,
    bool PayloadIsPublic,
    string? ResultTypeName,
    HandlerReturnKind ReturnKind,
    EquatableArray<HandlerArgument> Arguments,
    EquatableArray<ServiceArgumentSpec> ConstructorArguments,
    HandlerDisposeKind DisposeKind,
    EquatableArray<JsonTypeSpec> JsonTypes);

/// <summary>What the handler method returns.</summary>
internal enum HandlerReturnKind
{
    Void,
    Task,
    ValueTask,
    TaskOfResult,
    ValueTaskOfResult,
    Result,
}

/// <summary>One parameter of the handler method, in declaration order.</summary>
internal enum HandlerArgument
{
    Payload,
    CancellationToken,
    Context,
}

/// <summary>How a handler the generated code constructed itself is disposed.</summary>
internal enum HandlerDisposeKind
{
    None,
    Dispose,
    DisposeAsync,
}

/// <summary>A constructor parameter of an instance handler, resolved from the service provider.</summary>
/// <param name="TypeName">The global-qualified parameter type.</param>
/// <param name="IsOptional">Resolved with GetService (null allowed) instead of GetRequiredService.</param>
/// <param name="IsValueType">Whether the parameter type is a value type.</param>
/// <param name="DefaultValueExpression">C# for the declared default value, or null when there is none.</param>
internal sealed record ServiceArgumentSpec(string TypeName, bool IsOptional, bool IsValueType, string? DefaultValueExpression);
