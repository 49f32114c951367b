using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using TypedQueue.Generators.Shared;

namespace TypedQueue.Analyzers;

/// <summary>The TypedQueue and BCL types the analyzers compare against, resolved once per compilation.</summary>
internal sealed class TypedQueueSymbols
{
    private readonly Compilation _compilation;
    private readonly Lazy<HashSet<string>> _userJsonContextTypes;

    private TypedQueueSymbols(
        Compilation compilation,
        INamedTypeSymbol queueTaskAttribute,
        INamedTypeSymbol? taskContext,
        INamedTypeSymbol? cancellationToken,
        INamedTypeSymbol? task,
        INamedTypeSymbol? genericTask,
        INamedTypeSymbol? valueTask,
        INamedTypeSymbol? genericValueTask,
        int priorityMin,
        int priorityMax)
    {
        _compilation = compilation;
        _userJsonContextTypes = new Lazy<HashSet<string>>(() => CollectUserJsonContextTypes(compilation), LazyThreadSafetyMode.ExecutionAndPublication);
        QueueTaskAttribute = queueTaskAttribute;
        TaskContext = taskContext;
        CancellationToken = cancellationToken;
        Task = task;
        GenericTask = genericTask;
        ValueTask = valueTask;
        GenericValueTask = genericValueTask;
        PriorityMin = priorityMin;
        PriorityMax = priorityMax;
    }

    public INamedTypeSymbol QueueTaskAttribute { get; }

    public INamedTypeSymbol? TaskContext { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? GenericTask { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? GenericValueTask { get; }

    public int PriorityMin { get; }

    public int PriorityMax { get; }

    /// <summary>Returns null when the compilation does not reference TypedQueue, so the analyzers cost nothing there.</summary>
    public static TypedQueueSymbols? TryCreate(Compilation compilation)
    {
        var attribute = compilation.GetTypeByMetadataName("TypedQueue.QueueTaskAttribute");
        if (attribute is null)
        {
            return null;
        }

        // Read the bounds from the referenced TaskPriority so the analyzer follows the runtime if they ever move.
        var priority = compilation.GetTypeByMetadataName("TypedQueue.TaskPriority");
        return new TypedQueueSymbols(
            compilation,
            attribute,
            compilation.GetTypeByMetadataName("TypedQueue.TaskContext"),
            compilation.GetTypeByMetadataName("System.Threading.CancellationToken"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.Task"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask"),
            compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1"),
            ReadConstant(priority, "Min", -1000),
            ReadConstant(priority, "Max", 1000));
    }

    /// <summary>The assembly the generated code is compiled into: decides what it may access.</summary>
    public IAssemblySymbol Assembly => _compilation.Assembly;

    /// <summary>
    /// Null when the generator can serialize <paramref name="type"/>; otherwise why not. Mirrors the generator exactly:
    /// the same shared rules, and types listed on a user-written JsonSerializerContext are accepted as they are.
    /// </summary>
    public string? GetUnsupportedPayloadReason(ITypeSymbol type)
    {
        // Most payloads pass without the user-context lookup, which walks every source type, so try without it first.
        if (PayloadTypeRules.GetUnsupportedReason(type, _compilation.Assembly) is null)
        {
            return null;
        }

        var handled = _userJsonContextTypes.Value;
        return handled.Count == 0
            ? PayloadTypeRules.GetUnsupportedReason(type, _compilation.Assembly)
            : PayloadTypeRules.GetUnsupportedReason(type, _compilation.Assembly, t => handled.Contains(PayloadTypeRules.StripAnnotation(t).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
    }

    public bool IsHandler(IMethodSymbol method) => GetQueueTaskAttribute(method) is not null;

    public AttributeData? GetQueueTaskAttribute(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, QueueTaskAttribute))
            {
                return attribute;
            }
        }

        return null;
    }

    private static HashSet<string> CollectUserJsonContextTypes(Compilation compilation)
    {
        // Same selection as the generator's Parser.ParseUserContext.
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var symbol in compilation.GetSymbolsWithName(static _ => true, SymbolFilter.Type))
        {
            if (symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsGenericType: false, IsAbstract: false } type
                || !DerivesFromJsonSerializerContext(type)
                || !PayloadTypeRules.IsAccessible(type, compilation.Assembly))
            {
                continue;
            }

            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializableAttribute"
                    && attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is ITypeSymbol listed)
                {
                    names.Add(PayloadTypeRules.StripAnnotation(listed).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }

        return names;
    }

    private static bool DerivesFromJsonSerializerContext(INamedTypeSymbol type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializerContext")
            {
                return true;
            }
        }

        return false;
    }

    private static int ReadConstant(INamedTypeSymbol? type, string name, int fallback)
    {
        if (type is null)
        {
            return fallback;
        }

        foreach (var member in type.GetMembers(name))
        {
            if (member is IFieldSymbol { HasConstantValue: true, ConstantValue: int value })
            {
                return value;
            }
        }

        return fallback;
    }
}
