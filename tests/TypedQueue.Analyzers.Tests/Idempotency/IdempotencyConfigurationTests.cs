using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;
using static TypedQueue.Analyzers.Tests.Idempotency.IdempotencyTestSources;

namespace TypedQueue.Analyzers.Tests.Idempotency;

/// <summary>Declaring handlers idempotent and methods side-effecting, by attribute and by .editorconfig.</summary>
public sealed class IdempotencyConfigurationTests
{
    private const string Effects = """
                await http.PostAsync("https://api.example.com", null);
                Processed++;
        """;

    [Fact]
    public Task IdempotentAttributeOnTheHandlerSilencesTQ0010() =>
        AnalyzerVerifier.VerifyAsync(Handler(Effects, attributes: "[QueueTask]\n    [Idempotent]"));

    [Fact]
    public Task IdempotentAttributeOnTheClassSilencesTQ0010() =>
        AnalyzerVerifier.VerifyAsync(Handler(Effects).Replace("public sealed class Handlers(", "[Idempotent]\npublic sealed class Handlers(", StringComparison.Ordinal));

    [Theory]
    [InlineData("Handlers.Handle")]
    [InlineData("Handlers")]
    [InlineData("Other.Type.Method, Handlers.Handle")]
    [InlineData("global::Handlers.Handle")]
    public Task EditorConfigIdempotentHandlersSilencesTQ0010(string list) => AnalyzerVerifier.VerifyAsync(Handler(Effects), $"""
        root = true

        [*.cs]
        typedqueue.idempotent_handlers = {list}
        """);

    [Fact]
    public Task EditorConfigListingAnotherHandlerChangesNothing() => AnalyzerVerifier.VerifyAsync(
        Handler("""await {|TQ0010:http.PostAsync("https://api.example.com", null)|};"""),
        """
        root = true

        [*.cs]
        typedqueue.idempotent_handlers = Handlers.Other, Handler
        """);

    [Fact]
    public Task SideEffectAttributeMarksAUserMethod() =>
        AnalyzerVerifier.VerifyAsync(Handler("""await {|TQ0010:Ledger.ChargeAsync(order.Id)|};"""));

    [Fact]
    public async Task EditorConfigSideEffectMethodsMarksAUserMethod()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync(Handler("""await {|TQ0010:Ledger.RefundAsync(order.Id)|};"""), """
            root = true

            [*.cs]
            typedqueue.side_effect_methods = Data.Ledger.RefundAsync
            """);

        Assert.Contains("calls 'Data.Ledger.RefundAsync', which is marked as a side effect", Assert.Single(diagnostics).GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task MarkedSideEffectKeyedByTheTaskIdIsSilent() =>
        AnalyzerVerifier.VerifyAsync(Handler("""await Ledger.ChargeAsync((int)context.Id);"""));

    [Fact]
    public Task SeverityCanBeRaisedAndTurnedOff() => AnalyzerVerifier.VerifyAsync(
        Handler("""
                await http.PostAsync("https://api.example.com", null);
                File.WriteAllText($"/out/{Guid.NewGuid()}", "");
        """),
        """
        root = true

        [*.cs]
        dotnet_diagnostic.TQ0010.severity = none
        dotnet_diagnostic.TQ0011.severity = none
        """);
}
