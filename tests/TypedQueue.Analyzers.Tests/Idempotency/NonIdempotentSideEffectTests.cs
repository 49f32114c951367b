using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;
using static TypedQueue.Analyzers.Tests.Idempotency.IdempotencyTestSources;

namespace TypedQueue.Analyzers.Tests.Idempotency;

/// <summary>TQ0010: non-repeatable side effects in handlers that do not use their task's identity.</summary>
public sealed class NonIdempotentSideEffectTests
{
    public static TheoryData<string> Reported { get; } = new()
    {
        """await {|TQ0010:http.PostAsync("https://api.example.com/charges", null, cancellationToken)|};""",
        """await {|TQ0010:http.PostAsJsonAsync("https://api.example.com/charges", order, cancellationToken)|};""",
        """await {|TQ0010:http.PatchAsync("https://api.example.com/orders/1", null, cancellationToken)|};""",
        """
        var request = new HttpRequestMessage(HttpMethod.Post, "https://api.example.com/charges");
        await {|TQ0010:http.SendAsync(request, cancellationToken)|};
        """,
        """await {|TQ0010:http.SendAsync(new HttpRequestMessage { Method = HttpMethod.Patch }, cancellationToken)|};""",
        """
        using var smtp = new System.Net.Mail.SmtpClient("localhost");
        await {|TQ0010:smtp.SendMailAsync("shop@example.com", order.Email, "Receipt", "Thanks")|};
        """,
        """await {|TQ0010:mail.SendEmailAsync(order.Email, "Receipt", "Thanks")|};""",
        """await {|TQ0010:File.AppendAllTextAsync(order.Path, "sent\n", cancellationToken)|};""",
        """{|TQ0010:File.AppendAllLines(order.Path, new[] { "sent" })|};""",
        """using var stream = {|TQ0010:new FileStream(order.Path, FileMode.Append)|};""",
        """using var stream = {|TQ0010:File.Open(order.Path, FileMode.Append)|};""",
        """using var writer = {|TQ0010:new StreamWriter(order.Path, append: true)|};""",
        """{|TQ0010:Processed++|};""",
        """{|TQ0010:Processed += order.Id|};""",
        """{|TQ0010:Interlocked.Increment(ref Processed)|};""",
        """await Task.Run(() => {|TQ0010:Processed++|});""",
        """await {|TQ0010:db.ExecuteAsync("INSERT INTO orders (id) VALUES (@Id)", new { order.Id })|};""",
        """await {|TQ0010:db.ExecuteAsync($"insert into audit (order_id) values ({order.Id})")|};""",
        """
        var sql = "INSERT INTO audit (order_id) VALUES (@Id)";
        await {|TQ0010:db.ExecuteAsync(sql, new { order.Id })|};
        """,
        """
        using var command = db.CreateCommand();
        {|TQ0010:command.CommandText = "INSERT INTO audit (order_id) VALUES (1)"|};
        command.ExecuteNonQuery();
        """,
        """await {|TQ0010:new SqliteCommand("INSERT INTO audit (order_id) VALUES (1)", db)|}.ExecuteNonQueryAsync();""",
        """await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email, cancellationToken: cancellationToken)|};""",
        """await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email, null, cancellationToken)|};""",
        """await {|TQ0010:Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { Delay = TimeSpan.FromMinutes(5) })|};""",
        """await {|TQ0010:Tasks.SendReceipt.EnqueueManyAsync(new[] { order.Email })|};""",
        """await {|TQ0010:queue.EnqueueAsync<string>(null!, order.Email)|};""",
        """await {|TQ0010:Ledger.ChargeAsync(order.Id)|};""",
    };

