using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedQueue.Analyzers.Idempotency;

/// <summary>
/// Reports handler code that misbehaves when a task runs more than once: non-repeatable side effects (TQ0010) and
/// attempt-varying values used as keys, file names or rows (TQ0011).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IdempotencyAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property holding the stable task name the "use the task id as the key" fix puts in the key.</summary>
    public const string EnqueuedTaskNameProperty = "EnqueuedTaskName";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NonIdempotentSideEffect,
        DiagnosticDescriptors.AttemptVaryingValue);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            if (TypedQueueSymbols.TryCreate(start.Compilation) is not { } symbols)
            {
                return;
            }

            var types = new IdempotencyTypes(start.Compilation, symbols);
            start.RegisterOperationBlockAction(block => AnalyzeHandler(block, types));
        });
    }

    private static void AnalyzeHandler(OperationBlockAnalysisContext context, IdempotencyTypes types)
    {
        if (context.OwningSymbol is not IMethodSymbol method || !types.Symbols.IsHandler(method) || context.OperationBlocks.IsEmpty)
        {
            return;
        }

        var body = new HandlerBody(context.OperationBlocks, types);
        var options = context.Options.AnalyzerConfigOptionsProvider.GetOptions(context.OperationBlocks[0].Syntax.SyntaxTree);

        if (!body.UsesTaskIdentity && !IdempotencyConfiguration.IsDeclaredIdempotent(method, options))
        {
            foreach (var effect in SideEffectFinder.Find(body, types, options))
            {
                var properties = effect.EnqueuedTaskName is { } taskName
                    ? ImmutableDictionary<string, string?>.Empty.Add(EnqueuedTaskNameProperty, taskName)
                    : ImmutableDictionary<string, string?>.Empty;
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.NonIdempotentSideEffect,
                    effect.Syntax.GetLocation(),
                    properties,
                    method.Name,
                    effect.Description));
            }
        }

        foreach (var use in AttemptVaryingValueFinder.Find(body, types))
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.AttemptVaryingValue,
                use.Source.GetLocation(),
                use.Description,
                method.Name,
                use.Sink));
        }
    }
}
