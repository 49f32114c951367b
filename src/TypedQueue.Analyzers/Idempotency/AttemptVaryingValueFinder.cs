using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>A value that differs on every attempt (<paramref name="source"/>) reaching a key, file path or row.</summary>
/// <param name="source">The call or property read that produces the value, where TQ0011 is reported.</param>
/// <param name="description">How the message names it, for example "Guid.NewGuid()".</param>
/// <param name="sink">Completes "… is used in …", for example "a file path".</param>
internal readonly struct AttemptVaryingUse(SyntaxNode source, string description, string sink)
{
    public SyntaxNode Source { get; } = source;

    public string Description { get; } = description;

    public string Sink { get; } = sink;
}

/// <summary>Finds TQ0011: attempt-varying values flowing, directly or through locals, into paths, keys and inserted rows.</summary>
internal static class AttemptVaryingValueFinder
{
    private const string FilePath = "a file path";
    private const string IdempotencyKey = "an idempotency key";
    private const string InsertedRow = "a SQL INSERT";

    public static IEnumerable<AttemptVaryingUse> Find(HandlerBody body, IdempotencyTypes types)
    {
        var handlerInserts = body.Operations.Any(o => IsSqlTextSink(o, body) is { } sql && SideEffectFinder.IsInsert(SideEffectFinder.SqlText(sql, body)));
        var seen = new HashSet<SyntaxNode>();
        foreach (var (value, sink) in Sinks(body, types, handlerInserts))
        {
            if (ContainsTempDirectory(value, body, types))
            {
                // Path.Combine(Path.GetTempPath(), Guid.NewGuid()…): a scratch file, private to this attempt by design.
                continue;
            }

            foreach (var source in Sources(value, body, types, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default)))
            {
                if (seen.Add(source.Operation.Syntax))
                {
                    yield return new AttemptVaryingUse(source.Operation.Syntax, source.Description, sink);
                }
            }
        }
    }

    private static IEnumerable<(IOperation Value, string Sink)> Sinks(HandlerBody body, IdempotencyTypes types, bool handlerInserts)
    {
        foreach (var operation in body.Operations)
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    var method = invocation.TargetMethod;
                    var type = method.ContainingType;
                    if (IdempotencyTypes.Is(type, types.File) || IdempotencyTypes.Is(type, types.Directory))
                    {
                        foreach (var argument in invocation.Arguments.Where(IsPathParameter))
                        {
                            yield return (argument.Value, FilePath);
                        }
                    }
                    else if (IdempotencyTypes.Is(type, types.Path) && method.Name is "Combine" or "Join"
                        && !ContainsTempDirectory(invocation, body, types))
                    {
                        foreach (var argument in invocation.Arguments)
                        {
                            yield return (argument.Value, FilePath);
                        }
                    }
                    else if (SideEffectFinder.IsSqlCommandCall(method)
                        && invocation.Arguments.Any(a => SideEffectFinder.IsInsert(SideEffectFinder.SqlText(a.Value, body))))
                    {
                        // The INSERT text and its parameter object (Dapper's new { Id = … }) both become the row.
                        foreach (var argument in invocation.Arguments)
                        {
                            yield return (argument.Value, InsertedRow);
                        }
                    }
                    else if (handlerInserts && method.Name.StartsWith("Add", StringComparison.Ordinal)
                        && type.Name.EndsWith("ParameterCollection", StringComparison.Ordinal))
                    {
                        // command.Parameters.AddWithValue("@id", …) in a handler whose command is an INSERT.
                        foreach (var argument in invocation.Arguments.Skip(1))
                        {
                            yield return (argument.Value, InsertedRow);
                        }
                    }

                    break;

                case IObjectCreationOperation creation:
                    if (IdempotencyTypes.IsOrDerives(creation.Type, types.FileStream)
                        || IdempotencyTypes.IsOrDerives(creation.Type, types.StreamWriter)
                        || IdempotencyTypes.Is(creation.Type, types.FileInfo))
                    {
                        foreach (var argument in creation.Arguments.Where(IsPathParameter))
                        {
                            yield return (argument.Value, FilePath);
                        }
                    }
                    else if (SideEffectFinder.IsSqlCommandType(creation.Type)
                        && creation.Arguments.FirstOrDefault() is { } commandText
                        && SideEffectFinder.IsInsert(SideEffectFinder.SqlText(commandText.Value, body)))
                    {
                        yield return (commandText.Value, InsertedRow);
                    }

                    break;

                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment:
                    if (target.Property.Name == "IdempotencyKey" && IdempotencyTypes.Is(target.Property.ContainingType, types.EnqueueOptions))
                    {
                        yield return (assignment.Value, IdempotencyKey);
                    }
                    else if (IsSqlTextSink(assignment, body) is { } sql && SideEffectFinder.IsInsert(SideEffectFinder.SqlText(sql, body)))
                    {
                        yield return (sql, InsertedRow);
                    }

                    break;
            }
        }
    }

    private static IOperation? IsSqlTextSink(IOperation operation, HandlerBody body) => operation switch
    {
        ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "CommandText" } } assignment => assignment.Value,
        IInvocationOperation invocation when SideEffectFinder.IsSqlCommandCall(invocation.TargetMethod)
            => invocation.Arguments.FirstOrDefault(a => SideEffectFinder.SqlText(a.Value, body) is not null)?.Value,
        IObjectCreationOperation creation when SideEffectFinder.IsSqlCommandType(creation.Type) => creation.Arguments.FirstOrDefault()?.Value,
        _ => null,
    };

    private static bool IsPathParameter(IArgumentOperation argument) =>
        argument.Parameter is { Type.SpecialType: SpecialType.System_String } parameter
        && (parameter.Name.IndexOf("path", StringComparison.OrdinalIgnoreCase) >= 0
            || parameter.Name.IndexOf("FileName", StringComparison.OrdinalIgnoreCase) >= 0);

    private static IEnumerable<(IOperation Operation, string Description)> Sources(IOperation value, HandlerBody body, IdempotencyTypes types, HashSet<ILocalSymbol> visited)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (Describe(operation, types) is { } description)
            {
                yield return (operation, description);
            }
            else if (operation is ILocalReferenceOperation local && visited.Add(local.Local))
            {
                foreach (var assigned in body.ValuesOf(local.Local))
                {
                    foreach (var source in Sources(assigned, body, types, visited))
                    {
                        yield return source;
                    }
                }
            }
        }
    }

    private static bool ContainsTempDirectory(IOperation value, HandlerBody body, IdempotencyTypes types) =>
        body.Resolve(value).Concat(new[] { value }).SelectMany(v => v.DescendantsAndSelf()).Any(o =>
            o is IInvocationOperation { TargetMethod.Name: "GetTempPath" or "GetTempFileName" } temp
            && IdempotencyTypes.Is(temp.TargetMethod.ContainingType, types.Path));

    private static string? Describe(IOperation operation, IdempotencyTypes types)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                var method = invocation.TargetMethod;
                var type = method.ContainingType;
                if (IdempotencyTypes.Is(type, types.Guid) && method.Name is "NewGuid" or "CreateVersion7")
                {
                    return $"Guid.{method.Name}()";
                }

                if (IdempotencyTypes.IsOrDerives(type, types.TimeProvider) && method.Name is "GetUtcNow" or "GetLocalNow" or "GetTimestamp")
                {
                    return $"TimeProvider.{method.Name}()";
                }

                if ((IdempotencyTypes.IsOrDerives(type, types.Random) && method.Name.StartsWith("Next", StringComparison.Ordinal))
                    || (IdempotencyTypes.Is(type, types.RandomNumberGenerator) && method.Name.StartsWith("Get", StringComparison.Ordinal) && method.IsStatic)
                    || (IdempotencyTypes.Is(type, types.Stopwatch) && method.Name == "GetTimestamp")
                    || (IdempotencyTypes.Is(type, types.Path) && method.Name == "GetRandomFileName"))
                {
                    return $"{type.Name}.{method.Name}()";
                }

                return null;

            case IPropertyReferenceOperation property:
                var owner = property.Property.ContainingType;
                var name = property.Property.Name;
                if (((IdempotencyTypes.Is(owner, types.DateTime) && name is "Now" or "UtcNow" or "Today")
                        || (IdempotencyTypes.Is(owner, types.DateTimeOffset) && name is "Now" or "UtcNow")
                        || (IdempotencyTypes.Is(owner, types.Environment) && name is "TickCount" or "TickCount64"))
                    && property.Property.IsStatic)
                {
                    return $"{owner.Name}.{name}";
                }

                return null;

            default:
                return null;
        }
    }
}
