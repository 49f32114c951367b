using System.Net;
using System.Text.Json;
using TypedQueue.Cli.Tests.Support;

namespace TypedQueue.Cli.Tests;

/// <summary><c>typedqueue dashboard</c>: the web dashboard over a real file, in-process, stopped like Ctrl+C.</summary>
public sealed class DashboardCommandTests
{
    [Fact]
    public async Task Dashboard_serves_the_overview_on_a_free_loopback_port_until_cancelled()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        using var stop = new CancellationTokenSource();
        using var output = new LineSignalWriter("Ctrl+C to stop");
        using var error = new StringWriter();

        var run = TypedQueueCli.RunAsync(["dashboard", "--db", db.Path, "--urls", "http://127.0.0.1:0"], output, error, stop.Token);
        var started = await output.Line.WaitAsync(TimeSpan.FromSeconds(60));
        var address = new Uri(started[started.IndexOf("http://", StringComparison.Ordinal)..started.IndexOf(';', StringComparison.Ordinal)]);
        using var client = new HttpClient { BaseAddress = address };
        var overview = await client.GetStringAsync("/");
        using var retry = new HttpRequestMessage(HttpMethod.Post, $"/tasks/{db.Dead}/retry");
        retry.Headers.Add("Origin", address.GetLeftPart(UriPartial.Authority));
        var refused = await client.SendAsync(retry);
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
        Assert.Contains("(read-only)", started, StringComparison.Ordinal);
        Assert.Contains("<tr data-queue=\"mail\">", overview, StringComparison.Ordinal);
        Assert.Contains("<tr data-queue=\"work\">", overview, StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.SeeOther, refused.StatusCode); // no actions without --allow-actions
        Assert.Equal(TypedQueue.Inspection.TaskState.Dead, (await db.GetAsync(db.Dead)).State);
        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/")); // stopped: nothing listens
    }

    [Fact]
    public async Task Dashboard_with_allow_actions_and_json_reports_where_it_listens_and_retries_a_dead_task()
    {
        await using var db = await TestDatabase.CreateSeededAsync();
        using var stop = new CancellationTokenSource();
        using var output = new LineSignalWriter("\"urls\"");
        using var error = new StringWriter();

        var run = TypedQueueCli.RunAsync(["dashboard", "--allow-actions", "--json", "--urls", "http://127.0.0.1:0", "--db", db.Path], output, error, stop.Token);
        using var started = JsonDocument.Parse(await output.Line.WaitAsync(TimeSpan.FromSeconds(60)));
        var address = new Uri(started.RootElement.GetProperty("urls")[0].GetString()!);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };
        using var retry = new HttpRequestMessage(HttpMethod.Post, $"/tasks/{db.Dead}/retry");
        retry.Headers.Add("Origin", address.GetLeftPart(UriPartial.Authority));
        var response = await client.SendAsync(retry);
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(started.RootElement.GetProperty("allowActions").GetBoolean());
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(TypedQueue.Inspection.TaskState.Pending, (await db.GetAsync(db.Dead)).State);
    }

    [Fact]
    public async Task Dashboard_refuses_a_missing_database_and_a_bad_url()
    {
        var folder = TestDatabase.NewFolder();
        var missing = await CliRunner.RunAsync("dashboard", "--db", Path.Combine(folder, "none.db"));
        await using var db = await TestDatabase.CreateEmptyAsync();
        var badUrl = await CliRunner.RunAsync("dashboard", "--db", db.Path, "--urls", "127.0.0.1:5000");

        Assert.Equal(ExitCodes.DatabaseError, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "none.db")));
        Assert.Equal(ExitCodes.Usage, badUrl.ExitCode);
        Assert.Contains("is not an http:// or https:// address", badUrl.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_on_a_port_in_use_fails_with_its_own_exit_code()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await CliRunner.RunAsync("dashboard", "--db", db.Path, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.ServerError, result.ExitCode);
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Completes <see cref="Line"/> with the first written line that contains the marker: the command's own signal.</summary>
    private sealed class LineSignalWriter(string marker) : StringWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Line => _line.Task;

        public override Task WriteLineAsync(string? value)
        {
            if (value is not null && value.Contains(marker, StringComparison.Ordinal))
            {
                _line.TrySetResult(value);
            }

            return base.WriteLineAsync(value);
        }
    }
}
