using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace TypedQueue.Analyzers.Tests.Infrastructure;

/// <summary>Runs every TypedQueue analyzer over marked-up source and compares against the markup, span for span.</summary>
internal static class AnalyzerVerifier
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        [new QueueTaskHandlerAnalyzer(), new BlockingWaitAnalyzer(), new TypedQueue.Analyzers.Idempotency.IdempotencyAnalyzer()];

    /// <summary>Asserts the analyzers report exactly the marked diagnostics; unmarked source must stay silent.</summary>
    public static async Task<IReadOnlyList<Diagnostic>> VerifyAsync(string markup, string? editorConfig = null)
    {
        var (source, expected) = Markup.Parse(markup);
        using var workspace = new AdhocWorkspace();
        var document = TestProject.Create(workspace, source, editorConfig: editorConfig);
        var actual = await GetDiagnosticsAsync(document);

        var expectedLines = expected
            .OrderBy(e => e.Span.Start).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => Describe(e.Id, e.Span, source))
            .ToList();
        var sortedActual = actual
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        var actualLines = sortedActual.Select(d => Describe(d.Id, d.Location.SourceSpan, source)).ToList();
        if (!expectedLines.SequenceEqual(actualLines))
        {
            Assert.Fail(
                "Expected:" + Environment.NewLine + string.Join(Environment.NewLine, expectedLines) + Environment.NewLine +
                "Actual:" + Environment.NewLine + string.Join(Environment.NewLine, sortedActual.Select(d => Describe(d.Id, d.Location.SourceSpan, source) + "  // " + d.GetMessage())));
        }

        return actual;
    }

    /// <summary>Analyzer diagnostics for the document, after asserting the test source itself compiles.</summary>
    public static async Task<IReadOnlyList<Diagnostic>> GetDiagnosticsAsync(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        var compilerErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(compilerErrors.Count == 0, "Test source does not compile:" + Environment.NewLine + string.Join(Environment.NewLine, compilerErrors));

        var withAnalyzers = compilation.WithAnalyzers(Analyzers, document.Project.AnalyzerOptions);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        var crashes = diagnostics.Where(d => d.Id == "AD0001").ToList();
        Assert.True(crashes.Count == 0, "Analyzer threw:" + Environment.NewLine + string.Join(Environment.NewLine, crashes));
        return diagnostics;
    }

    private static string Describe(string id, Microsoft.CodeAnalysis.Text.TextSpan span, string source) =>
        $"{id} at {span}: '{source.Substring(span.Start, span.Length)}'";
}
