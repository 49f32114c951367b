using Microsoft.CodeAnalysis;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>A non-repeatable effect found in a handler: where, what (a verb phrase for the message), and fix hints.</summary>
/// <param name="syntax">The call, creation or assignment that performs the effect.</param>
/// <param name="description">Completes "Task handler 'X' …", for example "sends an HTTP POST".</param>
/// <param name="enqueuedTaskName">For an enqueue the code fix can key: a stable name for the enqueued task; else null.</param>
internal readonly struct SideEffect(SyntaxNode syntax, string description, string? enqueuedTaskName = null)
{
    public SyntaxNode Syntax { get; } = syntax;

    public string Description { get; } = description;

    public string? EnqueuedTaskName { get; } = enqueuedTaskName;
}
