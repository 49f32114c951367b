using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedQueue.Analyzers;

/// <summary>Reports why a <c>[QueueTask]</c> handler breaks the contract the generator relies on (TQ0001–TQ0006).</summary>
[DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
public sealed class QueueTaskHandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnsupportedPayloadType,
        DiagnosticDescriptors.InvalidHandlerSignature,
        DiagnosticDescriptors.AsyncVoidHandler,
        DiagnosticDescriptors.InvalidHandlerContainingType,
        DiagnosticDescriptors.DuplicateTaskName,
        DiagnosticDescriptors.InvalidAttributeValue);

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

            var handlers = new ConcurrentBag<HandlerEntry>();
            start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, symbols, handlers), SymbolKind.Method);
            start.RegisterCompilationEndAction(end => ReportDuplicates(end, handlers));
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, TypedQueueSymbols symbols, ConcurrentBag<HandlerEntry> handlers)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (symbols.GetQueueTaskAttribute(method) is not { } attribute)
        {
            return;
        }

        var location = GetIdentifierLocation(method, context.CancellationToken);
        var name = GetNamedArgument(attribute, "Name") as string;
        handlers.Add(new HandlerEntry(name ?? method.Name, method.Name, SortKey(method), location));

        AnalyzeAttributeValues(context, symbols, attribute);
        AnalyzeContainingType(context, method, location);
        AnalyzeSignature(context, symbols, method, location);
    }

    private static void AnalyzeSignature(SymbolAnalysisContext context, TypedQueueSymbols symbols, IMethodSymbol method, Location location)
    {
        if (method.IsGenericMethod)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, "is generic; a handler cannot declare type parameters");
        }

        var payloads = new List<IParameterSymbol>();
        var tokens = 0;
        var contexts = 0;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, $"passes parameter '{parameter.Name}' by {RefKindText(parameter.RefKind)}; handler parameters must be passed by value");
            }

            if (parameter.IsParams)
            {
                Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, $"declares params parameter '{parameter.Name}'; a handler takes a single payload");
            }

            if (symbols.CancellationToken is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.CancellationToken))
            {
                tokens++;
            }
            else if (symbols.TaskContext is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.TaskContext))
            {
                contexts++;
            }
            else
            {
                payloads.Add(parameter);
            }
        }

        if (tokens > 1)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, "has more than one CancellationToken parameter");
        }

        if (contexts > 1)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, "has more than one TaskContext parameter");
        }

        if (payloads.Count == 0)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, "has no payload parameter; add exactly one parameter that carries the task's data");
        }
        else if (payloads.Count > 1)
        {
            var names = string.Join(", ", payloads.Select(p => $"'{p.Name}'"));
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, $"has {payloads.Count} payload parameters ({names}); wrap them in one record, besides an optional CancellationToken and TaskContext");
        }
        else
        {
            var payload = payloads[0];
            if (PayloadTypeRules.GetUnsupportedReason(payload.Type) is { } reason)
            {
                var payloadLocation = GetParameterTypeLocation(payload, context.CancellationToken) ?? location;
                Report(context, DiagnosticDescriptors.UnsupportedPayloadType, payloadLocation, payload.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), reason);
            }
        }

        AnalyzeReturnType(context, symbols, method, location);
    }

    private static void AnalyzeReturnType(SymbolAnalysisContext context, TypedQueueSymbols symbols, IMethodSymbol method, Location location)
    {
        if (method.ReturnsVoid)
        {
            if (method.IsAsync)
            {
                Report(context, DiagnosticDescriptors.AsyncVoidHandler, location, method.Name);
            }

            return;
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, "returns by reference; return Task, ValueTask, void or a value");
            return;
        }

        var returnType = method.ReturnType;
        if (Is(returnType, symbols.Task) || Is(returnType, symbols.ValueTask))
        {
            return;
        }

        if (returnType is INamedTypeSymbol { IsGenericType: true } named
            && (Is(named.OriginalDefinition, symbols.GenericTask) || Is(named.OriginalDefinition, symbols.GenericValueTask)))
        {
            returnType = named.TypeArguments[0];
        }

        if (PayloadTypeRules.GetUnsupportedReason(returnType) is { } reason)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, $"returns a result that cannot be stored: {reason}");
        }
    }

    private static void AnalyzeContainingType(SymbolAnalysisContext context, IMethodSymbol method, Location location)
    {
        var type = method.ContainingType;
        for (var current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                var what = SymbolEqualityComparer.Default.Equals(current, type) ? "is generic" : $"is nested in generic type '{current.Name}'";
                Report(context, DiagnosticDescriptors.InvalidHandlerContainingType, location, method.Name, $"containing type '{type.Name}' {what}");
                return;
            }
        }

        if (method.IsStatic)
        {
            return;
        }

        if (type.TypeKind != TypeKind.Class)
        {
            var kind = type.TypeKind == TypeKind.Struct ? "a struct" : type.TypeKind == TypeKind.Interface ? "an interface" : "not a class";
            Report(context, DiagnosticDescriptors.InvalidHandlerContainingType, location, method.Name, $"containing type '{type.Name}' is {kind}; declare instance handlers on a class or make the handler static");
            return;
        }

        if (type.IsAbstract)
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerContainingType, location, method.Name, $"containing type '{type.Name}' is abstract; declare the handler on a concrete class or make it static");
            return;
        }

        if (!type.InstanceConstructors.Any(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
        {
            Report(context, DiagnosticDescriptors.InvalidHandlerContainingType, location, method.Name, $"containing type '{type.Name}' has no public or internal constructor");
        }
    }

    private static void AnalyzeAttributeValues(SymbolAnalysisContext context, TypedQueueSymbols symbols, AttributeData attribute)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax { ArgumentList: { } arguments })
        {
            return;
        }

        foreach (var argument in arguments.Arguments)
        {
            var property = argument.NameEquals?.Name.Identifier.ValueText;
            if (property is null || !TryGetNamedArgument(attribute, property, out var value) || value.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            var problem = property switch
            {
                "MaxAttempts" when value.Value is int attempts && attempts < 1 => $"is {attempts}; a task must be allowed at least 1 attempt",
                "Priority" when value.Value is int priority && (priority < symbols.PriorityMin || priority > symbols.PriorityMax)
                    => $"is {priority}; it must lie within [{symbols.PriorityMin}, {symbols.PriorityMax}] (TaskPriority.Min to TaskPriority.Max)",
                "Name" when value.Value is string text => DescribeBadText(text),
                "Queue" => value.Value is string text ? DescribeBadText(text) : "is null; omit it to use the default queue",
                _ => null,
            };

            if (problem is not null)
            {
                Report(context, DiagnosticDescriptors.InvalidAttributeValue, argument.GetLocation(), property, problem);
            }
        }
    }

    private static string? DescribeBadText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is empty or whitespace; it must name something";
        }

        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return $"contains the control character U+{(int)c:X4}";
            }
        }

        return null;
    }

    private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<HandlerEntry> handlers)
    {
        // Sort first so the handler that keeps its name (and which ones are flagged) never depends on analysis order.
        var ordered = handlers
            .OrderBy(h => h.SortKey, System.StringComparer.Ordinal)
            .ThenBy(h => h.Location.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(h => h.Location.SourceSpan.Start)
            .ToList();

        var firstByWireName = new Dictionary<string, HandlerEntry>(System.StringComparer.Ordinal);
        var firstByMethodName = new Dictionary<string, HandlerEntry>(System.StringComparer.Ordinal);
        foreach (var handler in ordered)
        {
            if (firstByWireName.TryGetValue(handler.WireName, out var wireOwner))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateTaskName,
                    handler.Location,
                    $"Task name '{handler.WireName}' is already used by '{wireOwner.SortKey}'; set a unique QueueTask.Name"));
            }
            else if (firstByMethodName.TryGetValue(handler.MethodName, out var methodOwner))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateTaskName,
                    handler.Location,
                    $"Handler method name '{handler.MethodName}' is already used by '{methodOwner.SortKey}'; the generated accessor Tasks.{handler.MethodName} would collide, so rename the method"));
            }

            if (!firstByWireName.ContainsKey(handler.WireName))
            {
                firstByWireName.Add(handler.WireName, handler);
            }

            if (!firstByMethodName.ContainsKey(handler.MethodName))
            {
                firstByMethodName.Add(handler.MethodName, handler);
            }
        }
    }

    private static string SortKey(IMethodSymbol method) =>
        method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + method.Name;

    private static object? GetNamedArgument(AttributeData attribute, string name) =>
        TryGetNamedArgument(attribute, name, out var value) && value.Kind != TypedConstantKind.Error ? value.Value : null;

    private static bool TryGetNamedArgument(AttributeData attribute, string name, out TypedConstant value)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name)
            {
                value = pair.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static Location GetIdentifierLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration.Identifier.GetLocation();
            }
        }

        return method.Locations.FirstOrDefault() ?? Location.None;
    }

    private static Location? GetParameterTypeLocation(IParameterSymbol parameter, CancellationToken cancellationToken)
    {
        foreach (var reference in parameter.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is ParameterSyntax { Type: { } type })
            {
                return type.GetLocation();
            }
        }

        return null;
    }

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => "ref",
    };

    private static bool Is(ITypeSymbol type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    private static void Report(SymbolAnalysisContext context, DiagnosticDescriptor descriptor, Location location, params object[] arguments) =>
        context.ReportDiagnostic(Diagnostic.Create(descriptor, location, arguments));

    private sealed class HandlerEntry
    {
        public HandlerEntry(string wireName, string methodName, string sortKey, Location location)
        {
            WireName = wireName;
            MethodName = methodName;
            SortKey = sortKey;
            Location = location;
        }

        public string WireName { get; }

        public string MethodName { get; }

        public string SortKey { get; }

        public Location Location { get; }
    }
}
