using System.Net;
using System.Text.RegularExpressions;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Tests;

/// <summary>The dashboard over HTTP: a real Kestrel server, a real SQLite file, the pages' HTML and the actions' effects.</summary>
public sealed partial class DashboardHttpTests(DashboardServer server) : IClassFixture<DashboardServer>
{
    [Fact]
    public async Task Overview_shows_counts_per_queue_and_state_and_the_throughput_chart()
    {
        using var client = server.CreateClient();
        var html = await GetHtmlAsync(client, "/queue/");

        Assert.Equal(3, Cell(html, "orders", "Succeeded"));
        Assert.Equal(11, int.Parse(TotalRegex().Match(html).Groups[1].Value));
        Assert.Contains("<svg role=\"img\" aria-label=\"Tasks finished per minute", html);
        Assert.Contains("<title>Overview &middot; Test queue</title>", html);
        Assert.Contains("Purge", html);
    }

    [Fact]
    public async Task Task_lists_filter_by_state_queue_and_name()
    {
        using var client = server.CreateClient();

        Assert.Equal(server.Succeeded, Ids(await GetHtmlAsync(client, "/queue/tasks?state=Succeeded")));
        Assert.Equal(server.Succeeded, Ids(await GetHtmlAsync(client, "/queue/tasks?state=succeeded&queue=orders")));
        Assert.Equal([.. server.Scheduled, server.PendingTask], Ids(await GetHtmlAsync(client, "/queue/tasks?queue=mail")));
        Assert.Equal(8, Ids(await GetHtmlAsync(client, "/queue/tasks?name=orders.ship")).Count);
        Assert.Equal([server.XssTask], Ids(await GetHtmlAsync(client, $"/queue/tasks?name=orders.ship&after={server.Dead[^1]}")));
        var none = await GetHtmlAsync(client, "/queue/tasks?name=no.such.task");
        Assert.Empty(Ids(none));
        Assert.Contains("No tasks match.", none);
    }

    [Fact]
    public async Task Task_lists_page_by_id()
    {
        using var client = server.CreateClient();
        var first = await GetHtmlAsync(client, "/paged/tasks?queue=orders&state=Succeeded");
        Assert.Equal(server.Succeeded.Take(2), Ids(first));
        var next = NextRegex().Match(first);
        Assert.True(next.Success, "the first page links to the next one");
        var second = await GetHtmlAsync(client, WebUtility.HtmlDecode(next.Groups[1].Value));
        Assert.Equal(server.Succeeded.Skip(2), Ids(second));
        Assert.DoesNotMatch(NextRegex(), second);
    }

