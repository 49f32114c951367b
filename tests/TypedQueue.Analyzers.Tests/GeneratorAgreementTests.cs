using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TypedQueue.Analyzers.Tests.Infrastructure;
using TypedQueue.Generators;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>
/// The generator skips invalid handlers silently; the analyzers must explain every skip and never flag a handler the
/// generator accepts. Runs both over the same compilation and compares handler by handler.
/// </summary>
public sealed class GeneratorAgreementTests
{
    private const string Corpus = """
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;

        namespace Corpus;

        public enum Channel { Email, Sms }
        public record Address(string Street, string City);
        public record Order(Guid Id, List<Address> Stops, Dictionary<string, int> Counts, Channel Channel, DateTimeOffset At);
        public record WithCallback(string Name, Action Callback);
        public sealed class SeveralCtors { public SeveralCtors(int a) { } public SeveralCtors(string b) { } public int A { get; set; } }
        public sealed class Legacy { public object? Anything { get; set; } }
        public abstract class AbstractPayload { }

        [JsonConverter(typeof(MoneyConverter))]
        public sealed record Money(decimal Amount);
        public sealed class MoneyConverter : JsonConverter<Money>
        {
            public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(0);
            public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) => writer.WriteNumberValue(0);
        }

        [JsonSerializable(typeof(Legacy))]
        public sealed class LegacyContext : JsonSerializerContext
        {
            public LegacyContext() : base(null) { }
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }

        public static class Statics
        {
            [QueueTask(Name = "orders.place", Priority = TaskPriority.High, MaxAttempts = 3, Queue = "orders")]
            public static Task V01(Order order, CancellationToken ct) => Task.CompletedTask;
            [QueueTask] public static async Task<Address> V02(TaskContext context, string id, CancellationToken ct) { await Task.Yield(); return new("a", "b"); }
            [QueueTask] public static ValueTask V03(CancellationToken ct, int value, TaskContext context) => default;
            [QueueTask] public static void V04(List<string> items) { }
            [QueueTask] public static Channel V05(Channel channel) => channel;
            [QueueTask] public static Task V06(Legacy legacy) => Task.CompletedTask;
            [QueueTask] public static void V07(string s) => Thread.Sleep(1);

            [QueueTask] public static Task X01(Action callback) => Task.CompletedTask;
            [QueueTask] public static Task X02(Stream stream) => Task.CompletedTask;
            [QueueTask] public static Task X03(object o) => Task.CompletedTask;
            [QueueTask] public static Task X04(WithCallback w) => Task.CompletedTask;
            [QueueTask] public static Task X05(Dictionary<int, string> d) => Task.CompletedTask;
            [QueueTask] public static Task X06(SeveralCtors s) => Task.CompletedTask;
            [QueueTask] public static Task X07(AbstractPayload p) => Task.CompletedTask;
            [QueueTask] public static Task X08(Money m) => Task.CompletedTask;
            [QueueTask] public static Task X09() => Task.CompletedTask;
            [QueueTask] public static Task X10(string a, int b) => Task.CompletedTask;
            [QueueTask] public static Task X11(ref int a) => Task.CompletedTask;
            [QueueTask] public static Task X12(params int[] a) => Task.CompletedTask;
            [QueueTask] public static Task X13<T>(string a) => Task.CompletedTask;
            [QueueTask] public static Task X14(string a, CancellationToken x, CancellationToken y) => Task.CompletedTask;
            [QueueTask] public static Task<Stream> X15(string a) => Task.FromResult(Stream.Null);
            [QueueTask] public static object X16(string a) => a;
            [QueueTask] public static async void X17(string a) => await Task.Yield();
            [QueueTask] private static Task X18(string a) => Task.CompletedTask;
            [QueueTask(MaxAttempts = 0)] public static Task X19(string a) => Task.CompletedTask;
            [QueueTask(Priority = 1001)] public static Task X20(string a) => Task.CompletedTask;
            [QueueTask(Name = " ")] public static Task X21(string a) => Task.CompletedTask;
            [QueueTask(Queue = "")] public static Task X22(string a) => Task.CompletedTask;
            [QueueTask(Name = "orders.place")] public static Task X23(string a) => Task.CompletedTask;
            [QueueTask] public static Task All(string a) => Task.CompletedTask;
            [QueueTask(RateLimit = 10, RateLimitPeriodSeconds = 0.5)] public static Task V20(string a) => Task.CompletedTask;
            [QueueTask(RateLimit = 0)] public static Task X40(string a) => Task.CompletedTask;
            [QueueTask(RateLimit = 5, RateLimitPeriodSeconds = 0)] public static Task X41(string a) => Task.CompletedTask;
            [QueueTask(RateLimitPeriodSeconds = 2)] public static Task X42(string a) => Task.CompletedTask;
        }

        public abstract class AbstractHandlers
        {
            [QueueTask] public Task X24(string a) => Task.CompletedTask;
            [QueueTask] public static Task V08(string a) => Task.CompletedTask;
        }

        public class GenericHandlers<T>
        {
            [QueueTask] public static Task X25(string a) => Task.CompletedTask;
        }

        public sealed class NoCtor
        {
            private NoCtor() { }
            [QueueTask] public Task X26(string a) => Task.CompletedTask;
        }

        public sealed class WithServices(IServiceProvider services)
        {
            [QueueTask] public Task V09(Order order) => Task.CompletedTask;
            [QueueTask] public Task<int> V10(Address address) => Task.FromResult(services.GetHashCode());
        }

        public static class Outer
        {
            private static class Hidden
            {
                [QueueTask] public static Task X27(string a) => Task.CompletedTask;
            }
        }

        public struct StructHandlers
        {
            [QueueTask] public Task X28(string a) => Task.CompletedTask;
        }

        public static class Crons
        {
            [QueueTask(Cron = "*/5 * * * *", CronTimeZone = "Europe/Paris")] public static Task V12(ScheduledOccurrence o) => Task.CompletedTask;
            [QueueTask(Cron = "@daily")] public static Task V13(ScheduledOccurrence o) => Task.CompletedTask;
            [QueueTask(Cron = "0 0 12 ? JAN-MAR MON-FRI")] public static Task V14(ScheduledOccurrence o, CancellationToken ct) => Task.CompletedTask;
            [QueueTask(Cron = "61 * * * *")] public static Task X29(ScheduledOccurrence o) => Task.CompletedTask;
            [QueueTask(Cron = "* * *")] public static Task X30(ScheduledOccurrence o) => Task.CompletedTask;
            [QueueTask(Cron = "0 * * * *")] public static Task X31(Order o) => Task.CompletedTask;
            [QueueTask(CronTimeZone = "UTC")] public static Task X32(ScheduledOccurrence o) => Task.CompletedTask;
        }

        public static class Clash1 { [QueueTask] public static Task V11(string a) => Task.CompletedTask; }
        public static class Clash2 { [QueueTask(Name = "other")] public static Task V11(int a) => Task.CompletedTask; }
        """;

