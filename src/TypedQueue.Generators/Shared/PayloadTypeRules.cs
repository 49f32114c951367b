// Shared between the generator and the analyzers (linked with <Compile Include=... Link=...>): keep this file
// self-contained (Roslyn + BCL only, no other generator file) so both agree on what a payload may be.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TypedQueue.Generators.Shared;

/// <summary>How the generated JSON metadata handles a type.</summary>
internal enum PayloadTypeShape
{
    /// <summary>No reflection-free metadata can be generated.</summary>
    Unsupported,

    /// <summary>A primitive or framework value with a built-in converter (see <see cref="PayloadTypeRules.GetValueConverterName"/>).</summary>
    Value,

    /// <summary>An enum, written as its member name.</summary>
    Enum,

    /// <summary><c>Nullable&lt;T&gt;</c> of a supported value type.</summary>
    NullableValue,

    /// <summary>A single-dimensional array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>.</summary>
    List,

    /// <summary><c>IList&lt;T&gt;</c>.</summary>
    IList,

    /// <summary><c>ICollection&lt;T&gt;</c>.</summary>
    ICollection,

    /// <summary><c>IEnumerable&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c> or <c>IReadOnlyCollection&lt;T&gt;</c> (read as a list).</summary>
    IEnumerable,

    /// <summary><c>HashSet&lt;T&gt;</c>.</summary>
    HashSet,

    /// <summary><c>Dictionary&lt;string, T&gt;</c>.</summary>
    Dictionary,

    /// <summary><c>IDictionary&lt;string, T&gt;</c>.</summary>
    IDictionary,

    /// <summary><c>IReadOnlyDictionary&lt;string, T&gt;</c>.</summary>
    IReadOnlyDictionary,

    /// <summary>A user class, struct or record written as a JSON object.</summary>
    Object,
}

/// <summary>
/// The single definition of which payload and result types TypedQueue can serialize without reflection.
/// Types listed on a user-written <c>JsonSerializerContext</c> bypass these rules (pass them as <c>handledElsewhere</c>).
/// </summary>
internal static class PayloadTypeRules
{
    /// <summary>
    /// Null when <paramref name="type"/> and every type reachable from it is supported; otherwise a short reason.
    /// </summary>
    /// <param name="type">The payload or result type.</param>
    /// <param name="within">The assembly the generated code lives in (decides whether internal members are usable); null treats every internal member as usable.</param>
    /// <param name="handledElsewhere">Types serialized by a user's <c>JsonSerializerContext</c>; not inspected further.</param>
    public static string? GetUnsupportedReason(ITypeSymbol type, IAssemblySymbol? within = null, Func<ITypeSymbol, bool>? handledElsewhere = null)
    {
        var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        return Check(type, within, handledElsewhere, visited, path: null);
    }

    private static string? Check(ITypeSymbol type, IAssemblySymbol? within, Func<ITypeSymbol, bool>? handledElsewhere, HashSet<ITypeSymbol> visited, string? path)
    {
        type = StripAnnotation(type);
        if (!visited.Add(type) || (handledElsewhere is not null && handledElsewhere(type)))
        {
            return null;
        }

        var shape = GetShape(type, within, out var reason);
        if (shape == PayloadTypeShape.Unsupported)
        {
            return path is null ? reason : $"{path}: {reason}";
        }

        foreach (var (name, child) in GetChildren(type, shape, within))
        {
            var childReason = Check(child, within, handledElsewhere, visited, path is null ? name : $"{path}.{name}");
            if (childReason is not null)
            {
                return childReason;
            }
        }

        return null;
    }

    /// <summary>The types the metadata of <paramref name="type"/> refers to, each with a label for messages.</summary>
    public static IEnumerable<(string Label, ITypeSymbol Type)> GetChildren(ITypeSymbol type, PayloadTypeShape shape, IAssemblySymbol? within)
    {
        switch (shape)
        {
            case PayloadTypeShape.NullableValue:
                yield return ("Value", ((INamedTypeSymbol)type).TypeArguments[0]);
                break;
            case PayloadTypeShape.Array:
                yield return ("[]", ((IArrayTypeSymbol)type).ElementType);
                break;
            case PayloadTypeShape.List or PayloadTypeShape.IList or PayloadTypeShape.ICollection
                or PayloadTypeShape.IEnumerable or PayloadTypeShape.HashSet:
                yield return ("[]", ((INamedTypeSymbol)type).TypeArguments[0]);
                break;
            case PayloadTypeShape.Dictionary or PayloadTypeShape.IDictionary or PayloadTypeShape.IReadOnlyDictionary:
                yield return ("[]", ((INamedTypeSymbol)type).TypeArguments[1]);
                break;
            case PayloadTypeShape.Object:
                foreach (var property in GetSerializableProperties((INamedTypeSymbol)type, within))
                {
                    yield return (property.Name, property.Type);
                }

                break;
        }
    }

