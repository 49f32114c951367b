using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>TQ0001: payload types that cannot round-trip through JSON.</summary>
public sealed class PayloadTypeTests
{
    private const string Types = """

        public interface IPayload { }
        public abstract class AbstractPayload { public int X { get; set; } }
        public sealed class PrivateCtor { private PrivateCtor() { } public int X { get; set; } }
        public record WithCallback(string Name, Action Callback);
        public record Inner(object Anything);
        public record Outer(string Name, Inner Inner);
        public record WithStreams(List<MemoryStream> Streams);
        public record Deep(Dictionary<string, List<WithCallback>> Items);
        public sealed class SeveralCtors { public SeveralCtors(int a) { } public SeveralCtors(string b) { } public int A { get; set; } }
        public sealed class CtorMismatch { public CtorMismatch(int count) { } public string Count { get; set; } = ""; }
        """;

    [Theory]
    [InlineData("Action")]
    [InlineData("Func<int>")]
    [InlineData("Stream")]
    [InlineData("MemoryStream")]
    [InlineData("int*")]
    [InlineData("Span<byte>")]
    [InlineData("ReadOnlySpan<char>")]
    [InlineData("IPayload")]
    [InlineData("IDisposable")]
    [InlineData("AbstractPayload")]
    [InlineData("object")]
    [InlineData("dynamic")]
    [InlineData("PrivateCtor")]
    [InlineData("WithCallback")]
    [InlineData("Outer")]
    [InlineData("WithStreams")]
    [InlineData("Deep")]
    [InlineData("List<Action>")]
    [InlineData("Action[]")]
    [InlineData("int[,]")]
    [InlineData("Dictionary<int, string>")]
    [InlineData("Dictionary<Guid, string>")]
    [InlineData("Dictionary<string, Stream>")]
    [InlineData("IReadOnlyDictionary<string, object>")]
    [InlineData("System.Collections.ArrayList")]
    [InlineData("KeyValuePair<string, int>")]
    [InlineData("ISet<string>")]
    [InlineData("SeveralCtors")]
    [InlineData("CtorMismatch")]
    [InlineData("IComparable<int>")]
    [InlineData("(int, Action)")]
    public Task UnsupportedPayloadIsReportedOnParameterType(string type) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Handlers
        {
            [QueueTask]
            public static unsafe Task Handle({|TQ0001:{{type}}|} payload, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        {{Types}}
        """);

    [Fact]
    public async Task MessageNamesThePathToTheOffendingMember()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync($$"""
            public static class Handlers
            {
                [QueueTask]
                public static void Handle({|TQ0001:Outer|} payload) { }
            }
            {{Types}}
            """);

        var message = Assert.Single(diagnostics).GetMessage();
        Assert.Contains("Inner.Anything: 'object' needs reflection", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DictionaryKeyMessageSaysKeysMustBeStrings()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            public static class Handlers
            {
                [QueueTask]
                public static void Handle({|TQ0001:Dictionary<int, string>|} payload) { }
            }
            """);

        Assert.Contains("dictionary keys must be strings", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task OpenGenericPayloadOfGenericMethodIsReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static void {|TQ0002:Handle|}<T>({|TQ0001:T|} payload) { }
        }
        """);

    [Fact]
    public Task PayloadFromGenericContainingTypeIsReported() => AnalyzerVerifier.VerifyAsync("""
        public class Handlers<T>
        {
            [QueueTask]
            public Task {|TQ0004:Handle|}({|TQ0001:List<T>|} payload) => Task.CompletedTask;
        }
        """);

    [Theory]
    [InlineData("string")]
    [InlineData("int?")]
    [InlineData("Guid")]
    [InlineData("decimal")]
    [InlineData("DateTimeOffset")]
    [InlineData("List<string>")]
    [InlineData("IEnumerable<int>")]
    [InlineData("IReadOnlyList<string>")]
    [InlineData("HashSet<int>")]
    [InlineData("byte[]")]
    [InlineData("IReadOnlyDictionary<string, string>")]
    [InlineData("Dictionary<string, List<int>>")]
    [InlineData("IDictionary<string, DayOfWeek>")]
    [InlineData("DayOfWeek")]
    [InlineData("Version")]
    [InlineData("TimeSpan")]
    public Task SupportedPayloadIsSilent(string type) => AnalyzerVerifier.VerifyAsync($$"""
        public static class Handlers
        {
            [QueueTask]
            public static Task Handle({{type}} payload, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task PayloadIsNotCheckedWhenTheSignatureHasSeveralPayloads() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            public static void {|TQ0002:Handle|}(Action first, Stream second) { }
        }
        """);

    [Fact]
    public async Task TypeWithCustomJsonConverterNeedsAUserContext()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync("""
            using System.Text.Json;
            using System.Text.Json.Serialization;

            [JsonConverter(typeof(MoneyConverter))]
            public sealed record Money(decimal Amount, string Currency);

            public sealed class MoneyConverter : JsonConverter<Money>
            {
                public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(0, "EUR");
                public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) => writer.WriteStringValue("0 EUR");
            }

            public static class Handlers
            {
                [QueueTask]
                public static Task Charge({|TQ0001:Money|} payload) => Task.CompletedTask;
            }
            """);

        Assert.Contains("[JsonConverter]", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task PrivatePayloadTypeIsReported() => AnalyzerVerifier.VerifyAsync("""
        public static class Handlers
        {
            [QueueTask]
            private static Task {|TQ0002:Handle|}({|TQ0001:Hidden|} payload) => Task.CompletedTask;

            private sealed class Hidden { public int X { get; set; } }
        }
        """);

    [Fact]
    public Task TypesListedOnAUserJsonSerializerContextAreAccepted() => AnalyzerVerifier.VerifyAsync("""
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;

        public sealed class Legacy { public object? Anything { get; set; } }
        public sealed record Envelope(string Id, Legacy Body);

        [JsonSerializable(typeof(Legacy))]
        public sealed class LegacyContext : JsonSerializerContext
        {
            public LegacyContext() : base(null) { }
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }

        public static class Handlers
        {
            [QueueTask]
            public static Task Direct(Legacy payload) => Task.CompletedTask;

            [QueueTask]
            public static Task Wrapped(Envelope payload) => Task.CompletedTask;

            [QueueTask]
            public static Task NotListed({|TQ0001:Action|} payload) => Task.CompletedTask;
        }
        """);
}
