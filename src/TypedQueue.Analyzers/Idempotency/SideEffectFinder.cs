using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>Recognizes the externally visible, non-repeatable effects TQ0010 reports.</summary>
/// <remarks>
/// Deliberately a list of well-known APIs rather than a general "writes somewhere" analysis: each entry is an effect
/// that doubles when it runs twice, so a hit is almost always a real duplicate. Repeatable effects (GET, overwriting a
/// file, UPDATE … SET, upserts, logging) are simply not on the list.
/// </remarks>
internal static class SideEffectFinder
{
    private static readonly string[] MailSenderSuffixes = { "Mailer", "EmailSender", "MailSender", "SmtpClient" };

    // INSERT forms that replace or skip an existing row: the author chose a key, so a retry does not duplicate.
    private static readonly string[] UpsertMarkers = { "ON CONFLICT", "OR REPLACE", "OR IGNORE", "INSERT IGNORE", "ON DUPLICATE KEY", "WHERE NOT EXISTS" };

    public static IEnumerable<SideEffect> Find(HandlerBody body, IdempotencyTypes types, AnalyzerConfigOptions options)
    {
        foreach (var operation in body.Operations)
        {
            var effect = operation switch
            {
                IInvocationOperation invocation => FromInvocation(invocation, body, types, options),
                IObjectCreationOperation creation => FromCreation(creation, body, types),
                IIncrementOrDecrementOperation increment => FromStaticUpdate(increment.Target, increment.Syntax, increment.Kind == OperationKind.Increment ? "increments" : "decrements"),
                ICompoundAssignmentOperation compound when compound.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract
                    => FromStaticUpdate(compound.Target, compound.Syntax, "updates"),
                ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "CommandText" } } assignment
                    when IsNonRepeatableInsert(SqlText(assignment.Value, body)) => new SideEffect(assignment.Syntax, "runs a SQL INSERT"),
                IFieldReferenceOperation field when IsFileModeAppend(field, types)
                    => new SideEffect(AppendSite(field), "opens a file for appending"),
                _ => (SideEffect?)null,
            };

