using TypedQueue.Dashboard.Data;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Pages;

/// <summary>Queues × states with counts (paused queues marked), the throughput chart, and the purge form when actions are allowed.</summary>
internal static class OverviewPage
{
    public static string Render(DashboardOptions options, string basePath, TaskStatistics statistics, IReadOnlySet<string> paused, IReadOnlyList<ThroughputMinute> throughput, bool canAct, string? notice) =>
        PageLayout.Render(options.Title, basePath, "Overview", html =>
        {
            if (notice is not null)
            {
                html.Raw("<div class=\"notice\">").Text(notice).Raw("</div>");
            }

            html.Raw("<div class=\"cards\">");
            foreach (var state in PageLayout.States)
            {
                html.Raw("<a class=\"card\" href=\"").Text(HtmlWriter.Url(basePath + "/tasks", ("state", state.ToString()))).Raw("\" data-state=\"").Text(state.ToString()).Raw("\"><div>");
                PageLayout.StateBadge(html, state);
                html.Raw("</div><div class=\"n\">").Text(statistics.Count(state)).Raw("</div></a>");
            }

            html.Raw("</div><h2>Queues</h2><table id=\"queues\"><thead><tr><th>Queue</th>");
            foreach (var state in PageLayout.States)
            {
                html.Raw("<th class=\"n\">").Text(state.ToString()).Raw("</th>");
            }

            html.Raw("<th class=\"n\">Total</th></tr></thead><tbody>");
            var queues = statistics.Counts.Select(c => c.Queue).Concat(paused).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (queues.Count == 0)
            {
                html.Raw("<tr><td colspan=\"8\" class=\"muted\">No tasks yet.</td></tr>");
            }

            foreach (var queue in queues)
            {
                html.Raw("<tr data-queue=\"").Text(queue).Raw("\"><td><a href=\"").Text(HtmlWriter.Url(basePath + "/tasks", ("queue", queue))).Raw("\">").Text(queue).Raw("</a>");
                if (paused.Contains(queue))
                {
                    html.Raw(" <span class=\"paused\" title=\"Paused: workers leave its pending tasks alone until it is resumed (typedqueue resume).\">paused</span>");
                }

                html.Raw("</td>");
                foreach (var state in PageLayout.States)
                {
                    var count = statistics.Count(queue, state);
                    html.Raw("<td class=\"n\" data-state=\"").Text(state.ToString()).Raw("\">");
                    if (count == 0)
                    {
                        html.Raw("<span class=\"muted\">0</span>");
                    }
                    else
                    {
                        html.Raw("<a href=\"").Text(HtmlWriter.Url(basePath + "/tasks", ("state", state.ToString()), ("queue", queue))).Raw("\">").Text(count).Raw("</a>");
                    }

                    html.Raw("</td>");
                }

                html.Raw("<td class=\"n\">").Text(statistics.Counts.Where(c => c.Queue == queue).Sum(c => c.Count)).Raw("</td></tr>");
            }

            html.Raw("</tbody><tfoot><tr><th>All</th>");
            foreach (var state in PageLayout.States)
            {
                html.Raw("<th class=\"n\">").Text(statistics.Count(state)).Raw("</th>");
            }

            html.Raw("<th class=\"n\" id=\"total\">").Text(statistics.Total).Raw("</th></tr></tfoot></table>");
            html.Raw("<h2>Throughput</h2>");
            ThroughputChart.Write(html, throughput);
            if (canAct)
            {
                html.Raw("<h2>Retention</h2><form method=\"post\" action=\"").Text(basePath + "/purge")
                    .Raw("\" class=\"filters\"><label>Delete finished tasks (succeeded, dead, cancelled) older than days<input type=\"number\" name=\"olderThanDays\" min=\"0\" value=\"7\" required></label><button class=\"danger\" type=\"submit\">Purge</button></form>");
            }
        });
}
