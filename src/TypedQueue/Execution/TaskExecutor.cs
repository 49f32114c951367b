using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>
/// Runs one claimed task: finds its handler, gives it a DI scope and a token (host stop, timeout, cancellation
/// request), and turns what happened into a <see cref="TaskCompletion"/>.
/// </summary>
internal sealed class TaskExecutor(
    TaskHandlerTable handlers,
    IServiceScopeFactory scopes,
    RetryPolicy retryPolicy,
    RunningTasks running,
    TimeProvider timeProvider,
    IOptions<TypedQueueOptions> options,
    TaskMetrics metrics,
    ILogger<TaskExecutor> logger)
{
    /// <summary>Error type recorded when no handler in this process has the task's name.</summary>
    public const string UnknownTaskError = "TypedQueue.UnknownTask";

    /// <summary>Error type recorded when an attempt ran past its timeout.</summary>
    public const string TimeoutError = "TypedQueue.Timeout";

    private readonly TimeSpan _defaultTimeout = options.Value.DefaultTimeout;

    public async ValueTask<TaskCompletion> ExecuteAsync(ClaimedTask task, string workerId, CancellationToken stopping)
    {
        // Telemetry: a consumer span when someone listens (null otherwise), the queue wait, and a timestamp for the run time.
        using var activity = TaskTracing.StartProcess(task);
        var started = timeProvider.GetTimestamp();
        metrics.Started(task);
        var definition = handlers.Find(task.Name);
        if (definition is null)
        {
            var reason = $"No handler for task name '{task.Name}' is registered in this application. Was the handler renamed without [QueueTask(Name = \"{task.Name}\")]?";
            Log.TaskDead(logger, null, task.Id, task.Name, task.Attempt, reason);
            return Finish(task, activity, started, null, new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, Now(), Error: new TaskError(UnknownTaskError, reason, null)));
        }

        var context = new TaskContext(task.Id, task.Name, task.Queue, task.Attempt, task.MaxAttempts, task.EnqueuedAt, task.ScheduledAt, task.IdempotencyKey);
        var timeout = definition.Timeout ?? _defaultTimeout;
        using var attempt = new RunningTask(task.Id, timeout, timeProvider, stopping);
        running.Add(attempt);
        try
        {
            string? result;
            var scope = scopes.CreateAsyncScope();
            try
            {
                result = await definition.InvokeAsync(scope.ServiceProvider, task.Payload, context, attempt.Token).ConfigureAwait(false);
            }
            finally
            {
                await scope.DisposeAsync().ConfigureAwait(false); // not "await using": ConfigureAwait on the scope would box it for every task
            }

            Log.TaskSucceeded(logger, task.Id, task.Name, task.Attempt);
            return Finish(task, activity, started, null, new TaskCompletion(task.Id, workerId, TaskOutcome.Succeeded, Now(), Result: result));
        }
        catch (OperationCanceledException ex) when (attempt.Token.IsCancellationRequested)
        {
            return Finish(task, activity, started, ex, attempt.Reason switch
            {
                RunningTask.StopReason.CancelRequested => Cancelled(task, workerId),
                RunningTask.StopReason.TimedOut => Failed(task, workerId, new TaskError(TimeoutError, $"The attempt ran longer than its timeout ({timeout}).", ex.StackTrace), ex),
                // The host is stopping: the attempt was not the handler's fault, so give the task back unspent.
                _ => new TaskCompletion(task.Id, workerId, TaskOutcome.Released, Now()),
            });
        }
        catch (TaskPayloadException ex)
        {
            Log.TaskDead(logger, ex, task.Id, task.Name, task.Attempt, ex.Message);
            return Finish(task, activity, started, ex, new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, Now(), Error: ToError(ex)));
        }
        catch (NonRetryableTaskException ex)
        {
            Log.TaskDead(logger, ex, task.Id, task.Name, task.Attempt, "the handler said retrying cannot help");
            return Finish(task, activity, started, ex, new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, Now(), Error: ToError(ex)));
        }
        catch (Exception ex)
        {
            return Finish(task, activity, started, ex, Failed(task, workerId, ToError(ex), ex));
        }
        finally
        {
            running.Remove(attempt);
        }
    }

    /// <summary>Every outcome passes here: it is counted, timed and written on the attempt's span.</summary>
    private TaskCompletion Finish(ClaimedTask task, System.Diagnostics.Activity? activity, long started, Exception? exception, TaskCompletion completion)
    {
        metrics.Finished(task, completion.Outcome, timeProvider.GetElapsedTime(started));
        TaskTracing.Finished(activity, completion, exception);
        return completion;
    }

    private TaskCompletion Failed(ClaimedTask task, string workerId, TaskError error, Exception ex)
    {
        var now = Now();
        if (task.Attempt >= task.MaxAttempts)
        {
            Log.TaskDead(logger, ex, task.Id, task.Name, task.Attempt, $"attempts exhausted ({task.MaxAttempts})");
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, now, Error: error);
        }

        var retryAt = now + retryPolicy.DelayAfter(task.Attempt);
        Log.TaskRetrying(logger, ex, task.Id, task.Name, task.Attempt, task.MaxAttempts, retryAt);
        return new TaskCompletion(task.Id, workerId, TaskOutcome.Retry, now, Error: error, RetryAt: retryAt);
    }

    private TaskCompletion Cancelled(ClaimedTask task, string workerId)
    {
        Log.TaskCancelled(logger, task.Id, task.Name, task.Attempt);
        return new TaskCompletion(task.Id, workerId, TaskOutcome.Cancelled, Now());
    }

    private DateTimeOffset Now() => timeProvider.GetUtcNow();

    private static TaskError ToError(Exception ex) => new(ex.GetType().FullName ?? ex.GetType().Name, ex.Message, ex.StackTrace);
}
