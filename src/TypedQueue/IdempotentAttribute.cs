namespace TypedQueue;

/// <summary>
/// Declares that a handler (or every handler of a class) is safe to run more than once for the same task: its side
/// effects are keyed, upserted or otherwise repeatable. Silences the TQ0010 analyzer for it; see docs/rules/TQ0010.md.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class IdempotentAttribute : Attribute
{
}
