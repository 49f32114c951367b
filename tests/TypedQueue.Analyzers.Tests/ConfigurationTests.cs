using Microsoft.CodeAnalysis;
using TypedQueue.Analyzers.Tests.Infrastructure;
using Xunit;

namespace TypedQueue.Analyzers.Tests;

/// <summary>Every rule follows the standard <c>dotnet_diagnostic.TQxxxx.severity</c> .editorconfig switch.</summary>
public sealed class ConfigurationTests
{
    private const string Source = """
        public static class Handlers
        {
            [QueueTask({|TQ0006:MaxAttempts = 0|})]
            public static void Send(string payload) => {|TQ0007:Thread.Sleep(1)|};
        }
        """;

    [Fact]
    public async Task DefaultSeveritiesApply()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync(Source);

        Assert.Equal(DiagnosticSeverity.Error, diagnostics.Single(d => d.Id == "TQ0006").Severity);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostics.Single(d => d.Id == "TQ0007").Severity);
    }

    [Fact]
    public async Task EditorConfigRaisesAndLowersSeverity()
    {
        var diagnostics = await AnalyzerVerifier.VerifyAsync(Source, """
            root = true

            [*.cs]
            dotnet_diagnostic.TQ0006.severity = warning
            dotnet_diagnostic.TQ0007.severity = error
            """);

        Assert.Equal(DiagnosticSeverity.Warning, diagnostics.Single(d => d.Id == "TQ0006").Severity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostics.Single(d => d.Id == "TQ0007").Severity);
    }

    [Fact]
    public Task EditorConfigCanTurnARuleOff() => AnalyzerVerifier.VerifyAsync(
        Source.Replace("{|TQ0007:Thread.Sleep(1)|}", "Thread.Sleep(1)", StringComparison.Ordinal),
        """
        root = true

        [*.cs]
        dotnet_diagnostic.TQ0007.severity = none
        """);
}
