namespace TypedQueue.Generators;

/// <summary>Names of the generator's pipeline steps, used by incrementality tests.</summary>
internal static class TrackingNames
{
    public const string Handlers = nameof(Handlers);
    public const string ValidHandlers = nameof(ValidHandlers);
    public const string AllHandlers = nameof(AllHandlers);
    public const string UserJsonContexts = nameof(UserJsonContexts);
    public const string AllUserJsonContexts = nameof(AllUserJsonContexts);
    public const string AssemblyNamespace = nameof(AssemblyNamespace);
    public const string Generation = nameof(Generation);
    public const string StorePackages = nameof(StorePackages);
}
