using Microsoft.CodeAnalysis;

namespace TypedQueue.Analyzers;

/// <summary>The TypedQueue and BCL types the analyzers compare against, resolved once per compilation.</summary>
internal sealed class TypedQueueSymbols
{
    private TypedQueueSymbols(
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
