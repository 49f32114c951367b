namespace TypedQueue.Hosting;

/// <summary>The one rule for queue names, for options and for pausing or resuming a queue.</summary>
internal static class QueueNames
{
    /// <summary>Why a name was refused.</summary>
    public const string Rule = "a queue name must be non-empty and free of control characters.";

    public static bool IsValid(string? name) => !string.IsNullOrWhiteSpace(name) && !name.Any(char.IsControl);
}
