using System.Text.Json;
using System.Text.RegularExpressions;

namespace TypedQueue.IntegrationTests;

/// <summary>
/// The telemetry sample as a real process: the OpenTelemetry SDK exports TypedQueue's metrics to Prometheus at
/// /metrics and its spans to the console, and /health reports the TypedQueue health check.
/// </summary>
public sealed partial class TelemetrySampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_sample_exports_typedqueue_metrics_to_prometheus_spans_to_the_console_and_reports_health()
    {
        var folder = Repo.NewTempFolder("telemetry-sample");
        using var sample = new ChildProcess("dotnet", $"\"{Repo.TelemetrySampleDll}\" --urls http://127.0.0.1:0 --TypedQueue:DatabasePath=tasks.db", folder);

        var listening = await sample.WaitForLineAsync(l => l.Contains("Now listening on:", StringComparison.Ordinal), Timeout);
        var address = new Uri(ListeningAddress().Match(listening).Value);
        await sample.WaitForLineAsync(l => l.Contains("Demo orders finished: 6 tasks", StringComparison.Ordinal), Timeout);
        using var client = new HttpClient { BaseAddress = address };
        var metrics = await client.GetStringAsync("/metrics");
        using var health = JsonDocument.Parse(await client.GetStringAsync("/health"));

        Assert.Contains("typedqueue_tasks_enqueued_total{", metrics, StringComparison.Ordinal);
        Assert.Matches(Series("typedqueue_tasks_succeeded_total", "orders", "orders.confirm", 3), metrics);
        Assert.Matches(Series("typedqueue_tasks_succeeded_total", "payments", "payments.charge", 2), metrics);
        Assert.Matches(Series("typedqueue_tasks_retried_total", "payments", "payments.charge", 1), metrics);
        Assert.Matches(Series("typedqueue_tasks_failed_total", "payments", "payments.charge", 2), metrics);
        Assert.Matches(Series("typedqueue_tasks_dead_total", "payments", "payments.charge", 1), metrics);
        Assert.Contains("typedqueue_task_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("typedqueue_task_queue_wait_seconds_count{", metrics, StringComparison.Ordinal);
        Assert.Matches(@"typedqueue_queue_depth\{[^}]*messaging_destination_name=""payments"",typedqueue_task_state=""dead""\} 1", metrics);
        Assert.Equal("Healthy", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("running", health.RootElement.GetProperty("checks").GetProperty("typedqueue").GetProperty("data").GetProperty("worker").GetString());

        // The console exporter printed the spans: a checkout, its publish spans and the process spans, in one trace.
        Assert.Contains("publish orders.confirm", sample.Log, StringComparison.Ordinal);
        Assert.Contains("process orders.confirm", sample.Log, StringComparison.Ordinal);
        Assert.Contains("Activity.Kind:               Consumer", sample.Log, StringComparison.Ordinal);
    }

    private static string Series(string name, string queue, string task, int value) =>
        $@"{name}\{{[^}}]*messaging_destination_name=""{queue}"",typedqueue_task_name=""{Regex.Escape(task)}""\}} {value}(\s|$)";

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningAddress();
}
