using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TypedQueue.Dashboard.Data;
using TypedQueue.Dashboard.Pages;
using TypedQueue.Dashboard.Security;
using TypedQueue.Hosting;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard;

/// <summary>The dashboard's endpoints: pages answer GET, actions answer POST and redirect back (post/redirect/get).</summary>
internal sealed class DashboardRequestHandlers(DashboardOptions options, string basePath)
{
    private const int ThroughputMinutes = 60;

    // Fixed texts for the outcome shown after a redirect: the query string only ever selects one of them.
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["retried"] = "The task is pending again with a fresh set of attempts.",
        ["not-retryable"] = "Only dead or cancelled tasks can be retried; nothing changed.",
        ["cancelled"] = "The task is cancelled and will not run.",
        ["cancel-requested"] = "The task is running: its worker has been asked to cancel it.",
        ["already-finished"] = "The task had already finished; nothing changed.",
        ["purged"] = "Finished tasks older than the given age were deleted.",
        ["deleted"] = "The task was deleted.",
        ["delete-running"] = "The task is running, so it was not deleted: cancel it first.",
    };

    private TaskTableReader? _reader;

    public async Task OverviewAsync(HttpContext context)
    {
        if (!await AllowReadAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var queue = context.RequestServices.GetRequiredService<ITaskQueue>();
        var statistics = await queue.GetStatisticsAsync(context.RequestAborted).ConfigureAwait(false);
        var paused = (await queue.ListQueuesAsync(context.RequestAborted).ConfigureAwait(false)).Where(static q => q.IsPaused).Select(static q => q.Name).ToHashSet(StringComparer.Ordinal);
        var now = (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var throughput = await Reader(context).ReadThroughputAsync(now, ThroughputMinutes, context.RequestAborted).ConfigureAwait(false);
        var notice = Notice(context);
        if (notice is not null && context.Request.Query["count"] is [{ } count] && long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var purged))
        {
            notice = $"{purged} finished task(s) older than the given age were deleted.";
        }

        await WriteHtmlAsync(context, StatusCodes.Status200OK, OverviewPage.Render(options, basePath, statistics, paused, throughput, RequestChecks.CanAct(context, options), notice)).ConfigureAwait(false);
    }

    public async Task TaskListAsync(HttpContext context)
    {
        if (!await AllowReadAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var query = context.Request.Query;
        TaskState? state = null;
        if (Blank(query["state"]) is { } stateText)
        {
            if (!Enum.TryParse<TaskState>(stateText, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest, "Unknown state. Use one of: " + string.Join(", ", PageLayout.States) + ".").ConfigureAwait(false);
                return;
            }

            state = parsed;
        }

        long afterId = 0;
        if (Blank(query["after"]) is { } afterText && !long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "'after' must be a task id.").ConfigureAwait(false);
            return;
        }

        var filter = new TaskQuery { State = state, Queue = Blank(query["queue"]), Name = Blank(query["name"]), AfterId = afterId, Limit = options.PageSize };
        var taskQueue = context.RequestServices.GetRequiredService<ITaskQueue>();
        var tasks = await taskQueue.ListTasksAsync(filter, context.RequestAborted).ConfigureAwait(false);

        var statistics = await taskQueue.GetStatisticsAsync(context.RequestAborted).ConfigureAwait(false);
        var queues = statistics.Counts.Select(c => c.Queue).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await WriteHtmlAsync(context, StatusCodes.Status200OK, TaskListPage.Render(options, basePath, filter, queues, tasks)).ConfigureAwait(false);
    }

    public async Task TaskDetailAsync(HttpContext context)
    {
        if (!await AllowReadAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var id = TaskId(context);
        var task = await context.RequestServices.GetRequiredService<ITaskQueue>().GetTaskAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (task is null)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"There is no task {id}.").ConfigureAwait(false);
            return;
        }

        await WriteHtmlAsync(context, StatusCodes.Status200OK, TaskDetailPage.Render(options, basePath, task, RequestChecks.CanAct(context, options), Notice(context))).ConfigureAwait(false);
    }

    public async Task RetryAsync(HttpContext context)
    {
        if (!await AllowActionAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var id = TaskId(context);
        var queue = context.RequestServices.GetRequiredService<ITaskQueue>();
        if (await queue.GetTaskAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"There is no task {id}.").ConfigureAwait(false);
            return;
        }

        var requeued = await queue.RequeueAsync(id, context.RequestAborted).ConfigureAwait(false);
        RedirectToTask(context, id, requeued ? "retried" : "not-retryable");
    }

    public async Task CancelAsync(HttpContext context)
    {
        if (!await AllowActionAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var id = TaskId(context);
        var result = await context.RequestServices.GetRequiredService<ITaskQueue>().CancelAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (result == CancelResult.NotFound)
        {
            await WriteTextAsync(context, StatusCodes.Status404NotFound, $"There is no task {id}.").ConfigureAwait(false);
            return;
        }

        RedirectToTask(context, id, result switch
        {
            CancelResult.Cancelled => "cancelled",
            CancelResult.CancellationRequested => "cancel-requested",
            _ => "already-finished",
        });
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (!await AllowActionAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var id = TaskId(context);
        switch (await context.RequestServices.GetRequiredService<ITaskQueue>().DeleteTaskAsync(id, context.RequestAborted).ConfigureAwait(false))
        {
            case DeleteResult.NotFound:
                await WriteTextAsync(context, StatusCodes.Status404NotFound, $"There is no task {id}.").ConfigureAwait(false);
                return;
            case DeleteResult.Running:
                RedirectToTask(context, id, "delete-running");
                return;
            default:
                // The task page is gone; the overview shows the notice.
                context.Response.Redirect(HtmlWriter.Url(context.Request.PathBase + basePath + "/", ("done", "deleted")));
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                return;
        }
    }

    public async Task PurgeAsync(HttpContext context)
    {
        if (!await AllowActionAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false) : null;
        if (form is null || !int.TryParse(form["olderThanDays"], NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days > 36_500)
        {
            await WriteTextAsync(context, StatusCodes.Status400BadRequest, "'olderThanDays' must be a whole number of days.").ConfigureAwait(false);
            return;
        }

        var now = (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var purged = await context.RequestServices.GetRequiredService<ITaskQueue>().PurgeFinishedAsync(now - TimeSpan.FromDays(days), context.RequestAborted).ConfigureAwait(false);
        context.Response.Redirect(HtmlWriter.Url(context.Request.PathBase + basePath + "/", ("done", "purged"), ("count", purged.ToString(CultureInfo.InvariantCulture))));
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private async Task<bool> AllowReadAsync(HttpContext context)
    {
        if (RequestChecks.CanRead(context, options))
        {
            return true;
        }

        await WriteTextAsync(context, StatusCodes.Status403Forbidden, "Not authorized to view the TypedQueue dashboard.").ConfigureAwait(false);
        return false;
    }

    private async Task<bool> AllowActionAsync(HttpContext context)
    {
        if (!RequestChecks.CanAct(context, options))
        {
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, options.AllowActions
                ? "Not authorized to change tasks on the TypedQueue dashboard."
                : "The TypedQueue dashboard is read-only (DashboardOptions.AllowActions is off).").ConfigureAwait(false);
            return false;
        }

        if (!RequestChecks.IsSameOrigin(context.Request))
        {
            await WriteTextAsync(context, StatusCodes.Status403Forbidden, "Refused: the request did not come from a dashboard page on this host (Origin/Referer check).").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private void RedirectToTask(HttpContext context, long id, string outcome)
    {
        context.Response.Redirect(HtmlWriter.Url(context.Request.PathBase + basePath + "/tasks/" + id.ToString(CultureInfo.InvariantCulture), ("done", outcome)));
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
    }

    private TaskTableReader Reader(HttpContext context) =>
        _reader ??= new TaskTableReader(context.RequestServices.GetRequiredService<IOptions<TypedQueueOptions>>());

    private static long TaskId(HttpContext context) =>
        long.Parse((string)context.Request.RouteValues["id"]!, CultureInfo.InvariantCulture);

    private static string? Notice(HttpContext context) =>
        context.Request.Query["done"] is [{ } key] && Notices.TryGetValue(key, out var text) ? text : null;

    private static string? Blank(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString();

    private static Task WriteHtmlAsync(HttpContext context, int status, string html)
    {
        SetSecurityHeaders(context.Response);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        SetSecurityHeaders(context.Response);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    // No script runs on these pages, so a strict policy costs nothing and stops injected markup from running.
    private static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }
}