    /// <summary>Repeatable effects, and non-repeatable ones keyed by the task: none of these may warn.</summary>
    public static TheoryData<string> Silent { get; } = new()
    {
        """await http.GetAsync("https://api.example.com/orders/1", cancellationToken);""",
        """await http.GetFromJsonAsync<Order>("https://api.example.com/orders/1", cancellationToken);""",
        """await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://api.example.com/orders/1"), cancellationToken);""",
        """await http.PutAsJsonAsync("https://api.example.com/orders/1", order, cancellationToken);""",
        """await File.WriteAllTextAsync(Path.Combine("/out", order.Id + ".json"), "{}", cancellationToken);""",
        """using var writer = new StreamWriter(order.Path, append: false);""",
        """using var stream = new FileStream(order.Path, FileMode.Create);""",
        """await db.ExecuteAsync("UPDATE orders SET status = 'sent' WHERE id = @Id", new { order.Id });""",
        """await db.ExecuteAsync("INSERT INTO orders (id) VALUES (@Id) ON CONFLICT (id) DO NOTHING", new { order.Id });""",
        """await db.ExecuteAsync("INSERT OR REPLACE INTO orders (id) VALUES (@Id)", new { order.Id });""",
        """await db.ExecuteAsync("MERGE INTO orders USING staged ON orders.id = staged.id WHEN NOT MATCHED THEN INSERT (id) VALUES (staged.id);");""",
        """await db.ExecuteAsync("INSERT INTO sent (task_id) VALUES (@Id)", new { context.Id });""",
        """await http.PostAsJsonAsync("https://api.example.com/charges", new { order.Id, IdempotencyKey = context.Id }, cancellationToken);""",
        """
        http.DefaultRequestHeaders.Add("Idempotency-Key", context.IdempotencyKey);
        await http.PostAsync("https://api.example.com/charges", null, cancellationToken);
        """,
        """await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = $"receipt:{order.Id}" });""",
        """
        var options = new EnqueueOptions { IdempotencyKey = $"receipt:{order.Id}" };
        await Tasks.SendReceipt.EnqueueAsync(order.Email, options);
        """,
        """logger.LogInformation("Order {Id} sent", order.Id);""",
        """
        var count = 0;
        count++;
        count += order.Id;
        """,
        """await File.ReadAllTextAsync(order.Path, cancellationToken);""",
        """await Ledger.RefundAsync(order.Id);""",
    };

    [Theory]
    [MemberData(nameof(Reported))]
    public Task NonRepeatableEffectIsReported(string body) => AnalyzerVerifier.VerifyAsync(Handler(body));

    [Theory]
    [MemberData(nameof(Silent))]
    public Task RepeatableOrKeyedEffectIsSilent(string body) => AnalyzerVerifier.VerifyAsync(Handler(body));

    [Fact]
    public async Task MessageNamesTheHandlerAndTheEffect()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync(Handler("""await {|TQ0010:http.PostAsync("https://api.example.com", null)|};"""));

        Assert.Equal(
            "Task handler 'Handle' sends an HTTP POST but may run more than once; key the effect by TaskContext.Id or TaskContext.IdempotencyKey, or declare the handler [Idempotent]",
            Assert.Single(diagnostics).GetMessage());
    }

    [Fact]
    public Task EveryEffectIsReportedSeparately() => AnalyzerVerifier.VerifyAsync(Handler("""
                await {|TQ0010:http.PostAsync("https://api.example.com", null)|};
                {|TQ0010:Processed++|};
        """));

    [Fact]
    public Task KeyingOneEnqueueDoesNotExcuseOtherEffects() => AnalyzerVerifier.VerifyAsync(Handler("""
                await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = $"{context.Id}:SendReceipt" });
                await {|TQ0010:http.PostAsync("https://api.example.com", null)|};
        """));

    [Fact]
    public Task PassingTheContextOnCountsAsUsingIt() => AnalyzerVerifier.VerifyAsync("""
        public sealed class Handlers(System.Net.Http.HttpClient http)
        {
            [QueueTask]
            public async Task Handle(string payload, TaskContext context)
            {
                await http.PostAsync(Url(context), null);
            }

            private static string Url(TaskContext context) => "https://api.example.com/" + context.Id;
        }
        """);

    [Fact]
    public Task MethodWithoutQueueTaskIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public sealed class Client(System.Net.Http.HttpClient http)
        {
            public static int Calls;

            public async Task Charge()
            {
                Calls++;
                await http.PostAsync("https://api.example.com", null);
            }
        }
        """);

    [Fact]
    public Task ProjectWithoutTypedQueueHandlersIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public static class Counter
        {
            public static int Value;

            public static void Bump() => Value++;
        }
        """);
}
