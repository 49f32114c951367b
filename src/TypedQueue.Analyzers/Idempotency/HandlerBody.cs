using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>
/// One pass over a handler's operation blocks (lambdas and local functions included): every operation, what each local
/// is assigned, and whether the handler uses its task's stable identity.
/// </summary>
internal sealed class HandlerBody
{
    private readonly Dictionary<ILocalSymbol, List<IOperation>> _localValues = new(SymbolEqualityComparer.Default);

    public HandlerBody(ImmutableArray<IOperation> blocks, IdempotencyTypes types)
    {
        foreach (var block in blocks)
        {
            foreach (var operation in block.DescendantsAndSelf())
            {
                Operations.Add(operation);
                switch (operation)
                {
                    case IVariableDeclaratorOperation { Initializer: { } initializer } declarator:
                        AddLocalValue(declarator.Symbol, initializer.Value);
                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment:
                        AddLocalValue(local.Local, assignment.Value);
                        break;
                    case IPropertyReferenceOperation { Property.Name: "Id" or "IdempotencyKey" } property
                        when IdempotencyTypes.Is(property.Property.ContainingType, types.Symbols.TaskContext)
                            && !IsInsideEnqueueOptions(property, types):
                        UsesTaskIdentity = true;
                        break;
                    case IArgumentOperation argument
                        when IdempotencyTypes.Is(argument.Value.Type, types.Symbols.TaskContext) && argument.ArgumentKind == ArgumentKind.Explicit:
                        // Handing the whole context to a service: assume the service keys its effects by it.
                        UsesTaskIdentity = true;
                        break;
                }
            }
        }
    }

    public List<IOperation> Operations { get; } = new();

    /// <summary>
    /// True when the handler reads TaskContext.Id or IdempotencyKey (outside an EnqueueOptions initializer, which only
    /// keys that one enqueue) or passes its TaskContext on.
    /// </summary>
    public bool UsesTaskIdentity { get; }

    public IReadOnlyList<IOperation> ValuesOf(ILocalSymbol local) =>
        _localValues.TryGetValue(local, out var values) ? values : Array.Empty<IOperation>();

    /// <summary>The operation itself, or, for a local, every value assigned to it (one level of data flow).</summary>
    public IEnumerable<IOperation> Resolve(IOperation operation)
    {
        var unwrapped = Unwrap(operation);
        if (unwrapped is ILocalReferenceOperation local)
        {
            foreach (var value in ValuesOf(local.Local))
            {
                yield return Unwrap(value);
            }
        }
        else
        {
            yield return unwrapped;
        }
    }

    public static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                case IAwaitOperation awaited:
                    operation = awaited.Operation;
                    break;
                default:
                    return operation;
            }
        }
    }

    private void AddLocalValue(ILocalSymbol local, IOperation value)
    {
        if (!_localValues.TryGetValue(local, out var values))
        {
            values = new List<IOperation>();
            _localValues.Add(local, values);
        }

        values.Add(value);
    }

    private static bool IsInsideEnqueueOptions(IOperation operation, IdempotencyTypes types)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IObjectCreationOperation creation && IdempotencyTypes.Is(creation.Type, types.EnqueueOptions))
            {
                return true;
            }
        }

        return false;
    }
}
