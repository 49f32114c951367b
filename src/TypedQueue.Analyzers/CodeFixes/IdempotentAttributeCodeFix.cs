using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.AddImport;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using TypedQueue.Analyzers.Idempotency;

namespace TypedQueue.Analyzers.CodeFixes;

/// <summary>Fixes TQ0010 by declaring the handler <c>[Idempotent]</c>, for effects the author knows are safe to repeat.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(IdempotentAttributeCodeFix)), Shared]
public sealed class IdempotentAttributeCodeFix : CodeFixProvider
{
    /// <summary>The title shown in the light bulb; also the equivalence key for Fix All.</summary>
    public const string Title = "Mark the handler [Idempotent]";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.NonIdempotentSideEffect.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var method = root?.FindNode(context.Span).FirstAncestorOrSelf<MethodDeclarationSyntax>();
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);

        // Adding an attribute the project cannot resolve would trade a warning for a build error.
        if (method is null || model?.Compilation.GetTypeByMetadataName(IdempotencyConfiguration.IdempotentAttributeName) is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => AddAttributeAsync(context.Document, method, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> AddAttributeAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // Fully qualified and annotated: a using is added when needed and the simplifier shortens it to [Idempotent].
        var name = SyntaxFactory.ParseName("global::TypedQueue.Idempotent")
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(name)))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var updated = document.WithSyntaxRoot(root.ReplaceNode(method, method.AddAttributeLists(attribute)));
        return await ImportAdder.AddImportsAsync(updated, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
