using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>How users declare handlers idempotent and their own methods side-effecting: attributes or .editorconfig lists.</summary>
internal static class IdempotencyConfiguration
{
    /// <summary>.editorconfig key: comma-separated <c>Namespace.Type.Method</c> (or <c>Namespace.Type</c>) handlers to trust.</summary>
    public const string IdempotentHandlersKey = "typedqueue.idempotent_handlers";

    /// <summary>.editorconfig key: comma-separated <c>Namespace.Type.Method</c> whose every call is a non-repeatable effect.</summary>
    public const string SideEffectMethodsKey = "typedqueue.side_effect_methods";

    /// <summary>Matched by name so the rule works before the runtime ships the type and with a user-defined copy.</summary>
    public const string IdempotentAttributeName = "TypedQueue.IdempotentAttribute";

    public const string SideEffectAttributeName = "TypedQueue.SideEffectAttribute";

    // Namespace.Type.Nested, no generic arity, no global:: — what a person would type into .editorconfig.
    private static readonly SymbolDisplayFormat TypeNameFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

    public static bool IsDeclaredIdempotent(IMethodSymbol handler, AnalyzerConfigOptions options)
    {
        if (HasAttribute(handler, IdempotentAttributeName))
        {
            return true;
        }

        for (var type = handler.ContainingType; type is not null; type = type.ContainingType)
        {
            if (HasAttribute(type, IdempotentAttributeName))
            {
                return true;
            }
        }

        var listed = ReadList(options, IdempotentHandlersKey);
        if (listed.Count == 0)
        {
            return false;
        }

        var typeName = handler.ContainingType.ToDisplayString(TypeNameFormat);
        return listed.Contains(typeName) || listed.Contains(typeName + "." + handler.Name);
    }

    public static bool IsMarkedSideEffect(IMethodSymbol method, AnalyzerConfigOptions options)
    {
        var original = method.ReducedFrom ?? method.OriginalDefinition;
        if (HasAttribute(original, SideEffectAttributeName))
        {
            return true;
        }

        var listed = ReadList(options, SideEffectMethodsKey);
        return listed.Count > 0 && listed.Contains(DisplayName(original));
    }

    /// <summary><c>Namespace.Type.Method</c>, the form the .editorconfig lists use.</summary>
    public static string DisplayName(IMethodSymbol method) =>
        method.ContainingType.OriginalDefinition.ToDisplayString(TypeNameFormat) + "." + method.Name;

    private static bool HasAttribute(ISymbol symbol, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == metadataName)
            {
                return true;
            }
        }

        return false;
    }

    private static HashSet<string> ReadList(AnalyzerConfigOptions options, string key)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (options.TryGetValue(key, out var value))
        {
            foreach (var item in value.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var trimmed = item.Trim();
                if (trimmed.Length > 0)
                {
                    set.Add(trimmed.StartsWith("global::", StringComparison.Ordinal) ? trimmed.Substring("global::".Length) : trimmed);
                }
            }
        }

        return set;
    }
}
