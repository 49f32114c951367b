using System.Reflection;
using TypedQueue.Dispatch;

namespace TypedQueue.Generators.Tests;

/// <summary>Compiles generated code with zero diagnostics, loads it, and runs it.</summary>
public sealed class RuntimeTests
{
    private const string Rich = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Threading;
        using System.Threading.Tasks;
        using TypedQueue;

        namespace Rt;

        public enum Color { Red, DarkGreen }

        public sealed record Line(string Sku, int Quantity, decimal Price);

        public sealed record Order(
            Guid Id,
            DateTimeOffset PlacedAt,
            decimal Total,
            int? Discount,
            Color Color,
            Line Main,
            List<Line> Lines,
            Dictionary<string, string> Meta,
            string[] Tags,
            IReadOnlyList<int> Numbers,
            HashSet<string> Flags)
        {
            public string? Note { get; init; }
            public DateOnly Day { get; set; }
            public required TimeSpan Window { get; init; }
        }

        public struct Point
        {
            public int X { get; set; }
            public int Y { get; init; }
        }

        public sealed record OrderResult(string Message, int Attempt, Point Where);

        public interface IGreeter { string Greet(string name); }

        public sealed class Greeter : IGreeter { public string Greet(string name) => "Hello " + name; }

        public sealed class OrderHandler(IGreeter greeter, IServiceProvider? optional = null) : IAsyncDisposable
        {
            public IServiceProvider? Optional { get; } = optional;

            public static int Disposed;

            [QueueTask(Name = "rt.place-order", Priority = TaskPriority.Critical)]
            public async Task<OrderResult> PlaceOrder(CancellationToken cancellationToken, Order order, TaskContext context)
            {
                await Task.Yield();
                return new OrderResult(greeter.Greet(order.Main.Sku), context.Attempt, new Point { X = 1, Y = 2 });
            }

            public ValueTask DisposeAsync()
            {
                Disposed++;
                return default;
            }
        }

        public static class SyncHandlers
        {
            public static int Calls;

            [QueueTask(Name = "rt.count")]
            public static int Count(IList<string> words) => words.Count;

            [QueueTask(Name = "rt.touch")]
            public static void Touch(Dictionary<string, int> payload) => Calls += payload.Count;

            [QueueTask(Name = "rt.every-minute", Cron = "@every_minute")]
            public static ScheduledOccurrence EveryMinute(ScheduledOccurrence occurrence) => occurrence;
        }

        public static class Probe
        {
            public static Order Sample() => new(
                new Guid("6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
                new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)),
                12.50m,
                null,
                Color.DarkGreen,
                new Line("A-1", 2, 3.25m),
                [new Line("B-2", 1, 6m)],
                new() { ["source"] = "web" },
                ["x", "y"],
                [1, 2, 3],
                ["gift"])
            {
                Note = "ring twice",
                Day = new DateOnly(2026, 1, 2),
                Window = TimeSpan.FromMinutes(90),
            };

            public static string Serialize(Order order) => JsonSerializer.Serialize(order, global::Rt.App.Tasks.PlaceOrder.Definition.PayloadTypeInfo);

