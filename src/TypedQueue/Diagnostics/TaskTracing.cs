using System.Diagnostics;
using TypedQueue.Storage;

namespace TypedQueue.Diagnostics;

/// <summary>
/// Spans after the OpenTelemetry messaging conventions: "publish {task}" (Producer) around an enqueue, "process {task}"
/// (Consumer) around an attempt. The enqueue's trace context is stored with the task; the attempt's span takes it as its
/// parent and also links to it (the conventions' link, plus the parent that puts both spans in one trace). Nothing is
/// created, captured or allocated unless something listens.
/// </summary>
internal static class TaskTracing
{
    public static readonly ActivitySource Source = new(TypedQueueTelemetry.ActivitySourceName, typeof(TaskTracing).Assembly.GetName().Version?.ToString());

    public const string MessagingSystem = "messaging.system";
    public const string OperationName = "messaging.operation.name";
    public const string OperationType = "messaging.operation.type";
    public const string DestinationName = "messaging.destination.name";
    public const string MessageId = "messaging.message.id";
    public const string BatchCount = "messaging.batch.message_count";
    public const string TaskName = "typedqueue.task.name";
    public const string Attempt = "typedqueue.task.attempt";
    public const string Outcome = "typedqueue.task.outcome";
    public const string ErrorType = "error.type";
    public const string SystemName = "typedqueue";

    /// <summary>Starts the producer span of an enqueue of <paramref name="count"/> tasks, or returns null when nobody listens.</summary>
    public static Activity? StartPublish(string taskName, string queue, int count)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(ActivityKind.Producer, name: "publish " + taskName, tags:
        [
            new(MessagingSystem, SystemName),
            new(OperationName, "publish"),
            new(OperationType, "send"),
            new(DestinationName, queue),
            new(TaskName, taskName),
        ]);
        if (activity is { IsAllDataRequested: true } && count != 1)
        {
            activity.SetTag(BatchCount, count);
        }

        return activity;
    }

    /// <summary>Adds the task id to a publish span once the store assigned it.</summary>
    public static void Published(Activity? activity, long id)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessageId, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Marks a publish span as failed; always false, so it can sit in an exception filter without catching.</summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetTag(ErrorType, exception.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        }

        return false;
    }

    /// <summary>
    /// The trace context to store with an enqueued task: the current activity's (the publish span, or the caller's own
    /// when TypedQueue's source has no listener), in W3C form; none when there is no current activity.
    /// </summary>
    public static (string? TraceParent, string? TraceState) CurrentContext()
    {
        var current = Activity.Current;
        return current is { IdFormat: ActivityIdFormat.W3C } ? (current.Id, current.TraceStateString) : (null, null);
    }

    /// <summary>Starts the consumer span of one attempt, or returns null when nobody listens.</summary>
    public static Activity? StartProcess(ClaimedTask task)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext parent = default;
        ActivityLink[]? links = null;
        if (task.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, task.TraceState, isRemote: true, out var enqueued))
        {
            parent = enqueued;
            links = [new ActivityLink(enqueued)];
        }

        var activity = Source.StartActivity(ActivityKind.Consumer, parent, name: "process " + task.Name, links: links, tags:
        [
            new(MessagingSystem, SystemName),
            new(OperationName, "process"),
            new(OperationType, "process"),
            new(DestinationName, task.Queue),
            new(MessageId, task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(TaskName, task.Name),
            new(Attempt, task.Attempt),
        ]);
        return activity;
    }

    /// <summary>Records an attempt's outcome on its span; failures set the error status and <c>error.type</c>.</summary>
    public static void Finished(Activity? activity, TaskCompletion completion, Exception? exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(Outcome, OutcomeName(completion.Outcome));
        if (completion.Error is { } error && completion.Outcome is TaskOutcome.Retry or TaskOutcome.Dead)
        {
            activity.SetTag(ErrorType, error.Type);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            if (exception is not null && activity.IsAllDataRequested)
            {
                activity.AddException(exception);
            }
        }
    }

    public static string OutcomeName(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Succeeded => "succeeded",
        TaskOutcome.Retry => "retry",
        TaskOutcome.Dead => "dead",
        TaskOutcome.Released => "released",
        TaskOutcome.Cancelled => "cancelled",
        _ => "unknown",
    };
}
