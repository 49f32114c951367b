using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;
using static TypedQueue.Analyzers.Tests.Idempotency.IdempotencyTestSources;

namespace TypedQueue.Analyzers.Tests.Idempotency;

/// <summary>TQ0011: values that differ on every attempt flowing into file paths, idempotency keys and inserted rows.</summary>
public sealed class AttemptVaryingValueTests
{
    public static TheoryData<string> Reported { get; } = new()
    {
        """await File.WriteAllTextAsync(Path.Combine("/out", $"{{|TQ0011:Guid.NewGuid()|}}.json"), "{}", cancellationToken);""",
        """
        var name = {|TQ0011:Guid.NewGuid()|}.ToString("N");
        File.WriteAllText("/out/" + name, "{}");
        """,
        """using var stream = new FileStream($"/out/{{|TQ0011:Random.Shared.Next()|}}.bin", FileMode.Create);""",
        """File.Copy(order.Path, Path.Combine("/archive", {|TQ0011:TimeProvider.System.GetUtcNow()|}.ToUnixTimeSeconds().ToString()));""",
        """File.Move(order.Path, $"/archive/{{|TQ0011:DateTime.UtcNow|}.Ticks}");""",
        """File.Move(order.Path, $"/archive/{{|TQ0011:Environment.TickCount64|}}");""",
        """await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = {|TQ0011:Guid.NewGuid()|}.ToString() });""",
        """
        var key = $"receipt:{order.Id}:{{|TQ0011:DateTimeOffset.UtcNow|}}";
        await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = key });
        """,
        """await db.ExecuteAsync("INSERT INTO orders (task_id, id, created) VALUES (@TaskId, @Id, @Created) ON CONFLICT DO NOTHING", new { TaskId = context.Id, Id = {|TQ0011:Guid.NewGuid()|}, Created = {|TQ0011:DateTime.UtcNow|} });""",
        """await db.ExecuteAsync($"INSERT INTO audit (task_id, id) VALUES ({context.Id}, '{{|TQ0011:Guid.NewGuid()|}}')");""",
    };

    public static TheoryData<string> Silent { get; } = new()
    {
        """logger.LogInformation("Started at {Now}, trace {Trace}", DateTime.UtcNow, Guid.NewGuid());""",
        """File.WriteAllText(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".tmp"), "{}");""",
        """await db.ExecuteAsync("UPDATE orders SET sent_at = @Now WHERE id = @Id", new { Now = DateTime.UtcNow, order.Id });""",
        """await File.WriteAllTextAsync(Path.Combine("/out", $"{order.Id}.json"), DateTime.UtcNow.ToString("O"), cancellationToken);""",
        """await Tasks.SendReceipt.EnqueueAsync(order.Email, new EnqueueOptions { IdempotencyKey = $"{context.Id}:receipt", RunAt = DateTimeOffset.UtcNow.AddHours(1) });""",
        """
        var started = DateTime.UtcNow;
        logger.LogInformation("Took {Elapsed}", DateTime.UtcNow - started);
        """,
    };

    [Theory]
    [MemberData(nameof(Reported))]
    public Task AttemptVaryingValueInKeyPathOrRowIsReported(string body) => AnalyzerVerifier.VerifyAsync(Handler(body));

    [Theory]
    [MemberData(nameof(Silent))]
    public Task AttemptVaryingValueElsewhereIsSilent(string body) => AnalyzerVerifier.VerifyAsync(Handler(body));

    [Fact]
    public async Task MessageNamesValueHandlerAndUse()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync(Handler("""File.WriteAllText($"/out/{{|TQ0011:Guid.NewGuid()|}}", "");"""));

        Assert.Equal(
            "'Guid.NewGuid()' changes on every attempt of task handler 'Handle' but is used in a file path; a retry would produce a different one, derive it from the payload or TaskContext.Id",
            Assert.Single(diagnostics).GetMessage());
    }

    [Fact]
    public Task DeclaringTheHandlerIdempotentDoesNotSilenceIt() => AnalyzerVerifier.VerifyAsync(Handler(
        """File.WriteAllText($"/out/{{|TQ0011:Guid.NewGuid()|}}", "");""",
        attributes: "[QueueTask, Idempotent]"));

    [Fact]
    public Task OutsideHandlersIsSilent() => AnalyzerVerifier.VerifyAsync("""
        public static class Exporter
        {
            public static void Export() => File.WriteAllText($"/out/{Guid.NewGuid()}", "");
        }
        """);
}
