using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TypedQueue.Analyzers;

/// <summary>Warns about blocking waits inside <c>[QueueTask]</c> handler bodies (TQ0007).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingWaitAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.BlockingWaitInHandler);

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

            var thread = start.Compilation.GetTypeByMetadataName("System.Threading.Thread");
            start.RegisterOperationAction(c => AnalyzePropertyReference(c, symbols), OperationKind.PropertyReference);
            start.RegisterOperationAction(c => AnalyzeInvocation(c, symbols, thread), OperationKind.Invocation);
        });
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, TypedQueueSymbols symbols)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        if (reference.Property.Name != "Result" || reference.Property.IsStatic)
        {
            return;
        }

        var owner = reference.Property.ContainingType.OriginalDefinition;
        if (!Is(owner, symbols.GenericTask) && !Is(owner, symbols.GenericValueTask))
        {
            return;
        }

        Report(context, symbols, ".Result", "await");
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, TypedQueueSymbols symbols, INamedTypeSymbol? thread)
    {
        var method = ((IInvocationOperation)context.Operation).TargetMethod;
        var owner = method.ContainingType?.OriginalDefinition;
        if (owner is null)
        {
            return;
        }

        if (Is(owner, symbols.Task) || Is(owner, symbols.GenericTask))
        {
            switch (method.Name)
            {
                case "Wait" when !method.IsStatic:
                    Report(context, symbols, ".Wait()", "await");
                    break;
                case "WaitAll" when method.IsStatic:
                    Report(context, symbols, "Task.WaitAll", "await Task.WhenAll");
                    break;
                case "WaitAny" when method.IsStatic:
                    Report(context, symbols, "Task.WaitAny", "await Task.WhenAny");
                    break;
            }

            return;
        }

        if (method.Name == "GetResult" && IsAwaiter(owner))
        {
            Report(context, symbols, ".GetAwaiter().GetResult()", "await");
            return;
        }

        if (method.Name == "Sleep" && method.IsStatic && Is(owner, thread))
        {
            Report(context, symbols, "Thread.Sleep", "await Task.Delay with the handler's CancellationToken");
        }
    }

    private static bool IsAwaiter(INamedTypeSymbol type)
    {
        // TaskAwaiter, ValueTaskAwaiter and the ConfiguredXxxAwaitable.ConfiguredXxxAwaiter variants.
        var outermost = type;
        while (outermost.ContainingType is not null)
        {
            outermost = outermost.ContainingType;
        }

        return type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
            && outermost.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices"
            && (outermost.Name.StartsWith("Task", System.StringComparison.Ordinal)
                || outermost.Name.StartsWith("ValueTask", System.StringComparison.Ordinal)
                || outermost.Name.StartsWith("ConfiguredTask", System.StringComparison.Ordinal)
                || outermost.Name.StartsWith("ConfiguredValueTask", System.StringComparison.Ordinal));
    }

    private static void Report(OperationAnalysisContext context, TypedQueueSymbols symbols, string call, string replacement)
    {
        if (FindHandler(context.ContainingSymbol, symbols) is { } handler)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.BlockingWaitInHandler,
                context.Operation.Syntax.GetLocation(),
                call,
                handler.Name,
                replacement));
        }
    }

    private static IMethodSymbol? FindHandler(ISymbol? symbol, TypedQueueSymbols symbols)
    {
        // Lambdas and local functions run as part of the handler, so they block its worker slot too.
        for (var current = symbol as IMethodSymbol; current is not null; current = current.ContainingSymbol as IMethodSymbol)
        {
            if (current.MethodKind is not (MethodKind.LocalFunction or MethodKind.AnonymousFunction))
            {
                return symbols.IsHandler(current) ? current : null;
            }
        }

        return null;
    }

    private static bool Is(ITypeSymbol type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);
}
