namespace TypedQueue.Scheduling;

/// <summary>What a recurring entry does with occurrences that fell due while no worker ran.</summary>
public enum RecurringCatchUp
{
    /// <summary>Enqueue one run, for the most recent due occurrence.</summary>
    One,

    /// <summary>Enqueue nothing for missed occurrences; an occurrence found within <see cref="TypedQueueOptions.MisfireThreshold"/> of its time still runs.</summary>
    Skip,

    /// <summary>Enqueue every missed occurrence, the most recent <see cref="TypedQueueOptions.MaxCatchUpRuns"/> at most.</summary>
    All,
}