    [Fact]
    public async Task Detail_page_escapes_html_in_the_payload_and_the_error()
    {
        using var client = server.CreateClient();
        var response = await client.GetAsync($"/queue/tasks/{server.XssTask}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>", html);
        var payload = Regex.Match(html, "<pre id=\"payload\">(.*?)</pre>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal("{\n  &quot;customer&quot;: &quot;&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;&quot;,\n  &quot;fail&quot;: true\n}", payload);
        Assert.Contains("Cannot ship to &lt;script&gt;", html);
        Assert.Contains("System.InvalidOperationException", html);
        Assert.Contains("<pre id=\"stack\">", html);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Detail_page_shows_result_attempts_and_times()
    {
        using var client = server.CreateClient();
        var html = await GetHtmlAsync(client, $"/queue/tasks/{server.Succeeded[0]}");

        Assert.Contains("<pre id=\"result\">&quot;shipped to ada&quot;</pre>", html);
        Assert.Contains("<dd id=\"attempts\">1 of 1</dd>", html);
        Assert.Contains("<span class=\"badge s-Succeeded\">Succeeded</span>", html);
        Assert.DoesNotContain("id=\"retry\"", html);
    }

    [Fact]
    public async Task Bad_requests_get_clear_answers()
    {
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/queue/tasks?state=Sleeping")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/queue/tasks/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.GetAsync($"/queue/tasks/{server.Dead[1]}/retry")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(client, "/queue/tasks/999999/retry")).StatusCode);
    }

    [Fact]
    public async Task Actions_are_refused_unless_allowed_authorized_and_same_origin()
    {
        using var client = server.CreateClient();
        var id = server.Dead[1];

        // Read-only by default: no buttons, and posts are refused.
        Assert.DoesNotContain("id=\"retry\"", await GetHtmlAsync(client, $"/readonly/tasks/{id}"));
        Assert.DoesNotContain("Purge", await GetHtmlAsync(client, "/readonly/"));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, $"/readonly/tasks/{id}/retry")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, $"/readonly/tasks/{server.Scheduled[1]}/cancel")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, "/readonly/purge", new FormUrlEncodedContent([new("olderThanDays", "0")]))).StatusCode);

        // Authorize refuses: nothing to read, nothing to do.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/locked/")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/locked/tasks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, $"/locked/tasks/{id}/retry")).StatusCode);

        // Allowed, but not from a dashboard page: no Origin/Referer, a foreign origin, a cross-site fetch.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/queue/tasks/{id}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(client, $"/queue/tasks/{id}/retry", origin: "http://evil.example")).StatusCode);
        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, $"/queue/tasks/{id}/retry"))
        {
            crossSite.Headers.Add("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
            crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(crossSite)).StatusCode);
        }

        Assert.Equal(TaskState.Dead, (await server.Queue.GetTaskAsync(id))!.State);
        Assert.Equal(TaskState.Scheduled, (await server.Queue.GetTaskAsync(server.Scheduled[1]))!.State);
    }

    [Fact]
    public async Task Retry_makes_a_dead_task_pending()
    {
        using var client = server.CreateClient();
        var id = server.Dead[0];
        Assert.Contains("id=\"retry\"", await GetHtmlAsync(client, $"/queue/tasks/{id}"));

        var response = await PostAsync(client, $"/queue/tasks/{id}/retry");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal($"/queue/tasks/{id}?done=retried", response.Headers.Location!.OriginalString);
        Assert.Equal(TaskState.Pending, (await server.Queue.GetTaskAsync(id))!.State);
        var page = await GetHtmlAsync(client, response.Headers.Location.OriginalString);
        Assert.Contains("pending again", page);
        Assert.Contains("id=\"cancel\"", page);

        // A second retry has nothing to do.
        var again = await PostAsync(client, $"/queue/tasks/{id}/retry");
        Assert.Equal($"/queue/tasks/{id}?done=not-retryable", again.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Cancel_cancels_a_scheduled_task()
    {
        using var client = server.CreateClient();
        var id = server.Scheduled[0];

        var response = await PostAsync(client, $"/queue/tasks/{id}/cancel", referer: true);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal($"/queue/tasks/{id}?done=cancelled", response.Headers.Location!.OriginalString);
        Assert.Equal(TaskState.Cancelled, (await server.Queue.GetTaskAsync(id))!.State);
        Assert.Contains("id=\"retry\"", await GetHtmlAsync(client, $"/queue/tasks/{id}"));
    }

    [Fact]
    public async Task Delete_removes_a_task_and_returns_to_the_overview()
    {
        using var client = server.CreateClient();
        // A task of its own (deleted again before the test ends), so the other tests' counts hold.
        var id = await server.Queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("to-delete", false), new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        Assert.Contains("id=\"delete\"", await GetHtmlAsync(client, $"/queue/tasks/{id}"));

        var response = await PostAsync(client, $"/queue/tasks/{id}/delete");
        var again = await PostAsync(client, $"/queue/tasks/{id}/delete");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/queue/?done=deleted", response.Headers.Location!.OriginalString);
        Assert.Contains("The task was deleted.", await GetHtmlAsync(client, response.Headers.Location.OriginalString));
        Assert.Null(await server.Queue.GetTaskAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Overview_marks_paused_queues_including_one_without_tasks()
    {
        using var client = server.CreateClient();
        await server.Queue.PauseQueueAsync("orders");
        await server.Queue.PauseQueueAsync("empty-but-paused");
        try
        {
            var html = await GetHtmlAsync(client, "/queue/");

            Assert.Matches("data-queue=\"orders\"><td><a [^>]*>orders</a> <span class=\"paused\"", html);
            Assert.Matches("data-queue=\"empty-but-paused\"><td><a [^>]*>empty-but-paused</a> <span class=\"paused\"", html);
        }
        finally
        {
            await server.Queue.ResumeQueueAsync("orders");
            await server.Queue.ResumeQueueAsync("empty-but-paused");
        }

        Assert.DoesNotContain("class=\"paused\"", await GetHtmlAsync(client, "/queue/"));
    }

    private static async Task<string> GetHtmlAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        return body;
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient client, string path, HttpContent? content = null, string? origin = null, bool referer = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content ?? new FormUrlEncodedContent([]) };
        var self = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        if (referer)
        {
            request.Headers.Referrer = new Uri(server.BaseAddress, path);
        }
        else
        {
            request.Headers.Add("Origin", origin ?? self);
        }

        return client.SendAsync(request);
    }

    private static int Cell(string html, string queue, string state)
    {
        var match = Regex.Match(html, $"<tr data-queue=\"{queue}\">.*?<td class=\"n\" data-state=\"{state}\">(?:<a [^>]*>)?(\\d+)<", RegexOptions.Singleline);
        Assert.True(match.Success, $"no {queue}/{state} cell");
        return int.Parse(match.Groups[1].Value);
    }

    private static List<long> Ids(string html) => [.. RowRegex().Matches(html).Select(m => long.Parse(m.Groups[1].Value))];

    [GeneratedRegex("<tr data-id=\"(\\d+)\">")]
    private static partial Regex RowRegex();

    [GeneratedRegex("<th class=\"n\" id=\"total\">(\\d+)</th>")]
    private static partial Regex TotalRegex();

    [GeneratedRegex("<a rel=\"next\" href=\"([^\"]+)\">")]
    private static partial Regex NextRegex();
}
