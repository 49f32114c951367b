using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>Handlers that honour the contract must produce no diagnostic at all, from any rule.</summary>
public sealed class ValidHandlerTests
{
    [Fact]
    public Task RichSetOfValidHandlersIsSilent() => AnalyzerVerifier.VerifyAsync("""
        using System.Text.Json.Serialization;

        namespace Shop;

        public enum Channel { Email, Sms }
        public record Address(string Street, string City);
        public record Customer(Guid Id, string Name, Address Address, Channel Preferred, DateTimeOffset Since);
        public record OrderLine(string Sku, int Quantity, decimal Price);
        public record TreeNode(string Name, List<TreeNode> Children);
        public readonly record struct Point(int X, int Y);
        public sealed record PlaceOrder(
            Customer Customer,
            List<OrderLine> Lines,
            Dictionary<string, int> Counts,
            IReadOnlyDictionary<string, List<Address>> ByRegion,
            IReadOnlyList<string> Tags,
            HashSet<Guid> Seen,
            Point[] Points,
            int[] Numbers,
            byte[] Blob,
            TimeSpan? Timeout,
            DateOnly Day,
            TimeOnly At,
            Uri? Callback,
            Dictionary<string, Point?> Extra,
            TreeNode Tree);

        public sealed class Receipt
        {
            public string Number { get; set; } = "";
            public Point? Where { get; init; }
            [JsonIgnore] public Action? OnPrinted { get; set; }
            private Stream? Hidden { get; set; }
            public static object Shared { get; } = new();
        }

        public sealed class OrderHandlers
        {
            public OrderHandlers(IServiceProvider services) { }

            [QueueTask(Name = "orders.place", Priority = TaskPriority.High, MaxAttempts = 3, Queue = "orders")]
            public Task PlaceOrder(PlaceOrder order, CancellationToken cancellationToken) => Task.CompletedTask;

            [QueueTask]
            public async Task<Receipt> IssueReceipt(TaskContext context, string orderId, CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                return new Receipt();
            }

            [QueueTask]
            public ValueTask Ping(CancellationToken cancellationToken, int value, TaskContext context) => default;

            [QueueTask]
            public ValueTask<int> CountItems(List<string> items) => new(items.Count);

            [QueueTask]
            public void Log(string message) { }

            [QueueTask]
            public Channel PickChannel(Channel channel) => channel;

            [QueueTask]
            public async ValueTask<Dictionary<string, OrderLine[]>> Group(PlaceOrder order)
            {
                var lines = await Task.FromResult(order.Lines);
                return new Dictionary<string, OrderLine[]> { ["all"] = lines.ToArray() };
            }
        }

        public static class MaintenanceHandlers
        {
            [QueueTask(Priority = TaskPriority.Min, MaxAttempts = 1)]
            public static Task Cleanup(DateOnly day) => Task.CompletedTask;

            [QueueTask(Priority = TaskPriority.Max, Name = "customers.echo")]
            public static Customer Echo(Customer customer) => customer;

            [QueueTask]
            public static Task Move(Point point, TaskContext context) => Task.CompletedTask;
        }

        public abstract class HandlerBase
        {
            [QueueTask]
            public static void FromAbstractType(Guid id) { }
        }

        public class Outer
        {
            public class Inner
            {
                [QueueTask]
                public Task Nested(Address address) => Task.CompletedTask;
            }
        }

        internal sealed class InternalHandlers
        {
            internal InternalHandlers() { }

            [QueueTask(Name = "trees.walk")]
            public Task Walk(TreeNode tree) => Task.CompletedTask;
        }

        public sealed class NotHandlers
        {
            // No [QueueTask]: nothing here is a handler, so nothing is reported.
            public async void Fire() => await Task.Yield();
            public void Block(Task<int> task) { var _ = task.Result; task.Wait(); Thread.Sleep(1); }
            public T Generic<T>(T value, Stream stream, ref int count) => value;
        }
        """);

    [Fact]
    public Task CompilationWithoutTypedQueueAttributeIsSilent() => AnalyzerVerifier.VerifyAsync("""
        namespace Other;

        [AttributeUsage(AttributeTargets.Method)]
        public sealed class QueueTaskAttribute : Attribute { public int MaxAttempts { get; set; } }

        public abstract class Handlers<T>
        {
            [QueueTask(MaxAttempts = 0)]
            public async void Handle(Action a, Stream s) { await Task.Yield(); }
        }
        """);
}
