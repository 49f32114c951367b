namespace TypedQueue;

/// <summary>The payload of a handler declared with <c>[QueueTask(Cron = ...)]</c>: which recurring entry fired, and for which occurrence.</summary>
/// <param name="RecurringId">The recurring entry's id (the task's wire name for attribute-declared entries).</param>
/// <param name="ScheduledAt">The occurrence this run is for, in UTC.</param>
public sealed record ScheduledOccurrence(string RecurringId, DateTimeOffset ScheduledAt);
