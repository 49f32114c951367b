using TypedQueue.Analyzers.CodeFixes;
using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;
using static TypedQueue.Analyzers.Tests.Idempotency.IdempotencyTestSources;

namespace TypedQueue.Analyzers.Tests.Idempotency;

/// <summary>The TQ0010 fixes: declare the handler [Idempotent], or key an enqueue by the task id.</summary>
public sealed class IdempotencyCodeFixTests
{
    [Fact]
    public Task MarkIdempotentAddsTheAttribute() => CodeFixVerifier.VerifyAsync(
        new IdempotentAttributeCodeFix(),
        Handler("""        await {|TQ0010:http.PostAsync("https://api.example.com", null)|};"""),
        Handler("""        await http.PostAsync("https://api.example.com", null);""", attributes: "[QueueTask]\n    [Idempotent]"));

    [Fact]
    public Task MarkIdempotentAddsTheUsingWhenNeeded() => CodeFixVerifier.VerifyAsync(
        new IdempotentAttributeCodeFix(),
        """
        namespace Shop
        {
            public sealed class Handlers(System.Net.Http.HttpClient http)
            {
                [TypedQueue.QueueTask]
                public async System.Threading.Tasks.Task Charge(string payload)
                {
                    await {|TQ0010:http.PostAsync("https://api.example.com", null)|};
                }
            }
        }
        """,
        """
        using TypedQueue;

        namespace Shop
        {
            public sealed class Handlers(System.Net.Http.HttpClient http)
            {
                [TypedQueue.QueueTask]
                [Idempotent]
                public async System.Threading.Tasks.Task Charge(string payload)
                {
                    await http.PostAsync("https://api.example.com", null);
                }
            }
        }
        """,
        globalUsings: false);

    [Fact]
    public Task UseTaskIdAddsOptionsAfterPositionalArguments() => CodeFixVerifier.VerifyAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email)|};"""),
        Handler("""        await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = $"{context.Id}:SendReceipt" });"""));

    [Fact]
    public Task UseTaskIdAddsANamedArgumentAfterNamedArguments() => CodeFixVerifier.VerifyAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email, cancellationToken: cancellationToken)|};"""),
        Handler("""        await Tasks.SendReceipt.EnqueueAsync(order.Email, cancellationToken: cancellationToken, options: new EnqueueOptions { IdempotencyKey = $"{context.Id}:SendReceipt" });"""));

    [Fact]
    public Task UseTaskIdReplacesAnExplicitNull() => CodeFixVerifier.VerifyAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email, null, cancellationToken)|};""", parameters: "Order order, TaskContext task, CancellationToken cancellationToken"),
        Handler("""        await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = $"{task.Id}:SendReceipt" }, cancellationToken);""", parameters: "Order order, TaskContext task, CancellationToken cancellationToken"));

    [Fact]
    public Task UseTaskIdIsNotOfferedWithoutATaskContextParameter() => CodeFixVerifier.VerifyNoFixAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email)|};""", parameters: "Order order, CancellationToken cancellationToken"));

    [Fact]
    public Task UseTaskIdIsNotOfferedForOtherEffects() => CodeFixVerifier.VerifyNoFixAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:http.PostAsync("https://api.example.com", null)|};"""));

    [Fact]
    public Task UseTaskIdIsNotOfferedForEnqueueMany() => CodeFixVerifier.VerifyNoFixAsync(
        new EnqueueIdempotencyKeyCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueManyAsync(new[] { order.Email })|};"""));

    [Fact]
    public Task MarkIdempotentIsOfferedForEnqueuesToo() => CodeFixVerifier.VerifyAsync(
        new IdempotentAttributeCodeFix(),
        Handler("""        await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email)|};""", parameters: "Order order"),
        Handler("""        await Tasks.SendReceipt.EnqueueAsync(order.Email);""", parameters: "Order order", attributes: "[QueueTask]\n    [Idempotent]"));
}