            if (effect is { } found)
            {
                yield return found;
            }
        }
    }

    /// <summary>The text of a string expression with holes as <c>{}</c>, following one local; null when not a string we can read.</summary>
    public static string? SqlText(IOperation operation, HandlerBody body)
    {
        foreach (var value in body.Resolve(operation))
        {
            if (Text(value) is { } text)
            {
                return text;
            }
        }

        return null;
    }

    public static bool IsSqlCommandCall(IMethodSymbol method) =>
        method.Name.StartsWith("Execute", StringComparison.Ordinal) || method.Name.StartsWith("Query", StringComparison.Ordinal);

    public static bool IsSqlCommandType(ITypeSymbol? type) =>
        type is not null && type.Name.EndsWith("Command", StringComparison.Ordinal);

    public static bool IsInsert(string? sql) =>
        sql is not null && sql.TrimStart().StartsWith("INSERT", StringComparison.OrdinalIgnoreCase);

    private static bool IsNonRepeatableInsert(string? sql) =>
        IsInsert(sql) && !UpsertMarkers.Any(marker => sql!.IndexOf(marker, StringComparison.OrdinalIgnoreCase) >= 0);

    private static string? Text(IOperation operation)
    {
        if (operation.ConstantValue is { HasValue: true, Value: string constant })
        {
            return constant;
        }

        switch (operation)
        {
            case IInterpolatedStringOperation interpolated:
                return string.Concat(interpolated.Parts.Select(part => part is IInterpolatedStringTextOperation text ? Text(text.Text) ?? string.Empty : "{}"));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } concatenation:
                return Text(HandlerBody.Unwrap(concatenation.LeftOperand)) is { } left ? left + (Text(HandlerBody.Unwrap(concatenation.RightOperand)) ?? "{}") : null;
            default:
                return null;
        }
    }

    private static SideEffect? FromInvocation(IInvocationOperation invocation, HandlerBody body, IdempotencyTypes types, AnalyzerConfigOptions options)
    {
        var method = invocation.TargetMethod;

        // Extension methods arrive unreduced: the receiver is the first parameter.
        var receiver = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        var name = method.Name;

        if (IdempotencyTypes.IsOrDerives(receiver, types.HttpClient))
        {
            if (name.StartsWith("Post", StringComparison.Ordinal))
            {
                return new SideEffect(invocation.Syntax, "sends an HTTP POST");
            }

            if (name.StartsWith("Patch", StringComparison.Ordinal))
            {
                return new SideEffect(invocation.Syntax, "sends an HTTP PATCH");
            }

            if (name is "Send" or "SendAsync"
                && invocation.Arguments.FirstOrDefault(a => IdempotencyTypes.Is(a.Value.Type, types.HttpRequestMessage)) is { } request
                && RequestMethod(request.Value, body, types) is { } verb)
            {
                return new SideEffect(invocation.Syntax, "sends an HTTP " + verb);
            }

            return null;
        }

        if (name.StartsWith("Send", StringComparison.Ordinal) && receiver is not null
            && MailSenderSuffixes.Any(suffix => receiver.Name.EndsWith(suffix, StringComparison.Ordinal)))
        {
            return new SideEffect(invocation.Syntax, "sends mail");
        }

        if (name.StartsWith("Append", StringComparison.Ordinal)
            && (IdempotencyTypes.Is(method.ContainingType, types.File) || IdempotencyTypes.Is(method.ContainingType, types.FileInfo)))
        {
            return new SideEffect(invocation.Syntax, "appends to a file");
        }

        if (name is "Increment" or "Decrement" or "Add" && IdempotencyTypes.Is(method.ContainingType, types.Interlocked)
            && invocation.Arguments.Length > 0 && IsStaticMember(invocation.Arguments[0].Value))
        {
            return new SideEffect(invocation.Syntax, "updates static state");
        }

        if (IsSqlCommandCall(method) && invocation.Arguments.Any(a => IsNonRepeatableInsert(SqlText(a.Value, body))))
        {
            return new SideEffect(invocation.Syntax, "runs a SQL INSERT");
        }

        if (IsEnqueue(method, types))
        {
            return FromEnqueue(invocation, body, types);
        }

        if (IdempotencyConfiguration.IsMarkedSideEffect(method, options))
        {
            return new SideEffect(invocation.Syntax, $"calls '{IdempotencyConfiguration.DisplayName(method.ReducedFrom ?? method.OriginalDefinition)}', which is marked as a side effect");
        }

        return null;
    }

    private static SideEffect? FromCreation(IObjectCreationOperation creation, HandlerBody body, IdempotencyTypes types)
    {
        if (IdempotencyTypes.IsOrDerives(creation.Type, types.StreamWriter)
            && creation.Arguments.Any(a => a.Parameter?.Name == "append" && a.Value.ConstantValue is { HasValue: true, Value: true }))
        {
            return new SideEffect(creation.Syntax, "appends to a file");
        }

        if (IsSqlCommandType(creation.Type) && creation.Arguments.Any(a => IsNonRepeatableInsert(SqlText(a.Value, body))))
        {
            return new SideEffect(creation.Syntax, "runs a SQL INSERT");
        }

        return null;
    }

    private static SideEffect? FromStaticUpdate(IOperation target, SyntaxNode syntax, string verb) =>
        IsStaticMember(target) ? new SideEffect(syntax, verb + " static state") : null;

    private static bool IsStaticMember(IOperation operation) => HandlerBody.Unwrap(operation) switch
    {
        IFieldReferenceOperation field => field.Field.IsStatic && !field.Field.IsConst,
        IPropertyReferenceOperation property => property.Property.IsStatic,
        _ => false,
    };

    private static bool IsFileModeAppend(IFieldReferenceOperation field, IdempotencyTypes types) =>
        field.Field.Name == "Append" && IdempotencyTypes.Is(field.Field.ContainingType, types.FileMode);

    // File.Open(path, FileMode.Append) and new FileStream(path, FileMode.Append): report the call, not the enum value.
    private static SyntaxNode AppendSite(IOperation operation)
    {
        var current = operation.Parent;
        while (current is IConversionOperation)
        {
            current = current.Parent;
        }

        return current is IArgumentOperation { Parent: IInvocationOperation or IObjectCreationOperation } argument
            ? argument.Parent!.Syntax
            : operation.Syntax;
    }

    private static string? RequestMethod(IOperation request, HandlerBody body, IdempotencyTypes types)
    {
        foreach (var value in body.Resolve(request))
        {
            if (value is not IObjectCreationOperation creation || !IdempotencyTypes.Is(creation.Type, types.HttpRequestMessage))
            {
                continue;
            }

            var methods = creation.Arguments
                .Where(a => IdempotencyTypes.Is(a.Value.Type, types.HttpMethod))
                .Select(a => a.Value)
                .Concat(creation.Initializer?.Initializers
                    .OfType<ISimpleAssignmentOperation>()
                    .Where(a => a.Target is IPropertyReferenceOperation { Property.Name: "Method" })
                    .Select(a => a.Value) ?? Enumerable.Empty<IOperation>());
            foreach (var method in methods)
            {
                if (HandlerBody.Unwrap(method) is IPropertyReferenceOperation { Property.Name: "Post" or "Patch" } verb
                    && IdempotencyTypes.Is(verb.Property.ContainingType, types.HttpMethod))
                {
                    return verb.Property.Name.ToUpperInvariant();
                }
            }
        }

        return null;
    }

    private static bool IsEnqueue(IMethodSymbol method, IdempotencyTypes types)
    {
        if (method.Name is not ("EnqueueAsync" or "EnqueueManyAsync"))
        {
            return false;
        }

        var type = method.ContainingType;
        return type.ContainingNamespace?.ToDisplayString() == "TypedQueue"
            || type.AllInterfaces.Any(i => IdempotencyTypes.Is(i, types.TaskQueue))
            || (type.IsStatic && type.ContainingType?.Name == "Tasks");
    }

    private static SideEffect? FromEnqueue(IInvocationOperation invocation, HandlerBody body, IdempotencyTypes types)
    {
        var options = invocation.Arguments.FirstOrDefault(a => IdempotencyTypes.Is(a.Parameter?.Type, types.EnqueueOptions));
        var omitted = options is null || options.ArgumentKind == ArgumentKind.DefaultValue || IsNull(options.Value);
        if (!omitted && body.Resolve(options!.Value).Any(value => !IsOptionsWithoutKey(value, types)))
        {
            // A key, or options we cannot see into (a parameter, a field, a factory call): trust them.
            return null;
        }

        var method = invocation.TargetMethod;
        var fixable = omitted && method.Name == "EnqueueAsync";
        var taskName = method.ContainingType.ContainingType?.Name == "Tasks"
            ? method.ContainingType.Name
            : method.TypeArguments.FirstOrDefault()?.Name ?? "task";
        return new SideEffect(invocation.Syntax, "enqueues a task without an idempotency key", fixable ? taskName : null);
    }

    private static bool IsNull(IOperation value) =>
        HandlerBody.Unwrap(value) is { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation;

    private static bool IsOptionsWithoutKey(IOperation value, IdempotencyTypes types) =>
        IsNull(value)
        || (value is IObjectCreationOperation creation
            && IdempotencyTypes.Is(creation.Type, types.EnqueueOptions)
            && creation.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>()
                .Any(a => a.Target is IPropertyReferenceOperation { Property.Name: "IdempotencyKey" } && !IsNull(a.Value)) != true);
}