            public static Order Deserialize(string json) => JsonSerializer.Deserialize(json, global::Rt.App.Tasks.PlaceOrder.Definition.PayloadTypeInfo)!;
        }
        """;

    private static readonly Lazy<Assembly> s_assembly = new(() => GeneratorHarness.CompileAndLoad("Rt.App", Rich));

    [Fact]
    public void Rich_payload_round_trips_as_readable_camel_case_json()
    {
        var probe = s_assembly.Value.GetType("Rt.Probe")!;
        var sample = probe.GetMethod("Sample")!.Invoke(null, null);
        var json = (string)probe.GetMethod("Serialize")!.Invoke(null, [sample])!;

        Assert.Equal(
            """{"id":"6f9619ff-8b86-d011-b42d-00cf4fc964ff","placedAt":"2026-01-02T03:04:05+01:00","total":12.50,"discount":null,"color":"DarkGreen","main":{"sku":"A-1","quantity":2,"price":3.25},"lines":[{"sku":"B-2","quantity":1,"price":6}],"meta":{"source":"web"},"tags":["x","y"],"numbers":[1,2,3],"flags":["gift"],"note":"ring twice","day":"2026-01-02","window":"01:30:00"}""",
            json);

        var back = probe.GetMethod("Deserialize")!.Invoke(null, [json]);
        Assert.Equal(json, (string)probe.GetMethod("Serialize")!.Invoke(null, [back])!);
    }

    [Fact]
    public void Reading_is_case_insensitive_and_required_members_are_enforced()
    {
        var probe = s_assembly.Value.GetType("Rt.Probe")!;
        var json = """{"ID":"6f9619ff-8b86-d011-b42d-00cf4fc964ff","Main":{"Sku":"s","Quantity":1,"Price":1},"Lines":[],"Meta":{},"Tags":[],"Numbers":[],"Flags":[],"Window":"00:00:01","Color":"red"}""";
        var order = probe.GetMethod("Deserialize")!.Invoke(null, [json]);
        Assert.Contains("\"window\":\"00:00:01\"", (string)probe.GetMethod("Serialize")!.Invoke(null, [order])!, StringComparison.Ordinal);

        var missingRequired = Assert.Throws<TargetInvocationException>(() => probe.GetMethod("Deserialize")!.Invoke(null, ["""{"main":{"sku":"s","quantity":1,"price":1}}"""]));
        Assert.IsType<System.Text.Json.JsonException>(missingRequired.InnerException);
    }

    [Fact]
    public async Task Instance_handler_is_built_from_services_invoked_and_disposed()
    {
        var assembly = s_assembly.Value;
        var definition = Definition(assembly, "PlaceOrder");
        Assert.Equal(("rt.place-order", "default", 20, 5), (definition.Name, definition.Queue, definition.Priority, definition.MaxAttempts));
        Assert.Same(definition, TaskRegistry.Find("rt.place-order"));

        var greeter = Activator.CreateInstance(assembly.GetType("Rt.Greeter")!)!;
        var services = new MapServices(new() { [assembly.GetType("Rt.IGreeter")!] = greeter });
        var probe = assembly.GetType("Rt.Probe")!;
        var json = (string)probe.GetMethod("Serialize")!.Invoke(null, [probe.GetMethod("Sample")!.Invoke(null, null)])!;
        var disposed = assembly.GetType("Rt.OrderHandler")!.GetField("Disposed")!;
        var before = (int)disposed.GetValue(null)!;

        var result = await definition.InvokeAsync(services, json, Context("rt.place-order", attempt: 3), CancellationToken.None);

        Assert.Equal("""{"message":"Hello A-1","attempt":3,"where":{"x":1,"y":2}}""", result);
        Assert.Equal(before + 1, (int)disposed.GetValue(null)!);
    }

    [Fact]
    public async Task Static_sync_handlers_return_json_results_or_null()
    {
        var assembly = s_assembly.Value;
        var services = new MapServices([]);

        Assert.Equal("2", await Definition(assembly, "Count").InvokeAsync(services, """["a","b"]""", Context("rt.count"), CancellationToken.None));
        Assert.Null(await Definition(assembly, "Touch").InvokeAsync(services, """{"a":1}""", Context("rt.touch"), CancellationToken.None));
        Assert.Equal(1, (int)assembly.GetType("Rt.SyncHandlers")!.GetField("Calls")!.GetValue(null)!);
    }

    [Fact]
    public void All_lists_every_definition_by_wire_name()
    {
        var all = (IReadOnlyList<TaskDefinition>)s_assembly.Value.GetType("Rt.App.Tasks")!.GetProperty("All")!.GetValue(null)!;
        Assert.Equal(["rt.count", "rt.every-minute", "rt.place-order", "rt.touch"], all.Select(d => d.Name));
    }

    [Fact]
    public async Task A_cron_handler_carries_its_schedule_and_reads_the_occurrence_the_scheduler_writes()
    {
        var definition = Definition(s_assembly.Value, "EveryMinute");
        Assert.Equal(("@every_minute", (string?)null), (definition.Cron, definition.CronTimeZone));
        Assert.Null(Definition(s_assembly.Value, "Count").Cron);

        // The JSON the runtime's scheduler writes for each occurrence (camelCase, ISO 8601 time).
        const string Occurrence = """{"recurringId":"rt.every-minute","scheduledAt":"2026-01-01T00:05:00+00:00"}""";
        Assert.Equal(Occurrence, await definition.InvokeAsync(new MapServices([]), Occurrence, Context("rt.every-minute"), CancellationToken.None));
    }

    private static TaskDefinition Definition(Assembly assembly, string method) =>
        (TaskDefinition)assembly.GetType($"Rt.App.Tasks+{method}")!.GetProperty("Definition")!.GetValue(null)!;

    private static TaskContext Context(string name, int attempt = 1) =>
        new(1, name, "default", attempt, 5, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);

    private sealed class MapServices(Dictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
