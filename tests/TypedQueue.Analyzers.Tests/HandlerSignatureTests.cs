using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0002: parameter lists, type parameters and return types the generator cannot call or store.</summary>
public sealed class HandlerSignatureTests
{
    [Theory]
    [InlineData("", "has no payload parameter")]
    [InlineData("CancellationToken cancellationToken", "has no payload parameter")]
    [InlineData("TaskContext context, CancellationToken cancellationToken", "has no payload parameter")]
    [InlineData("string a, int b", "has 2 payload parameters ('a', 'b')")]
    [InlineData("string a, CancellationToken ct, int b, TaskContext context", "has 2 payload parameters ('a', 'b')")]
    [InlineData("string a, CancellationToken first, CancellationToken second", "more than one CancellationToken")]
    [InlineData("string a, TaskContext first, TaskContext second", "more than one TaskContext")]
    [InlineData("ref int value", "by ref")]
    [InlineData("in int value", "by in")]
    [InlineData("ref readonly int value", "by ref readonly")]
    [InlineData("params int[] values", "params parameter 'values'")]
    public async Task InvalidParameterListIsReportedOnIdentifier(string parameters, string expectedMessage)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask]
                public static Task {|TQ0002:Handle|}({{parameters}}) => Task.CompletedTask;
            }
            """);

        Assert.Contains(expectedMessage, Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutParameterIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Handlers
            {
                [QueueTask]
                public static void {|TQ0002:Handle|}(out int value) => value = 1;
            }
            """);

        Assert.Contains("by out", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenericMethodIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Handlers
            {
                [QueueTask]
                public static Task {|TQ0002:Handle|}<T>(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("is generic", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Task<Stream>", "Task.FromResult<Stream>(Stream.Null)")]
    [InlineData("ValueTask<object>", "new ValueTask<object>(new object())")]
    [InlineData("Action", "() => { }")]
    [InlineData("object", "new object()")]
    [InlineData("IAsyncEnumerable<int>", "null!")]
    [InlineData("Func<Task>", "() => Task.CompletedTask")]
    [InlineData("Task<Dictionary<int, string>>", "Task.FromResult(new Dictionary<int, string>())")]
    public async Task UnsupportedReturnTypeIsReported(string returnType, string body)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask]
                public static {{returnType}} {|TQ0002:Handle|}(string payload) => {{body}};
            }
            """);

        Assert.Contains("returns a result that cannot be stored", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private", "is private")]
    [InlineData("protected", "is protected")]
    [InlineData("private protected", "is private protected")]
    public async Task InaccessibleHandlerMethodIsReported(string modifier, string expectedMessage)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public class Handlers
            {
                [QueueTask]
                {{modifier}} Task {|TQ0002:Send|}(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains(expectedMessage, Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task AbstractHandlerMethodIsReported() => AnalyzerVerifier.VerifyAsync("""
        public interface IHandlers
        {
            [QueueTask]
            static abstract Task {|TQ0002:Send|}(string payload);
        }
        """);

    [Fact]
    public async Task LocalFunctionAndLambdaHandlersAreReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Setup
            {
                public static Func<string, Task> Build()
                {
                    [QueueTask]
                    static Task {|TQ0002:Local|}(string payload) => Task.CompletedTask;

                    _ = Local("x");
                    return {|TQ0002:[QueueTask] (string payload) => Task.CompletedTask|};
                }
            }
            """);

        Assert.Contains("is a local function", diagnostics[0].GetMessage(), StringComparison.Ordinal);
        Assert.Contains("is a lambda", diagnostics[1].GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task RefReturnIsReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            private static int counter;

            [QueueTask]
            public static ref int {|TQ0002:Handle|}(string payload) => ref counter;
        }
        """);

    [Fact]
    public Task SeveralProblemsAreEachReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static object {|TQ0002:{|TQ0002:{|TQ0002:Handle|}|}|}<T>(ref int a) => new object();
        }
        """);

    [Theory]
    [InlineData("void", "")]
    [InlineData("Task", "=> Task.CompletedTask;")]
    [InlineData("ValueTask", "=> default;")]
    [InlineData("Task<int>", "=> Task.FromResult(1);")]
    [InlineData("ValueTask<string>", "=> new(\"x\");")]
    [InlineData("List<string>", "=> [];")]
    [InlineData("Guid", "=> Guid.Empty;")]
    public Task SupportedReturnTypeIsSilent(string returnType, string body) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Handlers
        {
            [QueueTask]
            public static {{returnType}} Handle(string payload) {{(body.Length == 0 ? "{ }" : body)}}
        }
        """);

    [Theory]
    [InlineData("string payload, CancellationToken ct, TaskContext context")]
    [InlineData("CancellationToken ct, string payload, TaskContext context")]
    [InlineData("TaskContext context, CancellationToken ct, string payload")]
    [InlineData("TaskContext context, string payload")]
    [InlineData("CancellationToken ct, string payload")]
    public Task OptionalParametersInAnyOrderAreSilent(string parameters) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Handlers
        {
            [QueueTask]
            public static Task Handle({{parameters}}) => Task.CompletedTask;
        }
        """);
}
