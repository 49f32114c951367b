using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Pages;

/// <summary>One task: its fields, payload and result pretty-printed, its last error, and the actions its state allows.</summary>
internal static class TaskDetailPage
{
    private static readonly JsonWriterOptions PrettyJson = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(DashboardOptions options, string basePath, TaskInfo task, bool canAct, string? notice) =>
        PageLayout.Render(options.Title, basePath, $"Task {task.Id}", html =>
        {
            if (notice is not null)
            {
                html.Raw("<div class=\"notice\" id=\"notice\">").Text(notice).Raw("</div>");
            }

            var self = basePath + "/tasks/" + task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            html.Raw("<dl><dt>Name</dt><dd id=\"name\">").Text(task.Name).Raw("</dd><dt>Queue</dt><dd><a href=\"")
                .Text(HtmlWriter.Url(basePath + "/tasks", ("queue", task.Queue))).Raw("\">").Text(task.Queue).Raw("</a></dd><dt>State</dt><dd id=\"state\">");
            PageLayout.StateBadge(html, task.State);
            html.Raw("</dd><dt>Priority</dt><dd>").Text(task.Priority).Raw("</dd><dt>Attempts</dt><dd id=\"attempts\">").Text(task.Attempts).Raw(" of ").Text(task.MaxAttempts)
                .Raw("</dd><dt>Enqueued</dt><dd>").Time(task.EnqueuedAt).Raw("</dd><dt>Scheduled for</dt><dd>").Time(task.ScheduledAt)
                .Raw("</dd><dt>Last started</dt><dd>").Time(task.StartedAt).Raw("</dd><dt>Finished</dt><dd>").Time(task.FinishedAt)
                .Raw("</dd><dt>Idempotency key</dt><dd>");
            if (task.IdempotencyKey is null)
            {
                html.Raw("&ndash;");
            }

            html.Text(task.IdempotencyKey).Raw("</dd></dl>");

            if (canAct)
            {
                html.Raw("<div class=\"actions\">");
                if (task.State is TaskState.Dead or TaskState.Cancelled)
                {
                    html.Raw("<form method=\"post\" action=\"").Text(self + "/retry").Raw("\"><button type=\"submit\" id=\"retry\">Retry</button></form>");
                }

                if (task.State is TaskState.Scheduled or TaskState.Pending or TaskState.Running)
                {
                    html.Raw("<form method=\"post\" action=\"").Text(self + "/cancel").Raw("\"><button type=\"submit\" class=\"danger\" id=\"cancel\">Cancel</button></form>");
                }

                if (task.State is not TaskState.Running)
                {
                    html.Raw("<form method=\"post\" action=\"").Text(self + "/delete").Raw("\"><button type=\"submit\" class=\"danger\" id=\"delete\">Delete</button></form>");
                }

                html.Raw("</div>");
            }

            html.Raw("<h2>Payload</h2><pre id=\"payload\">").Text(PrettyPrint(task.Payload)).Raw("</pre>");
            if (task.Result is not null)
            {
                html.Raw("<h2>Result</h2><pre id=\"result\">").Text(PrettyPrint(task.Result)).Raw("</pre>");
            }

            if (task.LastError is { } error)
            {
                html.Raw("<h2>Last error</h2><p id=\"error\"><strong>").Text(error.Type).Raw("</strong>: ").Text(error.Message).Raw("</p>");
                if (!string.IsNullOrEmpty(error.StackTrace))
                {
                    html.Raw("<pre id=\"stack\">").Text(error.StackTrace).Raw("</pre>");
                }
            }
        });

    /// <summary>Indented JSON, or the text as stored when it is not JSON.</summary>
    internal static string PrettyPrint(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, PrettyJson))
            {
                document.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