    /// <summary>Classifies one type without looking at the types it contains.</summary>
    public static PayloadTypeShape GetShape(ITypeSymbol type, IAssemblySymbol? within, out string? reason)
    {
        reason = null;
        type = StripAnnotation(type);
        switch (type)
        {
            case ITypeParameterSymbol:
                reason = $"'{type.Name}' is an open generic type parameter";
                return PayloadTypeShape.Unsupported;
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                reason = "pointers cannot be serialized";
                return PayloadTypeShape.Unsupported;
            case IDynamicTypeSymbol:
                reason = "'dynamic' needs reflection to serialize";
                return PayloadTypeShape.Unsupported;
            case IArrayTypeSymbol array:
                if (!array.IsSZArray)
                {
                    reason = "multi-dimensional arrays are not supported";
                    return PayloadTypeShape.Unsupported;
                }

                return array.ElementType.SpecialType == SpecialType.System_Byte ? PayloadTypeShape.Value : PayloadTypeShape.Array;
            case not INamedTypeSymbol:
                reason = $"'{type.ToDisplayString()}' is not supported";
                return PayloadTypeShape.Unsupported;
        }

        var named = (INamedTypeSymbol)type;
        if (GetValueConverterName(named) is not null)
        {
            return PayloadTypeShape.Value;
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return IsAccessible(named, within) ? PayloadTypeShape.Enum : Fail(out reason, $"'{named.Name}' is not accessible to generated code");
        }

        if (named.IsUnboundGenericType || ContainsTypeParameter(named))
        {
            reason = $"'{named.ToDisplayString()}' is an open generic type";
            return PayloadTypeShape.Unsupported;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return PayloadTypeShape.NullableValue;
        }

        switch (named.OriginalDefinition.SpecialType)
        {
            case SpecialType.System_Object:
                reason = "'object' needs reflection to serialize; use a concrete type";
                return PayloadTypeShape.Unsupported;
            case SpecialType.System_Collections_Generic_IList_T:
                return PayloadTypeShape.IList;
            case SpecialType.System_Collections_Generic_ICollection_T:
                return PayloadTypeShape.ICollection;
            case SpecialType.System_Collections_Generic_IEnumerable_T:
            case SpecialType.System_Collections_Generic_IReadOnlyList_T:
            case SpecialType.System_Collections_Generic_IReadOnlyCollection_T:
                return PayloadTypeShape.IEnumerable;
        }

        var definition = named.OriginalDefinition.ToDisplayString();
        switch (definition)
        {
            case "System.Collections.Generic.List<T>":
                return PayloadTypeShape.List;
            case "System.Collections.Generic.HashSet<T>":
                return PayloadTypeShape.HashSet;
            case "System.Collections.Generic.Dictionary<TKey, TValue>":
            case "System.Collections.Generic.IDictionary<TKey, TValue>":
            case "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>":
                if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                {
                    reason = "dictionary keys must be strings";
                    return PayloadTypeShape.Unsupported;
                }

                return definition.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) ? PayloadTypeShape.Dictionary
                    : definition.StartsWith("System.Collections.Generic.IDictionary", StringComparison.Ordinal) ? PayloadTypeShape.IDictionary
                    : PayloadTypeShape.IReadOnlyDictionary;
        }

        if (named.TypeKind == TypeKind.Delegate)
        {
            return Fail(out reason, "delegates cannot be serialized");
        }

        if (named.IsRefLikeType)
        {
            return Fail(out reason, $"'{named.Name}' is a ref struct");
        }

        if (IsOrDerivesFrom(named, "System.IO.Stream"))
        {
            return Fail(out reason, "streams cannot be serialized; store a reference (path, URL, id) instead");
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return Fail(out reason, $"'{named.Name}' is an interface; use a concrete type");
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return Fail(out reason, $"'{named.ToDisplayString()}' is not supported");
        }

