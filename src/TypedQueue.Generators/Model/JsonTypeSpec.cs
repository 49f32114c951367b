using TypedQueue.Generators.Shared;

namespace TypedQueue.Generators.Model;

/// <summary>JSON metadata to generate for one type reachable from a payload or result.</summary>
/// <param name="TypeName">The global-qualified type, without nullable reference annotations.</param>
/// <param name="FriendlyName">A readable identifier fragment (e.g. <c>ListOfEmailPayload</c>); made unique by the emitter.</param>
/// <param name="Shape">How the type is serialized.</param>
/// <param name="UnsupportedReason">Why the type is unsupported, when <paramref name="Shape"/> is Unsupported.</param>
/// <param name="ValueConverter">The <c>JsonMetadataServices</c> converter property for a Value shape.</param>
/// <param name="ElementTypeName">The element, dictionary value or nullable underlying type.</param>
/// <param name="IsValueType">Whether the type is a struct.</param>
/// <param name="Creation">How an object is created when reading.</param>
/// <param name="Properties">Serialized properties of an Object shape.</param>
/// <param name="Parameters">Constructor parameters of an Object shape created with a parameterized constructor.</param>
/// <param name="Dependencies">Types the metadata refers to (walked to decide what is reachable).</param>
internal sealed record JsonTypeSpec(
    string TypeName,
    string FriendlyName,
    PayloadTypeShape Shape,
    string? UnsupportedReason,
    string? ValueConverter,
    string? ElementTypeName,
    bool IsValueType,
    ObjectCreationKind Creation,
    EquatableArray<JsonPropertySpec> Properties,
    EquatableArray<JsonParameterSpec> Parameters,
    EquatableArray<string> Dependencies);

/// <summary>How the generated metadata creates an object.</summary>
internal enum ObjectCreationKind
{
    /// <summary>Not an object, or an object that can only be written.</summary>
    None,

    /// <summary><c>new T()</c>.</summary>
    Parameterless,

    /// <summary><c>new T(args…)</c>.</summary>
    Parameterized,

    /// <summary>An <c>[UnsafeAccessor]</c> constructor call, because the type has <c>required</c> members.</summary>
    ParameterlessAccessor,

    /// <summary>An <c>[UnsafeAccessor]</c> constructor call with arguments, because the type has <c>required</c> members.</summary>
    ParameterizedAccessor,
}

/// <summary>How a property is assigned when reading.</summary>
internal enum PropertySetterKind
{
    /// <summary>Read-only, or bound to a constructor parameter.</summary>
    None,

    /// <summary>An accessible setter.</summary>
    Direct,

    /// <summary>An <c>init</c> accessor, called through <c>[UnsafeAccessor]</c>.</summary>
    InitAccessor,
}

/// <summary>One serialized property.</summary>
internal sealed record JsonPropertySpec(
    string Name,
    string? JsonName,
    string TypeName,
    string DeclaringTypeName,
    PropertySetterKind Setter,
    bool IsRequired);

/// <summary>One constructor parameter.</summary>
internal sealed record JsonParameterSpec(
    string Name,
    string TypeName,
    int Position,
    bool IsNullable,
    string? DefaultValueExpression);
