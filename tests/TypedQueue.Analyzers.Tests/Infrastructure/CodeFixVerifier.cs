using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;

namespace TypedQueue.Analyzers.Tests.Infrastructure;

/// <summary>Applies a code fix in a real workspace and compares the resulting text.</summary>
internal static class CodeFixVerifier
{
    /// <summary>
    /// Checks the marked diagnostic is reported, applies <paramref name="fix"/> to it and asserts the document becomes
    /// <paramref name="expectedSource"/> with that diagnostic gone.
    /// </summary>
    public static async Task VerifyAsync(CodeFixProvider fix, string markup, string expectedSource, bool globalUsings = true)
    {
        var (source, expected) = Markup.Parse(markup);
        var target = Assert.Single(expected);
        Assert.Contains(target.Id, fix.FixableDiagnosticIds);

        using var workspace = new AdhocWorkspace();
        var document = TestProject.Create(workspace, source, globalUsings);
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(document);
        var diagnostic = Assert.Single(diagnostics, d => d.Id == target.Id && d.Location.SourceSpan == target.Span);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fix.RegisterCodeFixesAsync(context);
        var single = Assert.Single(actions);

        var operations = await single.GetOperationsAsync(CancellationToken.None);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        var fixedDocument = changed.GetDocument(document.Id)!;
        var text = (await fixedDocument.GetTextAsync()).ToString();
        Assert.Equal(expectedSource.ReplaceLineEndings("\n"), text.ReplaceLineEndings("\n"));

        var remaining = await AnalyzerVerifier.GetDiagnosticsAsync(fixedDocument);
        Assert.DoesNotContain(remaining, d => d.Id == target.Id);
    }

    /// <summary>Asserts <paramref name="fix"/> offers nothing for the marked diagnostic.</summary>
    public static async Task VerifyNoFixAsync(CodeFixProvider fix, string markup)
    {
        var (source, expected) = Markup.Parse(markup);
        var target = Assert.Single(expected);

        using var workspace = new AdhocWorkspace();
        var document = TestProject.Create(workspace, source);
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(document);
        var diagnostic = Assert.Single(diagnostics, d => d.Id == target.Id && d.Location.SourceSpan == target.Span);

        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        Assert.Empty(actions);
    }
}
