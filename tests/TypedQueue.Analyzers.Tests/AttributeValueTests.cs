using TypedQueue.Analyzers.CodeFixes;
using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0006: QueueTask attribute values out of range, and the MaxAttempts fix.</summary>
public sealed class AttributeValueTests
{
    [Theory]
    [InlineData("MaxAttempts = 0", "at least 1 attempt")]
    [InlineData("MaxAttempts = -3", "at least 1 attempt")]
    [InlineData("Priority = 1001", "[-1000, 1000]")]
    [InlineData("Priority = -1001", "[-1000, 1000]")]
    [InlineData("Priority = TaskPriority.Max + 1", "[-1000, 1000]")]
    [InlineData("Priority = int.MinValue", "[-1000, 1000]")]
    [InlineData("Name = \"\"", "empty or whitespace")]
    [InlineData("Name = \"   \"", "empty or whitespace")]
    [InlineData("Name = \"email\\nsend\"", "U+000A")]
    [InlineData("Name = \"email\\u0000\"", "U+0000")]
    [InlineData("Queue = \"\"", "empty or whitespace")]
    [InlineData("Queue = \"\\t\"", "empty or whitespace")]
    [InlineData("Queue = \"mail\\u007F\"", "U+007F")]
    [InlineData("Queue = null!", "is null")]
    [InlineData("TimeoutSeconds = -1", "positive number of seconds")]
    [InlineData("TimeoutSeconds = double.NaN", "positive number of seconds")]
    [InlineData("TimeoutSeconds = 1e9", "up to 7 days")]
    [InlineData("UniqueForSeconds = -5", "up to 365 days")]
    [InlineData("RateLimit = 0", "at least 1 start per period")]
    [InlineData("RateLimit = -10", "at least 1 start per period")]
    [InlineData("RateLimitPeriodSeconds = 5", "set without RateLimit")]
    public async Task InvalidValueIsReportedOnTheArgument(string argument, string expectedMessage)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask({|TQ0006:{{argument}}|})]
                public static Task Send(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains(expectedMessage, Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RateLimitPeriodSeconds = 0")]
    [InlineData("RateLimitPeriodSeconds = -1")]
    [InlineData("RateLimitPeriodSeconds = 0.0001")]
    [InlineData("RateLimitPeriodSeconds = double.NaN")]
    [InlineData("RateLimitPeriodSeconds = 1e9")]
    public async Task InvalidRateLimitPeriodIsReported(string argument)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask(RateLimit = 10, {|TQ0006:{{argument}}|})]
                public static Task Send(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("positive number of seconds", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task EachInvalidArgumentIsReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask({|TQ0006:Name = " "|}, {|TQ0006:Priority = 5000|}, {|TQ0006:MaxAttempts = 0|}, {|TQ0006:Queue = ""|})]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Theory]
    [InlineData("MaxAttempts = 1")]
    [InlineData("MaxAttempts = QueueTaskAttribute.DefaultMaxAttempts")]
    [InlineData("MaxAttempts = int.MaxValue")]
    [InlineData("Priority = TaskPriority.Min")]
    [InlineData("Priority = TaskPriority.Max")]
    [InlineData("Priority = TaskPriority.Critical")]
    [InlineData("Name = \"email.send\"")]
    [InlineData("Name = null")]
    [InlineData("Name = \"späť\"")]
    [InlineData("Queue = \"high-priority\"")]
    [InlineData("Queue = QueueTaskAttribute.DefaultQueue")]
    [InlineData("RateLimit = 1")]
    [InlineData("RateLimit = 10, RateLimitPeriodSeconds = 0.5")]
    [InlineData("RateLimit = 100, RateLimitPeriodSeconds = 3600")]
    public Task ValidValueIsSilent(string argument) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Handlers
        {
            [QueueTask({{argument}})]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ConstantFromAnotherTypeIsEvaluated() => AnalyzerVerifier.VerifyAsync("""
        public static class Limits
        {
            public const int NoAttempts = 0;
        }

        public static class Handlers
        {
            [QueueTask({|TQ0006:MaxAttempts = Limits.NoAttempts|})]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task FixSetsMaxAttemptsToOne() => CodeFixVerifier.VerifyAsync(
        new MaxAttemptsCodeFix(),
        """
        public static class Handlers
        {
            [QueueTask(Name = "email.send", {|TQ0006:MaxAttempts = 0|}, Queue = "mail")]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """,
        """
        public static class Handlers
        {
            [QueueTask(Name = "email.send", MaxAttempts = 1, Queue = "mail")]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task FixReplacesAConstantExpression() => CodeFixVerifier.VerifyAsync(
        new MaxAttemptsCodeFix(),
        """
        public static class Handlers
        {
            [QueueTask({|TQ0006:MaxAttempts = -1 * QueueTaskAttribute.DefaultMaxAttempts|})]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """,
        """
        public static class Handlers
        {
            [QueueTask(MaxAttempts = 1)]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task FixIsNotOfferedForOtherAttributeValues() => CodeFixVerifier.VerifyNoFixAsync(
        new MaxAttemptsCodeFix(),
        """
        public static class Handlers
        {
            [QueueTask({|TQ0006:Priority = 5000|})]
            public static Task Send(string payload) => Task.CompletedTask;
        }
        """);
}
