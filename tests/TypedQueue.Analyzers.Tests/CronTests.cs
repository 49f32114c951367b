using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0006 for recurring handlers: cron syntax, the ScheduledOccurrence payload, and CronTimeZone without Cron.</summary>
public sealed class CronTests
{
    [Theory]
    [InlineData("* * * * *")]
    [InlineData("*/5 * * * *")]
    [InlineData("0 */6 * * *")]
    [InlineData("0 9-17/2 * * MON-FRI")]
    [InlineData("30 2 1,15 * *")]
    [InlineData("0 0 L * *")]
    [InlineData("0 0 LW * *")]
    [InlineData("0 0 15W * *")]
    [InlineData("0 0 ? * 5L")]
    [InlineData("0 0 ? * MON#2")]
    [InlineData("0 0 1 jan *")]
    [InlineData("0 0 * * 7")]
    [InlineData("*/10 * * * * *")]
    [InlineData("0 0 12 * * ?")]
    [InlineData("? * * * *")]
    [InlineData("@hourly")]
    [InlineData("@DAILY")]
    [InlineData("@every_second")]
    [InlineData("  0 3 * * *  ")]
    public Task A_valid_cron_expression_is_accepted(string cron) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Jobs
        {
            [QueueTask(Cron = "{{cron}}", CronTimeZone = "Europe/Paris")]
            public static Task Run(ScheduledOccurrence occurrence) => Task.CompletedTask;
        }
        """);

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("* * * *", "has 4 fields")]
    [InlineData("* * * * * * *", "has 7 fields")]
    [InlineData("60 * * * *", "'60' is not a valid minute (expected 0-59)")]
    [InlineData("0 24 * * *", "'24' is not a valid hour (expected 0-23)")]
    [InlineData("0 0 0 * *", "'0' is not a valid day-of-month (expected 1-31)")]
    [InlineData("0 0 1 13 *", "'13' is not a valid month (expected 1-12)")]
    [InlineData("0 0 * * 8", "'8' is not a valid day-of-week (expected 0-7)")]
    [InlineData("0 0 * * FUN", "'FUN' is not a valid day-of-week")]
    [InlineData("*/0 * * * *", "the step in '*/0'")]
    [InlineData("1,,2 * * * *", "empty list item")]
    [InlineData("60 * * * * *", "'60' is not a valid second")]
    [InlineData("@fortnightly", "not a known macro")]
    [InlineData("0 0 L-31 * *", "day-of-month")]
    public async Task An_invalid_cron_expression_is_reported_on_the_argument(string cron, string expectedMessage)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Jobs
            {
                [QueueTask({|TQ0006:Cron = "{{cron}}"|})]
                public static Task Run(ScheduledOccurrence occurrence) => Task.CompletedTask;
            }
            """);

        var message = Assert.Single(diagnostics).GetMessage();
        Assert.StartsWith("QueueTask.Cron ", message, StringComparison.Ordinal);
        Assert.Contains(expectedMessage, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cron_on_a_handler_whose_payload_is_not_a_ScheduledOccurrence_is_reported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public sealed record Report(string Name);

            public static class Jobs
            {
                [QueueTask({|TQ0006:Cron = "@daily"|})]
                public static Task Run(Report report, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """);

        Assert.Contains("payload is TypedQueue.ScheduledOccurrence; this one takes 'Report'", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task A_time_zone_needs_a_cron_and_must_not_be_empty() => AnalyzerVerifier.VerifyAsync("""
        public static class Jobs
        {
            [QueueTask({|TQ0006:CronTimeZone = "Europe/Paris"|})]
            public static Task Orphan(ScheduledOccurrence occurrence) => Task.CompletedTask;

            [QueueTask(Cron = "@hourly", {|TQ0006:CronTimeZone = " "|})]
            public static Task Blank(ScheduledOccurrence occurrence) => Task.CompletedTask;
        }
        """);
}
