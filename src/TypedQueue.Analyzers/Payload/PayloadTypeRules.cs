using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace TypedQueue.Analyzers;

/// <summary>Decides whether a type can be a task payload or result, i.e. round-trip through JSON.</summary>
/// <remarks>Interim copy: replaced by a link to the generator's Shared/PayloadTypeRules.cs once it exists.</remarks>
internal static class PayloadTypeRules
{
    /// <summary>Returns null when <paramref name="type"/> is supported, otherwise why it is not.</summary>
    public static string? GetUnsupportedReason(ITypeSymbol type) =>
        Check(type, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));

    private static string? Check(ITypeSymbol type, string path, HashSet<ITypeSymbol> visited)
    {
        switch (type)
        {
            case IErrorTypeSymbol:
                // The compiler already reports it; piling on helps nobody.
                return null;
            case IDynamicTypeSymbol:
                return $"{path} is dynamic, which has no shape to deserialize into";
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return $"{path} is a pointer";
            case ITypeParameterSymbol:
                return $"{path} is the open type parameter '{type.Name}'";
            case IArrayTypeSymbol array:
                return array.Rank != 1
                    ? $"{path} is a multi-dimensional array"
                    : Check(array.ElementType, path + "[]", visited);
            case INamedTypeSymbol named:
                return CheckNamed(named, path, visited);
            default:
                return $"{path} is not a serializable type";
        }
    }

    private static string? CheckNamed(INamedTypeSymbol type, string path, HashSet<ITypeSymbol> visited)
    {
        if (type.IsUnboundGenericType)
        {
            return $"{path} is an open generic type";
        }

        if (IsLeaf(type))
        {
            return null;
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return $"{path} is object, which has no shape to deserialize into";
        }

        if (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Check(type.TypeArguments[0], path, visited);
        }

        if (type.TypeKind == TypeKind.Delegate)
        {
            return $"{path} is a delegate";
        }

        if (type.IsRefLikeType)
        {
            return $"{path} is a ref struct";
        }

        if (type.TypeKind == TypeKind.TypeParameter || ContainsTypeParameter(type))
        {
            return $"{path} is an open generic type";
        }

        if (DerivesFrom(type, "System.IO.Stream"))
        {
            return $"{path} is a Stream";
        }

        if (!visited.Add(type))
        {
            // A cycle or a type already checked along another path: its verdict is reported there.
            return null;
        }

        if (FindDictionary(type) is { } dictionary)
        {
            if (dictionary.TypeArguments[0].SpecialType != SpecialType.System_String)
            {
                return $"{path} is a dictionary with '{dictionary.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}' keys; only string keys are supported";
            }

            return Check(dictionary.TypeArguments[1], path + "[key]", visited);
        }

        if (FindEnumerable(type) is { } enumerable)
        {
            if (type.TypeKind == TypeKind.Interface && !IsCollectionInterface(type))
            {
                return $"{path} is an interface";
            }

            return Check(enumerable.TypeArguments[0], path + "[]", visited);
        }

        if (DerivesFrom(type, "System.Collections.IEnumerable"))
        {
            return $"{path} is a non-generic collection whose elements are object";
        }

        if (type.TypeKind == TypeKind.Interface)
        {
            return $"{path} is an interface";
        }

        if (type.IsAbstract)
        {
            return $"{path} is abstract";
        }

        if (type.TypeKind == TypeKind.Class && !HasPublicConstructor(type))
        {
            return $"{path} has no public constructor";
        }

        foreach (var property in GetSerializedProperties(type))
        {
            var reason = Check(property.Type, path + "." + property.Name, visited);
            if (reason is not null)
            {
                return reason;
            }
        }

        return null;
    }

    private static bool IsLeaf(INamedTypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Enum)
        {
            return true;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Decimal:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        switch (type.ToDisplayString())
        {
            case "System.DateTimeOffset":
            case "System.TimeSpan":
            case "System.Guid":
            case "System.DateOnly":
            case "System.TimeOnly":
            case "System.Half":
            case "System.Int128":
            case "System.UInt128":
            case "System.Uri":
            case "System.Version":
            case "System.Text.Json.JsonElement":
                return true;
            default:
                return false;
        }
    }

    private static bool IsCollectionInterface(INamedTypeSymbol type)
    {
        switch (type.OriginalDefinition.ToDisplayString())
        {
            case "System.Collections.Generic.IEnumerable<T>":
            case "System.Collections.Generic.ICollection<T>":
            case "System.Collections.Generic.IList<T>":
            case "System.Collections.Generic.IReadOnlyCollection<T>":
            case "System.Collections.Generic.IReadOnlyList<T>":
            case "System.Collections.Generic.ISet<T>":
            case "System.Collections.Generic.IReadOnlySet<T>":
                return true;
            default:
                return false;
        }
    }

    private static INamedTypeSymbol? FindDictionary(INamedTypeSymbol type)
    {
        foreach (var candidate in SelfAndInterfaces(type))
        {
            var name = candidate.OriginalDefinition.ToDisplayString();
            if (name is "System.Collections.Generic.IDictionary<TKey, TValue>" or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>")
            {
                return candidate;
            }
        }

        return null;
    }

    private static INamedTypeSymbol? FindEnumerable(INamedTypeSymbol type)
    {
        foreach (var candidate in SelfAndInterfaces(type))
        {
            if (candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                return candidate;
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> SelfAndInterfaces(INamedTypeSymbol type)
    {
        yield return type;
        foreach (var item in type.AllInterfaces)
        {
            yield return item;
        }
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.ToDisplayString() == metadataName)
            {
                return true;
            }
        }

        foreach (var item in type.AllInterfaces)
        {
            if (item.ToDisplayString() == metadataName)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsTypeParameter(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            foreach (var argument in current.TypeArguments)
            {
                if (argument is ITypeParameterSymbol)
                {
                    return true;
                }

                if (argument is INamedTypeSymbol named && ContainsTypeParameter(named))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasPublicConstructor(INamedTypeSymbol type)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility == Accessibility.Public)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<IPropertySymbol> GetSerializedProperties(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public } property
                    && property.GetMethod is { DeclaredAccessibility: Accessibility.Public }
                    && !IsJsonIgnored(property))
                {
                    yield return property;
                }
            }
        }
    }

    private static bool IsJsonIgnored(IPropertySymbol property)
    {
        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonIgnoreAttribute")
            {
                return true;
            }
        }

        return false;
    }
}