        if (named.IsAbstract || named.IsStatic)
        {
            return Fail(out reason, $"'{named.Name}' is abstract; use a concrete type");
        }

        if (named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonConverterAttribute"))
        {
            return Fail(out reason, $"'{named.Name}' has a custom [JsonConverter]; list it with [JsonSerializable] on a JsonSerializerContext in this project");
        }

        if (named.IsTupleType)
        {
            return Fail(out reason, "tuples serialize as empty objects; use a record");
        }

        var ns = named.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            return Fail(out reason, $"the framework type '{named.ToDisplayString()}' is not supported");
        }

        if (!IsAccessible(named, within))
        {
            return Fail(out reason, $"'{named.Name}' is not accessible to generated code (make it public or internal)");
        }

        if (GetDeserializationConstructor(named, within, out var ctorReason) is null && ctorReason is not null)
        {
            return Fail(out reason, ctorReason);
        }

        return PayloadTypeShape.Object;
    }

    /// <summary>The <c>JsonMetadataServices</c> converter property for a framework value type, or null.</summary>
    public static string? GetValueConverterName(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "BooleanConverter";
            case SpecialType.System_Byte: return "ByteConverter";
            case SpecialType.System_SByte: return "SByteConverter";
            case SpecialType.System_Int16: return "Int16Converter";
            case SpecialType.System_UInt16: return "UInt16Converter";
            case SpecialType.System_Int32: return "Int32Converter";
            case SpecialType.System_UInt32: return "UInt32Converter";
            case SpecialType.System_Int64: return "Int64Converter";
            case SpecialType.System_UInt64: return "UInt64Converter";
            case SpecialType.System_Single: return "SingleConverter";
            case SpecialType.System_Double: return "DoubleConverter";
            case SpecialType.System_Decimal: return "DecimalConverter";
            case SpecialType.System_Char: return "CharConverter";
            case SpecialType.System_String: return "StringConverter";
            case SpecialType.System_DateTime: return "DateTimeConverter";
        }

        if (type is IArrayTypeSymbol { IsSZArray: true, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return "ByteArrayConverter";
        }

        if (type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true } && type is INamedTypeSymbol { Arity: 0 })
        {
            switch (type.Name)
            {
                case "Guid": return "GuidConverter";
                case "DateTimeOffset": return "DateTimeOffsetConverter";
                case "DateOnly": return "DateOnlyConverter";
                case "TimeOnly": return "TimeOnlyConverter";
                case "TimeSpan": return "TimeSpanConverter";
                case "Uri": return "UriConverter";
                case "Version": return "VersionConverter";
                case "Half": return "HalfConverter";
                case "Int128": return "Int128Converter";
                case "UInt128": return "UInt128Converter";
            }
        }

        return null;
    }

    /// <summary>
    /// The constructor used to create an object when reading JSON: the one marked <c>[JsonConstructor]</c>; else the
    /// only accessible parameterized one when there is no accessible parameterless one; else the parameterless one.
    /// Null with a null <paramref name="reason"/> means "use the implicit struct default". Copy constructors never count.
    /// </summary>
    public static IMethodSymbol? GetDeserializationConstructor(INamedTypeSymbol type, IAssemblySymbol? within, out string? reason)
    {
        reason = null;
        var candidates = type.InstanceConstructors
            .Where(c => !IsCopyConstructor(type, c) && !c.IsImplicitlyDeclared || (c.IsImplicitlyDeclared && c.Parameters.Length == 0 && type.TypeKind == TypeKind.Class))
            .ToList();
        var marked = candidates.FirstOrDefault(c => c.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonConstructorAttribute"));
        IMethodSymbol? chosen;
        if (marked is not null)
        {
            chosen = marked;
        }
        else
        {
            var accessible = candidates.Where(c => IsAccessible(c, within)).ToList();
            var parameterless = accessible.FirstOrDefault(c => c.Parameters.Length == 0);
            var parameterized = accessible.Where(c => c.Parameters.Length > 0).ToList();
            if (parameterless is not null)
            {
                chosen = parameterless;
            }
            else if (parameterized.Count == 1)
            {
                chosen = parameterized[0];
            }
            else if (type.TypeKind == TypeKind.Struct && parameterized.Count == 0)
            {
                return null;
            }
            else
            {
                reason = parameterized.Count == 0
                    ? $"'{type.Name}' has no accessible constructor"
                    : $"'{type.Name}' has several constructors; mark one with [JsonConstructor]";
                return null;
            }
        }

        if (!IsAccessible(chosen, within))
        {
            reason = $"the constructor of '{type.Name}' is not accessible to generated code";
            return null;
        }

        var properties = GetSerializableProperties(type, within);
        foreach (var parameter in chosen.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                reason = $"constructor parameter '{parameter.Name}' of '{type.Name}' is passed by reference";
                return null;
            }

            if (FindPropertyForParameter(properties, parameter) is null)
            {
                reason = $"constructor parameter '{parameter.Name}' of '{type.Name}' does not match a readable property of the same name and type";
                return null;
            }
        }

        return chosen;
    }

    /// <summary>The property a constructor parameter binds to (same name ignoring case, same type), or null.</summary>
    public static IPropertySymbol? FindPropertyForParameter(ImmutableArray<IPropertySymbol> properties, IParameterSymbol parameter) =>
        properties.FirstOrDefault(p =>
            string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
            && SymbolEqualityComparer.Default.Equals(StripAnnotation(p.Type), StripAnnotation(parameter.Type)));

    /// <summary>
    /// Instance properties written to JSON: readable by generated code, not indexers, not <c>[JsonIgnore]</c>d.
    /// Ordered by declaration, base types first.
    /// </summary>
    public static ImmutableArray<IPropertySymbol> GetSerializableProperties(INamedTypeSymbol type, IAssemblySymbol? within)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            chain.Insert(0, current);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<IPropertySymbol>();
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            // Most-derived first so that overrides and 'new' hide base members; re-sorted below.
            foreach (var property in chain[i].GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.GetMethod is null || !seen.Add(property.Name)
                    || !IsAccessible(property, within) || !IsAccessible(property.GetMethod, within)
                    || property.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonIgnoreAttribute"))
                {
                    continue;
                }

                result.Add(property);
            }
        }

        var depth = chain.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i, SymbolEqualityComparer.Default);
        return result
            .OrderBy(p => depth.TryGetValue(p.ContainingType, out var d) ? d : 0)
            .ThenBy(p => p.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToImmutableArray();
    }

    /// <summary>The name from <c>[JsonPropertyName]</c>, or null.</summary>
    public static string? GetJsonPropertyName(IPropertySymbol property) =>
        property.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonPropertyNameAttribute")
            ?.ConstructorArguments.FirstOrDefault().Value as string;

    /// <summary>Whether generated code in <paramref name="within"/> may use the symbol (and its containing types).</summary>
    public static bool IsAccessible(ISymbol symbol, IAssemblySymbol? within)
    {
        for (var current = symbol; current is not null && current is not INamespaceSymbol; current = current.ContainingSymbol)
        {
            switch (current.DeclaredAccessibility)
            {
                case Accessibility.Public:
                case Accessibility.NotApplicable when current is ITypeSymbol:
                    break;
                case Accessibility.Internal:
                case Accessibility.ProtectedOrInternal:
                    if (within is not null && !SymbolEqualityComparer.Default.Equals(current.ContainingAssembly, within) && current.ContainingAssembly?.GivesAccessTo(within) != true)
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>The type without its nullable reference annotation (types are identified by their runtime type).</summary>
    public static ITypeSymbol StripAnnotation(ITypeSymbol type) =>
        type.NullableAnnotation == NullableAnnotation.Annotated && type.IsReferenceType
            ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)
            : type;

    private static bool IsCopyConstructor(INamedTypeSymbol type, IMethodSymbol constructor) =>
        constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    private static bool ContainsTypeParameter(INamedTypeSymbol type) =>
        type.TypeArguments.Any(t => t is ITypeParameterSymbol || (t is INamedTypeSymbol n && ContainsTypeParameter(n)) || (t is IArrayTypeSymbol a && a.ElementType is ITypeParameterSymbol))
        || (type.ContainingType is not null && ContainsTypeParameter(type.ContainingType));

    private static bool IsOrDerivesFrom(INamedTypeSymbol type, string fullName)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.ToDisplayString() == fullName)
            {
                return true;
            }
        }

        return false;
    }

    private static PayloadTypeShape Fail(out string? reason, string message)
    {
        reason = message;
        return PayloadTypeShape.Unsupported;
    }
}
