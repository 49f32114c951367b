using TypedQueue.Analyzers.CodeFixes;
using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0003: async void handlers, and the fix that makes them return Task.</summary>
public sealed class AsyncVoidHandlerTests
{
    [Fact]
    public async Task AsyncVoidHandlerIsReportedOnlyAsTQ0003()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public sealed class Handlers
            {
                [QueueTask]
                public async void {|TQ0003:Send|}(string payload) => await Task.Yield();
            }
            """);

        Assert.Contains("async void", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task SynchronousVoidHandlerIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public sealed class Handlers
        {
            [QueueTask]
            public void Send(string payload) { }
        }
        """);

    [Fact]
    public Task AsyncVoidMethodWithoutAttributeIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public sealed class Handlers
        {
            public async void Send(string payload) => await Task.Yield();
        }
        """);

    [Fact]
    public Task FixReturnsTask() => CodeFixVerifier.VerifyAsync(
        new AsyncVoidHandlerCodeFix(),
        """
        public sealed class Handlers
        {
            [QueueTask]
            public async void {|TQ0003:Send|}(string payload, CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
        """,
        """
        public sealed class Handlers
        {
            [QueueTask]
            public async Task Send(string payload, CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
        """);

    [Fact]
    public Task FixQualifiesTaskWhenNoUsingImportsIt() => CodeFixVerifier.VerifyAsync(
        new AsyncVoidHandlerCodeFix(),
        """
        namespace Mail;

        public static class Handlers
        {
            [TypedQueue.QueueTask]
            static async void {|TQ0003:Send|}(string payload) => await System.Threading.Tasks.Task.Yield();
        }
        """,
        """
        namespace Mail;

        public static class Handlers
        {
            [TypedQueue.QueueTask]
            static async System.Threading.Tasks.Task Send(string payload) => await System.Threading.Tasks.Task.Yield();
        }
        """,
        globalUsings: false);
}
