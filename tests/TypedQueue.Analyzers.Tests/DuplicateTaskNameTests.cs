using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0005: wire names and generated accessor names must be unique across the compilation.</summary>
public sealed class DuplicateTaskNameTests
{
    [Fact]
    public async Task DuplicateWireNameIsReportedOnAllButTheOrdinallyFirstHandler()
    {
        // B appears first in the source; A.Handlers sorts first ordinally, so B and C are the ones flagged.
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            namespace B
            {
                public static class Handlers
                {
                    [QueueTask(Name = "email.send")]
                    public static Task {|TQ0005:SendWelcome|}(string payload) => Task.CompletedTask;
                }
            }

            namespace A
            {
                public static class Handlers
                {
                    [QueueTask(Name = "email.send")]
                    public static Task SendReceipt(string payload) => Task.CompletedTask;
                }
            }

            namespace C
            {
                public static class Handlers
                {
                    [QueueTask(Name = "email.send")]
                    public static Task {|TQ0005:SendReminder|}(string payload) => Task.CompletedTask;
                }
            }
            """);

        Assert.All(diagnostics, d => Assert.Contains("Task name 'email.send' is already used by 'A.Handlers.SendReceipt'", d.GetMessage(), StringComparison.Ordinal));
    }

    [Fact]
    public Task ExplicitNameCollidingWithDefaultNameIsReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static Task Ping(string payload) => Task.CompletedTask;

            [QueueTask(Name = "Ping")]
            public static Task {|TQ0005:Pong|}(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public async Task SameMethodNameWithDistinctWireNamesIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public sealed class Billing
            {
                [QueueTask(Name = "billing.send")]
                public Task Send(string payload) => Task.CompletedTask;
            }

            public sealed class Shipping
            {
                [QueueTask(Name = "shipping.send")]
                public Task {|TQ0005:Send|}(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("Tasks.Send would collide", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task OverloadsAreOrderedByPayloadTypeNotSourceOrder() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static Task {|TQ0005:Send|}(string payload) => Task.CompletedTask;

            [QueueTask]
            public static Task Send(int payload) => Task.CompletedTask;
        }
        """);

    [Theory]
    [InlineData("All")]
    [InlineData("Tasks")]
    public async Task MethodNamesOfGeneratedMembersAreReserved(string name)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask(Name = "unique")]
                public static Task {|TQ0005:{{name}}|}(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("is reserved", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task InvalidHandlerDoesNotClaimItsName() => AnalyzerVerifier.VerifyAsync("""
        namespace A
        {
            public static class Handlers
            {
                // Sorts first, but the generator skips it, so B.Handlers.Send keeps the name.
                [QueueTask]
                public static Task Send({|TQ0001:Action|} payload) => Task.CompletedTask;
            }
        }

        namespace B
        {
            public static class Handlers
            {
                [QueueTask]
                public static Task Send(string payload) => Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public Task WireNamesAreCaseSensitive() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask(Name = "email.send")]
            public static Task SendLower(string payload) => Task.CompletedTask;

            [QueueTask(Name = "Email.Send")]
            public static Task SendUpper(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task UniqueNamesAreSilent() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static Task SendEmail(string payload) => Task.CompletedTask;

            [QueueTask(Name = "sms.send")]
            public static Task SendSms(string payload) => Task.CompletedTask;

            public static Task SendEmail(int notAHandler) => Task.CompletedTask;
        }
        """);

    [Fact]
    public async Task ReportIsDeterministicAcrossRuns()
    {
        // Ordinal order is U, V, W, X, Y, Z whatever the source order: U.Other owns "Run", V owns "Run2".
        const string markup = """
            public class Z { [QueueTask] public Task {|TQ0005:Run|}(string p) => Task.CompletedTask; }
            public class Y { [QueueTask] public Task {|TQ0005:Run|}(string p) => Task.CompletedTask; }
            public class X { [QueueTask] public Task {|TQ0005:Run|}(string p) => Task.CompletedTask; }
            public class W { [QueueTask] public Task {|TQ0005:Run2|}(string p) => Task.CompletedTask; }
            public class V { [QueueTask] public Task Run2(string p) => Task.CompletedTask; }
            public class U { [QueueTask(Name = "Run")] public Task Other(string p) => Task.CompletedTask; }
            """;

        string? first = null;
        for (var i = 0; i < 5; i++)
        {
            var diagnostics = await AnalyzerVerifier.VerifyAsync(markup);
            var messages = string.Join("\n", diagnostics.OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage()));
            first ??= messages;
            Assert.Equal(first, messages);
        }
    }
}
