namespace TypedQueue.Dispatch;

/// <summary>The handlers this application can run, by wire name: the generated definitions registered in <see cref="TaskRegistry"/>.</summary>
internal sealed class TaskHandlerTable
{
    private readonly Dictionary<string, TaskDefinition> _byName;

    public TaskHandlerTable(IEnumerable<TaskDefinition> definitions)
    {
        _byName = new Dictionary<string, TaskDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (_byName.TryGetValue(definition.Name, out var existing) && !ReferenceEquals(existing, definition))
            {
                throw new InvalidOperationException($"Two handlers claim the task name '{definition.Name}'.");
            }

            _byName[definition.Name] = definition;
        }
    }

    public int Count => _byName.Count;

    /// <summary>Every definition, in no particular order.</summary>
    public IEnumerable<TaskDefinition> Definitions => _byName.Values;

    public TaskDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}
