using Microsoft.Extensions.Options;

namespace TypedQueue.Hosting;

/// <summary>Rejects settings that cannot work, at start-up, with every problem in one message.</summary>
internal sealed class TypedQueueOptionsValidator : IValidateOptions<TypedQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, TypedQueueOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath) && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("TypedQueue:DatabasePath (or a connection string) is required.");
        }

        var store = Storage.TaskStoreProviders.SelectedName(options);
        Check(Storage.TaskStoreProviders.IsKnown(store), $"TypedQueue:Store '{store}' is not a store: use Sqlite or PostgreSql.");
        Check(options.Concurrency is >= 1 and <= 10_000, "TypedQueue:Concurrency must be between 1 and 10000.");
        Check(InRange(options.PollInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)), "TypedQueue:PollInterval must be between 1 ms and 1 hour.");
        Check(InRange(options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)), "TypedQueue:LeaseDuration must be between 1 second and 7 days.");
        Check(InRange(options.HeartbeatInterval, TimeSpan.FromMilliseconds(10), options.LeaseDuration / 2), "TypedQueue:HeartbeatInterval must be at least 10 ms and at most half of LeaseDuration, so a live worker renews its leases before they expire.");
        Check(InRange(options.DefaultTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7)), "TypedQueue:DefaultTimeout must be between 1 ms and 7 days.");
        Check(options.MaxPayloadBytes is >= 16 and <= 256 * 1024 * 1024, "TypedQueue:MaxPayloadBytes must be between 16 bytes and 256 MiB.");
        Check(InRange(options.RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromDays(1)), "TypedQueue:RetryBaseDelay must be between 0 and 1 day.");
        Check(InRange(options.RetryMaxDelay, options.RetryBaseDelay, TimeSpan.FromDays(30)), "TypedQueue:RetryMaxDelay must be at least RetryBaseDelay and at most 30 days.");
        Check(options.RetryJitter is >= 0 and <= 1, "TypedQueue:RetryJitter must be between 0 and 1.");
        Check(InRange(options.ShutdownTimeout, TimeSpan.Zero, TimeSpan.FromHours(1)), "TypedQueue:ShutdownTimeout must be between 0 and 1 hour.");
        Check(Enum.IsDefined(options.CatchUp), "TypedQueue:CatchUp must be One, Skip or All.");
        Check(options.MaxCatchUpRuns is >= 1 and <= 10_000, "TypedQueue:MaxCatchUpRuns must be between 1 and 10000.");
        Check(InRange(options.MisfireThreshold, TimeSpan.Zero, TimeSpan.FromDays(1)), "TypedQueue:MisfireThreshold must be between 0 and 1 day.");
        Check(Enum.IsDefined(options.Durability), "TypedQueue:Durability must be Normal or Full.");
        Check(Enum.IsDefined(options.QueueOrder), "TypedQueue:QueueOrder must be Priority, Strict or Weighted.");
        foreach (var (queueName, queue) in options.Queues ?? [])
        {
            var key = $"TypedQueue:Queues:{queueName}";
            Check(QueueNames.IsValid(queueName), $"{key}: {QueueNames.Rule}");
            if (queue is null)
            {
                failures.Add($"{key} has no settings.");
                continue;
            }

            Check(queue.Concurrency is null or (>= 1 and <= 10_000), $"{key}:Concurrency must be between 1 and 10000 (or not set).");
            Check(queue.Weight is >= 1 and <= 1000, $"{key}:Weight must be between 1 and 1000.");
            Check(Enum.IsDefined(queue.Order), $"{key}:Order must be Fifo or Lifo.");
            Check(queue.RateLimit is null or >= 1, $"{key}:RateLimit must be at least 1 (or not set).");
            Check(InRange(queue.RateLimitPeriod, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(7)), $"{key}:RateLimitPeriod must be between 1 ms and 7 days.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool ok, string failure)
        {
            if (!ok)
            {
                failures.Add(failure);
            }
        }
    }

    private static bool InRange(TimeSpan value, TimeSpan min, TimeSpan max) => value >= min && value <= max;
}
