using System.Collections.Concurrent;

namespace TypedQueue.Dispatch;

/// <summary>
/// Where generated dispatch tables register themselves (from a module initializer), so that
/// <c>AddTypedQueue()</c> finds every handler without assembly scanning.
/// </summary>
public static class TaskRegistry
{
    private static readonly ConcurrentDictionary<string, TaskDefinition> s_definitions = new(StringComparer.Ordinal);

    /// <summary>Registers definitions; a second registration of the same instance is ignored.</summary>
    /// <exception cref="InvalidOperationException">Two different definitions claim the same task name.</exception>
    public static void Register(params ReadOnlySpan<TaskDefinition> definitions)
    {
        foreach (var definition in definitions)
        {
            var existing = s_definitions.GetOrAdd(definition.Name, definition);
            if (!ReferenceEquals(existing, definition))
            {
                throw new InvalidOperationException($"Two handlers claim the task name '{definition.Name}'. Task names must be unique across the assemblies of one application; set [QueueTask(Name = ...)] to tell them apart.");
            }
        }
    }

    /// <summary>Every definition registered so far, ordered by name.</summary>
    public static IReadOnlyList<TaskDefinition> All => [.. s_definitions.Values.OrderBy(d => d.Name, StringComparer.Ordinal)];

    /// <summary>Finds a definition by its wire name.</summary>
    public static TaskDefinition? Find(string name) => s_definitions.GetValueOrDefault(name);
}
