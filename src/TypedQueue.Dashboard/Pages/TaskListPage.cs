using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Pages;

/// <summary>A filtered, paged list of tasks (oldest id first, like <see cref="ITaskQueue.ListTasksAsync(TaskQuery, CancellationToken)"/>).</summary>
internal static class TaskListPage
{
    public static string Render(DashboardOptions options, string basePath, TaskQuery filter, IReadOnlyList<string> queues, IReadOnlyList<TaskInfo> tasks) =>
        PageLayout.Render(options.Title, basePath, filter.State is { } s ? $"{s} tasks" : "Tasks", html =>
        {
            html.Raw("<form class=\"filters\" method=\"get\" action=\"").Text(basePath + "/tasks").Raw("\"><label>State<select name=\"state\"><option value=\"\">any</option>");
            foreach (var state in PageLayout.States)
            {
                html.Raw("<option").Raw(filter.State == state ? " selected" : "").Raw(">").Text(state.ToString()).Raw("</option>");
            }

            html.Raw("</select></label><label>Queue<select name=\"queue\"><option value=\"\">any</option>");
            foreach (var queue in queues.Contains(filter.Queue ?? "", StringComparer.Ordinal) || filter.Queue is null ? queues : [.. queues, filter.Queue])
            {
                html.Raw("<option value=\"").Text(queue).Raw("\"").Raw(filter.Queue == queue ? " selected" : "").Raw(">").Text(queue).Raw("</option>");
            }

            html.Raw("</select></label><label>Name<input name=\"name\" value=\"").Text(filter.Name)
                .Raw("\" placeholder=\"exact task name\"></label><button type=\"submit\">Filter</button><a href=\"").Text(basePath + "/tasks").Raw("\">clear</a></form>");

            html.Raw("<table id=\"tasks\"><thead><tr><th class=\"n\">Id</th><th>Name</th><th>Queue</th><th>State</th><th class=\"n\">Attempts</th><th>Enqueued</th><th>Finished</th><th>Last error</th></tr></thead><tbody>");
            if (tasks.Count == 0)
            {
                html.Raw("<tr><td colspan=\"8\" class=\"muted\">No tasks match.</td></tr>");
            }

            foreach (var task in tasks)
            {
                var detail = basePath + "/tasks/" + task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                html.Raw("<tr data-id=\"").Text(task.Id).Raw("\"><td class=\"n\"><a href=\"").Text(detail).Raw("\">").Text(task.Id).Raw("</a></td><td>")
                    .Text(task.Name).Raw("</td><td>").Text(task.Queue).Raw("</td><td>");
                PageLayout.StateBadge(html, task.State);
                html.Raw("</td><td class=\"n\">").Text(task.Attempts).Raw("/").Text(task.MaxAttempts).Raw("</td><td>").Time(task.EnqueuedAt).Raw("</td><td>").Time(task.FinishedAt)
                    .Raw("</td><td>").Text(Shorten(task.LastError?.Message)).Raw("</td></tr>");
            }

            html.Raw("</tbody></table><div class=\"pager\">");
            if (filter.AfterId > 0)
            {
                html.Raw("<a href=\"").Text(Url(basePath, filter, 0)).Raw("\">&laquo; first page</a>");
            }

            if (tasks.Count == filter.Limit)
            {
                html.Raw("<a rel=\"next\" href=\"").Text(Url(basePath, filter, tasks[^1].Id)).Raw("\">next page &raquo;</a>");
            }

            html.Raw("</div>");
        });

    private static string Url(string basePath, TaskQuery filter, long afterId) =>
        HtmlWriter.Url(basePath + "/tasks", ("state", filter.State?.ToString()), ("queue", filter.Queue), ("name", filter.Name),
            ("after", afterId > 0 ? afterId.ToString(System.Globalization.CultureInfo.InvariantCulture) : null));

    private static string? Shorten(string? text) => text is { Length: > 120 } ? string.Concat(text.AsSpan(0, 117), "...") : text;
}
