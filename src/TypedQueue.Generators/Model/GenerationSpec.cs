namespace TypedQueue.Generators.Model;

/// <summary>A user-written <c>JsonSerializerContext</c> and the types it lists with <c>[JsonSerializable]</c>.</summary>
internal sealed record UserJsonContextSpec(string TypeName, EquatableArray<string> TypeNames);

/// <summary>Everything emitted for one assembly: valid handlers, JSON metadata and user contexts.</summary>
internal sealed record GenerationSpec(
    string Namespace,
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<JsonTypeSpec> JsonTypes,
    EquatableArray<string> UserContextTypeNames);
