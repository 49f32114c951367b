using Microsoft.CodeAnalysis;
using TypedQueue.Generators.Shared;

namespace TypedQueue.Generators.Tests;

/// <summary>Invalid handlers produce no code (the analyzers report them); name clashes resolve deterministically.</summary>
public sealed class SkippedHandlerTests
{
    [Theory]
    [InlineData("public static void H(System.IO.Stream payload) { }")]
    [InlineData("public static void H(object payload) { }")]
    [InlineData("public static void H(System.Action payload) { }")]
    [InlineData("public static void H(IPayload payload) { }")]
    [InlineData("public static void H(Dictionary<int, string> payload) { }")]
    [InlineData("public static void H(NoCtor payload) { }")]
    [InlineData("public static void H(Holder payload) { }")]
    [InlineData("public static void H<T>(T payload) { }")]
    [InlineData("public static void H(int a, int b) { }")]
    [InlineData("public static void H() { }")]
    [InlineData("public static void H(ref int payload) { }")]
    [InlineData("public static object H(int payload) => payload;")]
    [InlineData("private static void H(int payload) { }")]
    [InlineData("[QueueTask(MaxAttempts = 0)] public static void G(int payload) { }")]
    [InlineData("[QueueTask(Priority = 5000)] public static void G(int payload) { }")]
    public void Invalid_handler_generates_nothing(string member)
    {
        var attribute = member.StartsWith('[') ? string.Empty : "[QueueTask] ";
        var source = $$"""
            using System.Collections.Generic;
            using TypedQueue;
            namespace N;
            public interface IPayload { }
            public sealed class NoCtor { private NoCtor() { } public int X { get; set; } }
            public sealed class Holder { public System.IO.Stream? Body { get; set; } }
            public static class Handlers { {{attribute}}{{member}} }
            """;
        var (_, result) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("N.App", source));
        Assert.Empty(GeneratorHarness.GeneratedFiles(result));
    }

    [Fact]
    public void Clashing_method_or_wire_names_keep_the_first_in_ordinal_order()
    {
        const string source = """
            using TypedQueue;
            namespace N;
            public static class A { [QueueTask] public static void Send(int payload) { } }
            public static class B { [QueueTask] public static void Send(string payload) { } }
            public static class C { [QueueTask(Name = "Send")] public static void Other(long payload) { } }
            public static class D { [QueueTask] public static void Fine(long payload) { } }
            """;
        var (output, result) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("N.App", source));
        var files = GeneratorHarness.GeneratedFiles(result);

        Assert.Equal(["Tasks.Fine.g.cs", "Tasks.Send.g.cs", "Tasks.g.cs", "TypedQueueJson.g.cs"], files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("global::N.A.Send(payload)", files["Tasks.Send.g.cs"], StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.ErrorsAndWarnings(output));
    }

    [Fact]
    public void Assembly_names_become_valid_namespaces()
    {
        Assert.Equal("My_App._2nd.@class", QueueTaskGenerator.Planner.ToNamespace("My-App.2nd.class"));
        Assert.Equal("TypedQueueGenerated", QueueTaskGenerator.Planner.ToNamespace(null));
    }

    [Theory]
    [InlineData("int", null)]
    [InlineData("List<Item>", null)]
    [InlineData("Dictionary<string, Item[]>", null)]
    [InlineData("IReadOnlyDictionary<string, int?>", null)]
    [InlineData("Item", null)]
    [InlineData("System.IO.Stream", "stream")]
    [InlineData("object", "object")]
    [InlineData("Bad", "Body: streams")]
    [InlineData("System.Net.IPAddress", "framework type")]
    [InlineData("(int, int)", "tuple")]
    public void Payload_rules_explain_what_is_unsupported(string type, string? reasonFragment)
    {
        var source = $$"""
            using System.Collections.Generic;
            namespace N;
            public sealed record Item(string Name, int? Count);
            public sealed class Bad { public System.IO.Stream? Body { get; set; } }
            public static class Probe { public static void M({{type}} value) { } }
            """;
        var compilation = GeneratorHarness.CreateCompilation("N.App", source);
        var parameterType = compilation.GetTypeByMetadataName("N.Probe")!.GetMembers("M").OfType<IMethodSymbol>().Single().Parameters[0].Type;

        var reason = PayloadTypeRules.GetUnsupportedReason(parameterType, compilation.Assembly);

        if (reasonFragment is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.NotNull(reason);
            Assert.Contains(reasonFragment, reason, StringComparison.OrdinalIgnoreCase);
        }
    }
}
