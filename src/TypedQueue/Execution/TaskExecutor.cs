using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TypedQueue.Diagnostics;
using TypedQueue.Dispatch;
using TypedQueue.Inspection;
using TypedQueue.Storage;

namespace TypedQueue.Execution;

/// <summary>Runs one claimed task: finds its handler, gives it a DI scope, and turns what happened into a <see cref="TaskCompletion"/>.</summary>
internal sealed class TaskExecutor(
    TaskHandlerTable handlers,
    IServiceScopeFactory scopes,
    RetryPolicy retryPolicy,
    TimeProvider timeProvider,
    ILogger<TaskExecutor> logger)
{
    /// <summary>Error type recorded when no handler in this process has the task's name.</summary>
    public const string UnknownTaskError = "TypedQueue.UnknownTask";

    public async Task<TaskCompletion> ExecuteAsync(ClaimedTask task, string workerId, CancellationToken stopping)
    {
        var definition = handlers.Find(task.Name);
        if (definition is null)
        {
            var reason = $"No handler for task name '{task.Name}' is registered in this application. Was the handler renamed without [QueueTask(Name = \"{task.Name}\")]?";
            Log.TaskDead(logger, null, task.Id, task.Name, task.Attempt, reason);
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, Now(), Error: new TaskError(UnknownTaskError, reason, null));
        }

        var context = new TaskContext(task.Id, task.Name, task.Queue, task.Attempt, task.MaxAttempts, task.EnqueuedAt, task.ScheduledAt, task.IdempotencyKey);
        try
        {
            string? result;
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                result = await definition.InvokeAsync(scope.ServiceProvider, task.Payload, context, stopping).ConfigureAwait(false);
            }

            Log.TaskSucceeded(logger, task.Id, task.Name, task.Attempt);
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Succeeded, Now(), Result: result);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: the attempt was not the handler's fault, so give the task back unspent.
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Released, Now());
        }
        catch (TaskPayloadException ex)
        {
            Log.TaskDead(logger, ex, task.Id, task.Name, task.Attempt, ex.Message);
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, Now(), Error: ToError(ex));
        }
        catch (Exception ex)
        {
            var now = Now();
            if (task.Attempt >= task.MaxAttempts)
            {
                Log.TaskDead(logger, ex, task.Id, task.Name, task.Attempt, $"attempts exhausted ({task.MaxAttempts})");
                return new TaskCompletion(task.Id, workerId, TaskOutcome.Dead, now, Error: ToError(ex));
            }

            var retryAt = now + retryPolicy.DelayAfter(task.Attempt);
            Log.TaskRetrying(logger, ex, task.Id, task.Name, task.Attempt, task.MaxAttempts, retryAt);
            return new TaskCompletion(task.Id, workerId, TaskOutcome.Retry, now, Error: ToError(ex), RetryAt: retryAt);
        }
    }

    private DateTimeOffset Now() => timeProvider.GetUtcNow();

    private static TaskError ToError(Exception ex) => new(ex.GetType().FullName ?? ex.GetType().Name, ex.Message, ex.StackTrace);
}
