namespace TypedQueue.Inspection;

/// <summary>A queue that has tasks or was ever paused, and whether it is paused now.</summary>
/// <param name="Name">The queue's name.</param>
/// <param name="IsPaused">Whether workers leave its pending tasks alone.</param>
/// <param name="PausedAt">When it was paused; null when it is not paused.</param>
public sealed record QueueInfo(string Name, bool IsPaused, DateTimeOffset? PausedAt);
