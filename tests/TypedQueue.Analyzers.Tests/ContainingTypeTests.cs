using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0004: handlers on types the generated code cannot name or construct.</summary>
public sealed class ContainingTypeTests
{
    [Fact]
    public async Task InstanceHandlerOnAbstractClassIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public abstract class Handlers
            {
                [QueueTask]
                public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("is abstract", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task HandlerOnGenericClassIsReported() => AnalyzerVerifier.VerifyAsync("""
        public class Handlers<T>
        {
            [QueueTask]
            public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;

            [QueueTask]
            public static Task {|TQ0004:SendStatic|}(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public async Task HandlerNestedInGenericClassIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public class Outer<T>
            {
                public class Handlers
                {
                    [QueueTask]
                    public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;
                }
            }
            """);

        Assert.Contains("nested in generic type 'Outer'", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private Handlers() { }")]
    [InlineData("protected Handlers() { }")]
    [InlineData("private protected Handlers() { }")]
    [InlineData("private Handlers() { } private Handlers(int x) { }")]
    public async Task InstanceHandlerWithoutAccessibleConstructorIsReported(string constructors)
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public class Handlers
            {
                {{constructors}}

                [QueueTask]
                public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("no public or internal constructor", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task InstanceHandlerOnStructOrInterfaceIsReported() => AnalyzerVerifier.VerifyAsync("""
        public struct StructHandlers
        {
            [QueueTask]
            public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;
        }

        public interface IHandlers
        {
            [QueueTask]
            public Task {|TQ0004:Notify|}(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public async Task HandlerOnInaccessibleNestedClassIsReported()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Outer
            {
                private sealed class Handlers
                {
                    [QueueTask]
                    public Task {|TQ0004:Send|}(string payload) => Task.CompletedTask;

                    [QueueTask]
                    public static Task {|TQ0004:SendStatic|}(string payload) => Task.CompletedTask;
                }
            }
            """);

        Assert.All(diagnostics, d => Assert.Contains("not accessible to generated code", d.GetMessage(), StringComparison.Ordinal));
    }

    [Fact]
    public Task ConstructorTheGeneratorWouldPickMustTakeNameableServices() => AnalyzerVerifier.VerifyAsync("""
        public sealed class DynamicService
        {
            public DynamicService(dynamic options) { }

            [QueueTask]
            public Task {|TQ0004:First|}(string payload) => Task.CompletedTask;
        }

        public sealed class RefService
        {
            public RefService(ref int counter) { }

            [QueueTask]
            public Task {|TQ0004:Second|}(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ActivatorUtilitiesConstructorIsHonoured() => AnalyzerVerifier.VerifyAsync("""
        namespace Microsoft.Extensions.DependencyInjection
        {
            [AttributeUsage(AttributeTargets.Constructor)]
            public sealed class ActivatorUtilitiesConstructorAttribute : Attribute { }
        }

        namespace App
        {
            using Microsoft.Extensions.DependencyInjection;

            public sealed class PrivateMarked
            {
                public PrivateMarked() { }

                [ActivatorUtilitiesConstructor]
                private PrivateMarked(IServiceProvider services) { }

                [QueueTask]
                public Task {|TQ0004:First|}(string payload) => Task.CompletedTask;
            }

            public sealed class PublicMarked
            {
                public PublicMarked(IServiceProvider services, dynamic ignored) { }

                [ActivatorUtilitiesConstructor]
                public PublicMarked(IServiceProvider services) { }

                [QueueTask]
                public Task Second(string payload) => Task.CompletedTask;
            }
        }
        """);

    [Theory]
    [InlineData("public Handlers() { }")]
    [InlineData("internal Handlers() { }")]
    [InlineData("protected internal Handlers() { }")]
    [InlineData("private Handlers() { } public Handlers(IServiceProvider services) { }")]
    [InlineData("")]
    public Task InstanceHandlerWithAccessibleConstructorIsSilent(string constructors) => AnalyzerVerifier.VerifyAsync($$"""
        public sealed class Handlers
        {
            {{constructors}}

            [QueueTask]
            public Task Send(string payload) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task StaticHandlerOnAbstractOrStaticOrPrivateCtorClassIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public abstract class AbstractHandlers
        {
            [QueueTask]
            public static Task First(string payload) => Task.CompletedTask;
        }

        public static class StaticHandlers
        {
            [QueueTask]
            public static Task Second(string payload) => Task.CompletedTask;
        }

        public sealed class PrivateHandlers
        {
            private PrivateHandlers() { }

            [QueueTask]
            public static Task Third(string payload) => Task.CompletedTask;
        }
        """);
}
