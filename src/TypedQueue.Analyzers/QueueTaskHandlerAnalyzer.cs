using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TypedQueue.Generators.Shared;

namespace TypedQueue.Analyzers;

/// <summary>Reports why a <c>[QueueTask]</c> handler breaks the contract the generator relies on (TQ0001–TQ0006).</summary>
/// <remarks>
/// The generator skips such handlers silently; every check here mirrors one of its skip conditions (and a few stricter
/// value checks), using the same shared <see cref="PayloadTypeRules"/>.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
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
            start.RegisterOperationAction(
                operationContext => AnalyzeNestedFunction(operationContext, symbols),
                OperationKind.LocalFunction,
                OperationKind.AnonymousFunction);
            start.RegisterCompilationEndAction(end => ReportNameClashes(end, handlers));
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, TypedQueueSymbols symbols, ConcurrentBag<HandlerEntry> handlers)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (symbols.GetQueueTaskAttribute(method) is not { } attribute)
        {
            return;
        }

        var report = new HandlerReporter(context, GetIdentifierLocation(method, context.CancellationToken), method.Name);
        AnalyzeContainingType(report, symbols, method);
        var payload = AnalyzeSignature(report, symbols, method);
        AnalyzeAttributeValues(report, symbols, attribute, payload?.Type);

        // Like the generator, only handlers it would accept compete for names: a broken handler never owns one.
        if (!report.HasProblems && payload is not null)
        {
            handlers.Add(new HandlerEntry(
                GetNamedArgument(attribute, "Name") as string ?? method.Name,
                method.Name,
                method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                PayloadTypeRules.StripAnnotation(payload.Type).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                report.Location));
        }
    }

    private static void AnalyzeNestedFunction(OperationAnalysisContext context, TypedQueueSymbols symbols)
    {
        // The attribute is allowed on local functions and lambdas, but the generator only looks at member methods.
        var (function, kind) = context.Operation switch
        {
            ILocalFunctionOperation local => (local.Symbol, "a local function"),
            IAnonymousFunctionOperation lambda => (lambda.Symbol, "a lambda"),
            _ => (null, null),
        };

        if (function is null || !symbols.IsHandler(function))
        {
            return;
        }

        var location = context.Operation.Syntax switch
        {
            LocalFunctionStatementSyntax local => local.Identifier.GetLocation(),
            _ => context.Operation.Syntax.GetLocation(),
        };
        var name = function.MethodKind == MethodKind.LocalFunction ? function.Name : "lambda";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.InvalidHandlerSignature,
            location,
            name,
            $"is {kind}; declare handlers as methods of a class"));
    }

    private static IParameterSymbol? AnalyzeSignature(HandlerReporter report, TypedQueueSymbols symbols, IMethodSymbol method)
    {
        if (method.IsAbstract)
        {
            report.Signature("is abstract; a handler needs a body the worker can call");
        }

        // A public or internal method hidden by its containing type is reported once, as TQ0004.
        if (!IsAccessibleDeclaration(method.DeclaredAccessibility))
        {
            report.Signature($"is {AccessibilityText(method.DeclaredAccessibility)}; make it public or internal so generated code can call it");
        }

        if (method.IsGenericMethod)
        {
            report.Signature("is generic; a handler cannot declare type parameters");
        }

        var payloads = new List<IParameterSymbol>();
        var tokens = 0;
        var contexts = 0;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                report.Signature($"passes parameter '{parameter.Name}' by {RefKindText(parameter.RefKind)}; handler parameters must be passed by value");
            }

            if (parameter.IsParams)
            {
                report.Signature($"declares params parameter '{parameter.Name}'; a handler takes a single payload");
            }

            if (Is(parameter.Type, symbols.CancellationToken))
            {
                tokens++;
            }
            else if (Is(parameter.Type, symbols.TaskContext))
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
            report.Signature("has more than one CancellationToken parameter");
        }

        if (contexts > 1)
        {
            report.Signature("has more than one TaskContext parameter");
        }

        IParameterSymbol? payload = null;
        if (payloads.Count == 0)
        {
            report.Signature("has no payload parameter; add exactly one parameter that carries the task's data");
        }
        else if (payloads.Count > 1)
        {
            var names = string.Join(", ", payloads.Select(p => $"'{p.Name}'"));
            report.Signature($"has {payloads.Count} payload parameters ({names}); wrap them in one record, besides an optional CancellationToken and TaskContext");
        }
        else
        {
            payload = payloads[0];
            if (symbols.GetUnsupportedPayloadReason(payload.Type) is { } reason)
            {
                var location = GetParameterTypeLocation(payload, report.CancellationToken) ?? report.Location;
                report.Report(DiagnosticDescriptors.UnsupportedPayloadType, location, payload.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), reason);
            }
        }

        AnalyzeReturnType(report, symbols, method);
        return payload;
    }

    private static void AnalyzeReturnType(HandlerReporter report, TypedQueueSymbols symbols, IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            if (method.IsAsync)
            {
                report.Report(DiagnosticDescriptors.AsyncVoidHandler, report.Location, method.Name);
            }

            return;
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            report.Signature("returns by reference; return Task, ValueTask, void or a value");
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

        if (symbols.GetUnsupportedPayloadReason(returnType) is { } reason)
        {
            report.Signature($"returns a result that cannot be stored: {reason}");
        }
    }

    private static void AnalyzeContainingType(HandlerReporter report, TypedQueueSymbols symbols, IMethodSymbol method)
    {
        var type = method.ContainingType;
        for (var current = type; current is not null; current = current.ContainingType)
        {
            // IsGenericType is also true for a non-generic type nested in a generic one; Arity finds the culprit.
            if (current.Arity > 0)
            {
                var what = SymbolEqualityComparer.Default.Equals(current, type) ? "is generic" : $"is nested in generic type '{current.Name}'";
                report.ContainingType($"containing type '{type.Name}' {what}");
                return;
            }
        }

        if (!PayloadTypeRules.IsAccessible(type, symbols.Assembly))
        {
            report.ContainingType($"containing type '{type.Name}' (or a type it is nested in) is not accessible to generated code; make it public or internal");
            return;
        }

        if (method.IsStatic)
        {
            return;
        }

        if (type.TypeKind != TypeKind.Class)
        {
            var kind = type.TypeKind == TypeKind.Struct ? "a struct" : type.TypeKind == TypeKind.Interface ? "an interface" : "not a class";
            report.ContainingType($"containing type '{type.Name}' is {kind}; declare instance handlers on a class or make the handler static");
            return;
        }

        if (type.IsAbstract)
        {
            report.ContainingType($"containing type '{type.Name}' is abstract; declare the handler on a concrete class or make it static");
            return;
        }

        AnalyzeHandlerConstructor(report, symbols, type);
    }

    private static void AnalyzeHandlerConstructor(HandlerReporter report, TypedQueueSymbols symbols, INamedTypeSymbol type)
    {
        // Same choice as the generator: the [ActivatorUtilitiesConstructor] one, else the accessible one with most parameters.
        var marked = type.InstanceConstructors.FirstOrDefault(c => c.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructorAttribute"));
        IMethodSymbol? constructor;
        if (marked is not null)
        {
            if (!PayloadTypeRules.IsAccessible(marked, symbols.Assembly))
            {
                report.ContainingType($"the [ActivatorUtilitiesConstructor] constructor of '{type.Name}' is not public or internal");
                return;
            }

            constructor = marked;
        }
        else
        {
            constructor = type.InstanceConstructors
                .Where(c => PayloadTypeRules.IsAccessible(c, symbols.Assembly))
                .Select((c, index) => (c, index))
                .OrderByDescending(x => x.c.Parameters.Length)
                .ThenBy(x => x.index)
                .Select(x => x.c)
                .FirstOrDefault();
        }

        if (constructor is null)
        {
            report.ContainingType($"containing type '{type.Name}' has no public or internal constructor");
            return;
        }

        foreach (var parameter in constructor.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                report.ContainingType($"constructor parameter '{parameter.Name}' of '{type.Name}' is passed by {RefKindText(parameter.RefKind)}; services are passed by value");
            }
            else if (!IsNameableType(parameter.Type, symbols.Assembly))
            {
                report.ContainingType($"constructor parameter '{parameter.Name}' of '{type.Name}' has a type generated code cannot name");
            }
        }
    }

    private static void AnalyzeAttributeValues(HandlerReporter report, TypedQueueSymbols symbols, AttributeData attribute, ITypeSymbol? payloadType)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(report.CancellationToken) is not AttributeSyntax { ArgumentList: { } arguments })
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
                "TimeoutSeconds" when value.Value is double seconds && (double.IsNaN(seconds) || seconds < 0 || seconds > 7 * 24 * 3600)
                    => $"is {seconds}; it must be 0 (the configured default) or a positive number of seconds up to 7 days",
                "UniqueForSeconds" when value.Value is double window && (double.IsNaN(window) || window < 0 || window > 365 * 24 * 3600)
                    => $"is {window}; it must be 0 (only while unfinished) or a positive number of seconds up to 365 days",
                "Name" when value.Value is string text => DescribeBadText(text),
                "Queue" => value.Value is string text ? DescribeBadText(text) : "is null; omit it to use the default queue",
                "Cron" => CronSyntax.Describe(value.Value as string)
                    ?? (payloadType is not null && PayloadTypeRules.StripAnnotation(payloadType).ToDisplayString() != "TypedQueue.ScheduledOccurrence"
                        ? $"needs a handler whose payload is TypedQueue.ScheduledOccurrence; this one takes '{payloadType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'"
                        : null),
                "RateLimit" when value.Value is int limit => RateLimitRules.DescribeLimit(limit),
                "RateLimitPeriodSeconds" when value.Value is double period => RateLimitRules.DescribePeriod(period, TryGetNamedArgument(attribute, "RateLimit", out _)),
                "CronTimeZone" => value.Value is not string zone || zone.Trim().Length == 0 ? "is empty; omit it to read the cron expression in UTC"
                    : !TryGetNamedArgument(attribute, "Cron", out _) ? "is set without Cron; it only says which zone Cron is read in"
                    : null,
                _ => null,
            };

            if (problem is not null)
            {
                report.Report(DiagnosticDescriptors.InvalidAttributeValue, argument.GetLocation(), property, problem);
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

    private static void ReportNameClashes(CompilationAnalysisContext context, ConcurrentBag<HandlerEntry> handlers)
    {
        // The generator's order: the first handler by (type, method, payload) keeps a contested name, whatever the
        // file order; the location only breaks ties between otherwise identical entries so the result is stable.
        var ordered = handlers
            .OrderBy(h => h.TypeName, System.StringComparer.Ordinal)
            .ThenBy(h => h.MethodName, System.StringComparer.Ordinal)
            .ThenBy(h => h.PayloadTypeName, System.StringComparer.Ordinal)
            .ThenBy(h => h.Location.SourceTree?.FilePath, System.StringComparer.Ordinal)
            .ThenBy(h => h.Location.SourceSpan.Start)
            .ToList();

        var firstByWireName = new Dictionary<string, HandlerEntry>(System.StringComparer.Ordinal);
        var firstByMethodName = new Dictionary<string, HandlerEntry>(System.StringComparer.Ordinal);
        foreach (var handler in ordered)
        {
            string? message = null;
            if (handler.MethodName is "All" or "Tasks")
            {
                message = $"Handler method name '{handler.MethodName}' is reserved: the generated Tasks class already has a member with that name, so rename the method";
            }
            else if (firstByWireName.TryGetValue(handler.WireName, out var wireOwner))
            {
                message = $"Task name '{handler.WireName}' is already used by '{wireOwner.DisplayName}'; set a unique QueueTask.Name";
            }
            else if (firstByMethodName.TryGetValue(handler.MethodName, out var methodOwner))
            {
                message = $"Handler method name '{handler.MethodName}' is already used by '{methodOwner.DisplayName}'; the generated accessor Tasks.{handler.MethodName} would collide, so rename the method";
            }

            if (message is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateTaskName, handler.Location, message));
                continue;
            }

            firstByWireName.Add(handler.WireName, handler);
            firstByMethodName.Add(handler.MethodName, handler);
        }
    }

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

    private static bool IsNameableType(ITypeSymbol type, IAssemblySymbol within) => type switch
    {
        IArrayTypeSymbol array => IsNameableType(array.ElementType, within),
        INamedTypeSymbol named => PayloadTypeRules.IsAccessible(named, within) && named.TypeArguments.All(t => IsNameableType(t, within)),
        _ => false,
    };

    private static bool IsAccessibleDeclaration(Accessibility accessibility) =>
        accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
    };

    private static string RefKindText(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => "ref",
    };

    private static bool Is(ITypeSymbol type, INamedTypeSymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    /// <summary>Reports for one handler and remembers whether anything made it invalid.</summary>
    private sealed class HandlerReporter
    {
        private readonly SymbolAnalysisContext _context;
        private readonly string _methodName;

        public HandlerReporter(SymbolAnalysisContext context, Location location, string methodName)
        {
            _context = context;
            _methodName = methodName;
            Location = location;
        }

        public Location Location { get; }

        public bool HasProblems { get; private set; }

        public CancellationToken CancellationToken => _context.CancellationToken;

        public void Signature(string problem) => Report(DiagnosticDescriptors.InvalidHandlerSignature, Location, _methodName, problem);

        public void ContainingType(string problem) => Report(DiagnosticDescriptors.InvalidHandlerContainingType, Location, _methodName, problem);

        public void Report(DiagnosticDescriptor descriptor, Location location, params object[] arguments)
        {
            HasProblems = true;
            _context.ReportDiagnostic(Diagnostic.Create(descriptor, location, arguments));
        }
    }

    private sealed class HandlerEntry
    {
        public HandlerEntry(string wireName, string methodName, string typeName, string payloadTypeName, Location location)
        {
            WireName = wireName;
            MethodName = methodName;
            TypeName = typeName;
            PayloadTypeName = payloadTypeName;
            Location = location;
        }

        public string WireName { get; }

        public string MethodName { get; }

        public string TypeName { get; }

        public string PayloadTypeName { get; }

        public Location Location { get; }

        public string DisplayName => (TypeName.StartsWith("global::", System.StringComparison.Ordinal) ? TypeName.Substring(8) : TypeName) + "." + MethodName;
    }
}