    /// <summary>
    /// Handlers where the generator is more lenient than the contract. X17 is <c>async void</c>: the contract forbids it
    /// (TQ0003) but the generator still registers it; remove the entry once the generator skips it.
    /// </summary>
    private static readonly HashSet<string> KnownDivergences = [];

    [Fact]
    public async Task AnalyzersFlagExactlyTheHandlersTheGeneratorSkips()
    {
        using var workspace = new AdhocWorkspace();
        var document = TestProject.Create(workspace, Corpus);
        var compilation = (await document.Project.GetCompilationAsync())!;
        var tree = (await document.GetSyntaxTreeAsync())!;
        var root = await tree.GetRootAsync();

        var generated = CSharpGeneratorDriver
            .Create([new QueueTaskGenerator().AsSourceGenerator()], parseOptions: TestProject.ParseOptions)
            .RunGenerators(compilation)
            .GetRunResult()
            .Results.Single()
            .GeneratedSources
            .Select(s => s.HintName)
            .Where(h => h.StartsWith("Tasks.", StringComparison.Ordinal) && h.Count(c => c == '.') == 3)
            .Select(h => h.Split('.')[1])
            .ToList();

        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(document);
        var handlers = root.DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() == "QueueTask"))
            .ToList();

        var mismatches = new List<string>();
        foreach (var handler in handlers)
        {
            var errors = diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree && handler.FullSpan.Contains(d.Location.SourceSpan))
                .ToList();
            var name = handler.Identifier.ValueText;
            if (name == "V11" || KnownDivergences.Contains(name))
            {
                continue;
            }

            var accepted = generated.Contains(name);
            if (accepted == (errors.Count > 0))
            {
                mismatches.Add($"{name}: generator {(accepted ? "accepted" : "skipped")}, analyzers reported [{string.Join(", ", errors.Select(e => e.Id))}]");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
        Assert.Contains("V11", generated);
        Assert.Single(diagnostics, d => d.Id == "TQ0005" && handlers.Any(h => h.Identifier.ValueText == "V11" && h.Identifier.Span == d.Location.SourceSpan));
        Assert.All(handlers.Where(h => h.Identifier.ValueText.StartsWith('V')), h => Assert.Contains(h.Identifier.ValueText, generated));
    }
}
