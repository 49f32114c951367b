using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TypedQueue.Analyzers.CodeFixes;

/// <summary>Fixes TQ0006 on <c>MaxAttempts</c> by setting it to 1: a value below 1 almost always means "do not retry".</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MaxAttemptsCodeFix)), Shared]
public sealed class MaxAttemptsCodeFix : CodeFixProvider
{
    /// <summary>The title shown in the light bulb; also the equivalence key for Fix All.</summary>
    public const string Title = "Set MaxAttempts to 1 (run once, no retries)";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.InvalidAttributeValue.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var argument = root?.FindNode(context.Span).FirstAncestorOrSelf<AttributeArgumentSyntax>();

        // TQ0006 also covers Priority, Name and Queue; only MaxAttempts has an obvious correct value.
        if (argument?.NameEquals?.Name.Identifier.ValueText != "MaxAttempts")
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => SetToOneAsync(context.Document, argument, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> SetToOneAsync(Document document, AttributeArgumentSyntax argument, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var one = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1))
            .WithTriviaFrom(argument.Expression);
        return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, one));
    }
}
