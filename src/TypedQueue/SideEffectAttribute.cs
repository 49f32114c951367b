namespace TypedQueue;

/// <summary>
/// Marks one of your own methods as performing an externally visible, non-repeatable side effect (charging a card,
/// sending a message). The TQ0010 analyzer then warns when a handler that may run more than once calls it without
/// the task's id or idempotency key; see docs/rules/TQ0010.md.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SideEffectAttribute : Attribute
{
}
