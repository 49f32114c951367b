using Microsoft.CodeAnalysis;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>The BCL and TypedQueue types the idempotency rules recognize, resolved once per compilation.</summary>
internal sealed class IdempotencyTypes
{
    public IdempotencyTypes(Compilation compilation, TypedQueueSymbols symbols)
    {
        Symbols = symbols;
        EnqueueOptions = compilation.GetTypeByMetadataName("TypedQueue.EnqueueOptions");
        TaskQueue = compilation.GetTypeByMetadataName("TypedQueue.ITaskQueue");
        HttpClient = compilation.GetTypeByMetadataName("System.Net.Http.HttpClient");
        HttpRequestMessage = compilation.GetTypeByMetadataName("System.Net.Http.HttpRequestMessage");
        HttpMethod = compilation.GetTypeByMetadataName("System.Net.Http.HttpMethod");
        File = compilation.GetTypeByMetadataName("System.IO.File");
        FileInfo = compilation.GetTypeByMetadataName("System.IO.FileInfo");
        Directory = compilation.GetTypeByMetadataName("System.IO.Directory");
        Path = compilation.GetTypeByMetadataName("System.IO.Path");
        FileMode = compilation.GetTypeByMetadataName("System.IO.FileMode");
        FileStream = compilation.GetTypeByMetadataName("System.IO.FileStream");
        StreamWriter = compilation.GetTypeByMetadataName("System.IO.StreamWriter");
        Interlocked = compilation.GetTypeByMetadataName("System.Threading.Interlocked");
        Guid = compilation.GetTypeByMetadataName("System.Guid");
        DateTime = compilation.GetTypeByMetadataName("System.DateTime");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        TimeProvider = compilation.GetTypeByMetadataName("System.TimeProvider");
        Random = compilation.GetTypeByMetadataName("System.Random");
        RandomNumberGenerator = compilation.GetTypeByMetadataName("System.Security.Cryptography.RandomNumberGenerator");
        Environment = compilation.GetTypeByMetadataName("System.Environment");
        Stopwatch = compilation.GetTypeByMetadataName("System.Diagnostics.Stopwatch");
    }

    public TypedQueueSymbols Symbols { get; }

    public INamedTypeSymbol? EnqueueOptions { get; }

    public INamedTypeSymbol? TaskQueue { get; }

    public INamedTypeSymbol? HttpClient { get; }

    public INamedTypeSymbol? HttpRequestMessage { get; }

    public INamedTypeSymbol? HttpMethod { get; }

    public INamedTypeSymbol? File { get; }

    public INamedTypeSymbol? FileInfo { get; }

    public INamedTypeSymbol? Directory { get; }

    public INamedTypeSymbol? Path { get; }

    public INamedTypeSymbol? FileMode { get; }

    public INamedTypeSymbol? FileStream { get; }

    public INamedTypeSymbol? StreamWriter { get; }

    public INamedTypeSymbol? Interlocked { get; }

    public INamedTypeSymbol? Guid { get; }

    public INamedTypeSymbol? DateTime { get; }

    public INamedTypeSymbol? DateTimeOffset { get; }

    public INamedTypeSymbol? TimeProvider { get; }

    public INamedTypeSymbol? Random { get; }

    public INamedTypeSymbol? RandomNumberGenerator { get; }

    public INamedTypeSymbol? Environment { get; }

    public INamedTypeSymbol? Stopwatch { get; }

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);

    /// <summary>True for <paramref name="expected"/> and classes derived from it (a typed HttpClient, a seeded Random).</summary>
    public static bool IsOrDerives(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, expected))
            {
                return true;
            }
        }

        return false;
    }
}
