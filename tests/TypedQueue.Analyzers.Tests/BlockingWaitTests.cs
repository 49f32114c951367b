using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0007: blocking waits inside handler bodies.</summary>
public sealed class BlockingWaitTests
{
    [Theory]
    [InlineData("_ = {|TQ0007:Task.FromResult(1).Result|};")]
    [InlineData("_ = {|TQ0007:new ValueTask<int>(1).Result|};")]
    [InlineData("{|TQ0007:Task.Delay(1).Wait()|};")]
    [InlineData("{|TQ0007:Task.Delay(1).Wait(cancellationToken)|};")]
    [InlineData("{|TQ0007:Task.Delay(1).GetAwaiter().GetResult()|};")]
    [InlineData("_ = {|TQ0007:Task.FromResult(1).GetAwaiter().GetResult()|};")]
    [InlineData("_ = {|TQ0007:new ValueTask<int>(1).GetAwaiter().GetResult()|};")]
    [InlineData("{|TQ0007:default(ValueTask).GetAwaiter().GetResult()|};")]
    [InlineData("{|TQ0007:Task.Delay(1).ConfigureAwait(false).GetAwaiter().GetResult()|};")]
    [InlineData("{|TQ0007:Thread.Sleep(100)|};")]
    [InlineData("{|TQ0007:Thread.Sleep(TimeSpan.FromSeconds(1))|};")]
    [InlineData("{|TQ0007:Task.WaitAll(Task.Delay(1), Task.Delay(2))|};")]
    [InlineData("_ = {|TQ0007:Task.WaitAny(Task.Delay(1))|};")]
    public Task BlockingCallInHandlerIsReported(string statement) => AnalyzerVerifier.VerifyAsync($$"""
        public sealed class Handlers
        {
            [QueueTask]
            public async Task Send(string payload, CancellationToken cancellationToken)
            {
                await Task.Yield();
                {{statement}}
            }
        }
        """);

    [Fact]
    public async Task BlockingInSynchronousHandlerLambdaAndLocalFunctionIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Handlers
            {
                [QueueTask]
                public static void Send(string payload)
                {
                    {|TQ0007:Thread.Sleep(5)|};
                    Func<int> read = () => {|TQ0007:Task.FromResult(2).Result|};
                    Wait();

                    void Wait() => {|TQ0007:Task.Delay(1).Wait()|};
                }
            }
            """);

        Assert.Contains("inside task handler 'Send'", diagnostics[0].GetMessage(), StringComparison.Ordinal);
        Assert.All(diagnostics, d => Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, d.Severity));
    }

    [Fact]
    public Task NonBlockingCodeAndNonHandlersAreSilent() => AnalyzerVerifier.VerifyAsync("""
        public sealed class Box { public int Result { get; set; } public void Wait() { } }

        public sealed class Handlers
        {
            [QueueTask]
            public async Task<int> Send(Box box, CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken);
                var awaiter = Task.CompletedTask.GetAwaiter();
                _ = awaiter.IsCompleted;
                box.Wait();
                var task = Task.FromResult(box.Result);
                _ = task.IsCompleted;
                return await task.ConfigureAwait(false);
            }

            public int NotAHandler(Task<int> task)
            {
                task.Wait();
                Thread.Sleep(1);
                return task.Result + task.GetAwaiter().GetResult();
            }
        }
        """);
}
