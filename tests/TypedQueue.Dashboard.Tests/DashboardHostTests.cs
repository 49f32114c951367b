using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Tests;

/// <summary>The stand-alone dashboard over a file (what <c>typedqueue dashboard</c> will run).</summary>
public sealed class DashboardHostTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"tq-dashboard-host-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task Serves_a_file_at_the_root_and_purges_finished_tasks_when_actions_are_allowed()
    {
        long cancelled, scheduled;
        await using (var services = new ServiceCollection().AddTypedQueue(o =>
        {
            o.DatabasePath = _path;
            o.RunWorker = false;
        }).BuildServiceProvider())
        {
            var queue = services.GetRequiredService<ITaskQueue>();
            var later = new EnqueueOptions { Delay = TimeSpan.FromHours(1) };
            cancelled = await queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("gone", false), later);
            scheduled = await queue.EnqueueAsync(Tasks.Notify.Definition, new Shipment("kept", false), later);
            Assert.Equal(CancelResult.Cancelled, await queue.CancelAsync(cancelled));
        }

        await using var app = await DashboardHost.StartAsync(_path, "http://127.0.0.1:0", o => o.AllowActions = true);
        var address = new Uri(app.Urls.Single());
        Assert.Equal("127.0.0.1", address.Host);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };

        var overview = await client.GetStringAsync("/");
        Assert.Contains("<tr data-queue=\"mail\">", overview);
        Assert.Contains($"href=\"/tasks/{scheduled}\"", await client.GetStringAsync("/tasks?queue=mail"));

        using var purge = new HttpRequestMessage(HttpMethod.Post, "/purge") { Content = new FormUrlEncodedContent([new("olderThanDays", "0")]) };
        purge.Headers.Add("Origin", address.GetLeftPart(UriPartial.Authority));
        var response = await client.SendAsync(purge);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/?done=purged&count=1", response.Headers.Location!.OriginalString);
        Assert.Contains("1 finished task(s) older than the given age were deleted.", await client.GetStringAsync(response.Headers.Location));
        var queueOfApp = app.Services.GetRequiredService<ITaskQueue>();
        Assert.Null(await queueOfApp.GetTaskAsync(cancelled));
        Assert.Equal(TaskState.Scheduled, (await queueOfApp.GetTaskAsync(scheduled))!.State);
    }

    [Fact]
    public async Task Refuses_a_missing_file_without_creating_it()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => DashboardHost.StartAsync(_path, "http://127.0.0.1:0"));
        Assert.False(File.Exists(_path));
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }
}
