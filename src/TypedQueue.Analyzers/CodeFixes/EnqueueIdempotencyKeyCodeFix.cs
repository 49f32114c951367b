using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using TypedQueue.Analyzers.Idempotency;

namespace TypedQueue.Analyzers.CodeFixes;

/// <summary>
/// Fixes TQ0010 on an unkeyed enqueue by passing <c>IdempotencyKey = $"{context.Id}:TaskName"</c>, so a repeated attempt
/// finds the first follow-up task instead of creating another.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EnqueueIdempotencyKeyCodeFix)), Shared]
public sealed class EnqueueIdempotencyKeyCodeFix : CodeFixProvider
{
    /// <summary>The title shown in the light bulb; also the equivalence key for Fix All.</summary>
    public const string Title = "Use the task id as the idempotency key";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.NonIdempotentSideEffect.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            // The analyzer sets the property only on enqueues that pass no options (omitted or null).
            if (!diagnostic.Properties.TryGetValue(IdempotencyAnalyzer.EnqueuedTaskNameProperty, out var taskName) || taskName is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
                || model.GetOperation(invocation, context.CancellationToken) is not Microsoft.CodeAnalysis.Operations.IInvocationOperation operation
                || FindTaskContextParameter(invocation, model, context.CancellationToken) is not { } taskContext)
            {
                continue;
            }

            var options = operation.TargetMethod.Parameters.FirstOrDefault(p => p.Type.Name == "EnqueueOptions");
            if (options is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => AddKeyAsync(context.Document, invocation, options, taskContext, taskName, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static string? FindTaskContextParameter(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
        if (method is null || model.GetDeclaredSymbol(method, cancellationToken) is not { } symbol)
        {
            return null;
        }

        return symbol.Parameters.FirstOrDefault(p => p.Type.ToDisplayString() == "TypedQueue.TaskContext")?.Name;
    }

    private static async Task<Document> AddKeyAsync(
        Document document,
        InvocationExpressionSyntax invocation,
        IParameterSymbol options,
        string taskContext,
        string taskName,
        CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var identifier = SyntaxFacts.GetKeywordKind(taskContext) != SyntaxKind.None ? "@" + taskContext : taskContext;
        var value = (ObjectCreationExpressionSyntax)SyntaxFactory.ParseExpression($"new global::TypedQueue.EnqueueOptions {{ IdempotencyKey = $\"{{{identifier}.Id}}:{taskName}\" }}");

        // The simplifier shortens the type to EnqueueOptions when a using allows it.
        value = value.WithType(value.Type.WithAdditionalAnnotations(Simplifier.Annotation));

        var arguments = invocation.ArgumentList.Arguments;
        var existing = arguments.FirstOrDefault(a => IsOptionsArgument(a, arguments.IndexOf(a), options));
        SeparatedSyntaxList<ArgumentSyntax> updated;
        if (existing is not null)
        {
            // An explicit null: replace it in place.
            updated = arguments.Replace(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression)));
        }
        else if (arguments.All(a => a.NameColon is null) && arguments.Count == options.Ordinal)
        {
            updated = Append(arguments, SyntaxFactory.Argument(value));
        }
        else
        {
            var name = SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(options.Name), SyntaxFactory.Token(SyntaxKind.ColonToken).WithTrailingTrivia(SyntaxFactory.Space));
            updated = Append(arguments, SyntaxFactory.Argument(name, default, value));
        }

        var argumentList = invocation.ArgumentList.WithArguments(updated);
        return document.WithSyntaxRoot(root.ReplaceNode(invocation, invocation.WithArgumentList(argumentList)));
    }

    private static SeparatedSyntaxList<ArgumentSyntax> Append(SeparatedSyntaxList<ArgumentSyntax> arguments, ArgumentSyntax argument)
    {
        if (arguments.Count == 0)
        {
            return SyntaxFactory.SingletonSeparatedList(argument);
        }

        var separators = arguments.GetSeparators().ToList();
        separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        return SyntaxFactory.SeparatedList(arguments.Append(argument), separators);
    }

    private static bool IsOptionsArgument(ArgumentSyntax argument, int index, IParameterSymbol options) =>
        argument.NameColon is { } name ? name.Name.Identifier.ValueText == options.Name : index == options.Ordinal;
}
