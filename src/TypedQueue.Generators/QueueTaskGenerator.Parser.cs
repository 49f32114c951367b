using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedQueue.Generators.Model;
using TypedQueue.Generators.Shared;

namespace TypedQueue.Generators;

public sealed partial class QueueTaskGenerator
{
    /// <summary>Turns symbols into equatable specs. The only part of the generator that touches <see cref="ISymbol"/>.</summary>
    internal static class Parser
    {
        /// <summary>Whether the compilation references the TypedQueue.PostgreSql store package.</summary>
        public static bool ReferencesPostgreSqlStore(Compilation compilation) =>
            compilation.ReferencedAssemblyNames.Any(static identity => identity.Name == "TypedQueue.PostgreSql");

        private const string QueueTaskAttributeName = "TypedQueue.QueueTaskAttribute";
        private const string TaskContextName = "TypedQueue.TaskContext";
        private const string ScheduledOccurrenceName = "TypedQueue.ScheduledOccurrence";
        private const string ActivatorUtilitiesConstructorName = "Microsoft.Extensions.DependencyInjection.ActivatorUtilitiesConstructorAttribute";
        private const string JsonSerializerContextName = "System.Text.Json.Serialization.JsonSerializerContext";

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat;

        /// <summary>A handler spec, or null when the method is not a valid handler (analyzers report why).</summary>
        public static HandlerSpec? ParseHandler(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method || context.Attributes.Length != 1)
            {
                return null;
            }

            var within = context.SemanticModel.Compilation.Assembly;
            var handlerType = method.ContainingType;
            if (method.MethodKind != MethodKind.Ordinary || method.IsGenericMethod || method.IsAbstract
                || handlerType is null || IsInGenericType(handlerType) || !PayloadTypeRules.IsAccessible(method, within))
            {
                return null;
            }

            if (!method.IsStatic && (handlerType.TypeKind != TypeKind.Class || handlerType.IsAbstract || handlerType.IsStatic))
            {
                return null;
            }

            if (method.Name is "All" or "Tasks")
            {
                // Would clash with members of the generated Tasks class.
                return null;
            }

            var attribute = context.Attributes[0];
            string? wireName = null;
            var queue = "default";
            var priority = 0;
            var maxAttempts = 5;
            var timeoutSeconds = 0d;
            var uniqueForSeconds = 0d;
            var uniqueByPayload = false;
            string? cron = null;
            string? cronTimeZone = null;
            int? rateLimit = null;
            double? rateLimitPeriodSeconds = null;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Name":
                        wireName = argument.Value.Value as string;
                        break;
                    case "Queue":
                        queue = argument.Value.Value as string ?? string.Empty;
                        break;
                    case "Priority" when argument.Value.Value is int value:
                        priority = value;
                        break;
                    case "MaxAttempts" when argument.Value.Value is int value:
                        maxAttempts = value;
                        break;
                    case "TimeoutSeconds" when argument.Value.Value is double value:
                        timeoutSeconds = value;
                        break;
                    case "UniqueForSeconds" when argument.Value.Value is double value:
                        uniqueForSeconds = value;
                        break;
                    case "UniqueByPayload" when argument.Value.Value is bool value:
                        uniqueByPayload = value;
                        break;
                    case "Cron":
                        cron = argument.Value.Value as string ?? string.Empty;
                        break;
                    case "CronTimeZone":
                        cronTimeZone = argument.Value.Value as string;
                        break;
                    case "RateLimit" when argument.Value.Value is int value:
                        rateLimit = value;
                        break;
                    case "RateLimitPeriodSeconds" when argument.Value.Value is double value:
                        rateLimitPeriodSeconds = value;
                        break;
                }
            }

            wireName ??= method.Name;
            if (string.IsNullOrWhiteSpace(wireName) || string.IsNullOrWhiteSpace(queue) || wireName!.Any(char.IsControl) || queue.Any(char.IsControl) || maxAttempts < 1 || priority < -1000 || priority > 1000
                || double.IsNaN(timeoutSeconds) || timeoutSeconds < 0 || timeoutSeconds > 7 * 24 * 3600
                || double.IsNaN(uniqueForSeconds) || uniqueForSeconds < 0 || uniqueForSeconds > 365 * 24 * 3600
                || (cron is not null && CronSyntax.Describe(cron) is not null)
                || (cronTimeZone is not null && (cron is null || string.IsNullOrWhiteSpace(cronTimeZone)))
                || !RateLimitRules.IsValid(rateLimit, rateLimitPeriodSeconds))
            {
                return null;
            }

            // Parameters: exactly one payload, at most one CancellationToken and one TaskContext, any order.
            ITypeSymbol? payloadType = null;
            var arguments = new List<HandlerArgument>();
            foreach (var parameter in method.Parameters)
            {
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    return null;
                }

                var kind = parameter.Type.ToDisplayString() switch
                {
                    "System.Threading.CancellationToken" => HandlerArgument.CancellationToken,
                    TaskContextName => HandlerArgument.Context,
                    _ => HandlerArgument.Payload,
                };
                if (arguments.Contains(kind))
                {
                    return null;
                }

                if (kind == HandlerArgument.Payload)
                {
                    payloadType = PayloadTypeRules.StripAnnotation(parameter.Type);
                }

                arguments.Add(kind);
            }

            if (payloadType is null || (cron is not null && payloadType.ToDisplayString() != ScheduledOccurrenceName))
            {
                return null;
            }

            var (returnKind, resultType) = ClassifyReturn(method);
            if (returnKind is null)
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var jsonTypes = new Dictionary<string, JsonTypeSpec>(StringComparer.Ordinal);
            CollectJsonTypes(payloadType, within, jsonTypes);
            if (resultType is not null)
            {
                CollectJsonTypes(resultType, within, jsonTypes);
            }

            var constructorArguments = EquatableArray<ServiceArgumentSpec>.Empty;
            var disposeKind = HandlerDisposeKind.None;
            if (!method.IsStatic)
            {
                var constructor = ChooseHandlerConstructor(handlerType, within);
                if (constructor is null)
                {
                    return null;
                }

                var services = new List<ServiceArgumentSpec>();
                foreach (var parameter in constructor.Parameters)
                {
                    if (parameter.RefKind != RefKind.None || !IsUsableTypeName(parameter.Type, within))
                    {
                        return null;
                    }

                    services.Add(ToServiceArgument(parameter));
                }

                constructorArguments = services.ToEquatableArray();
                disposeKind = handlerType.AllInterfaces.Any(i => i.ToDisplayString() == "System.IAsyncDisposable") ? HandlerDisposeKind.DisposeAsync
                    : handlerType.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable) ? HandlerDisposeKind.Dispose
                    : HandlerDisposeKind.None;
            }

            return new HandlerSpec(
                method.Name,
                wireName!,
                queue,
                priority,
                maxAttempts,
                (long)Math.Round(timeoutSeconds * 1000),
                (long)Math.Round(uniqueForSeconds * 1000),
                uniqueByPayload,
                cron?.Trim(),
                cronTimeZone?.Trim(),
                rateLimit ?? 0,
                rateLimit is null ? 0 : (long)Math.Round((rateLimitPeriodSeconds ?? 1) * 1000),
                handlerType.ToDisplayString(s_typeFormat),
                method.IsStatic,
                payloadType.ToDisplayString(s_typeFormat),
                IsPublicType(payloadType),
                resultType?.ToDisplayString(s_typeFormat),
                returnKind.Value,
                arguments.ToEquatableArray(),
                constructorArguments,
                disposeKind,
                jsonTypes.Values.OrderBy(t => t.TypeName, StringComparer.Ordinal).ToEquatableArray());
        }

        /// <summary>A user-written JsonSerializerContext and the types listed on it, or null.</summary>
        public static UserJsonContextSpec? ParseUserContext(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || type.IsGenericType || type.IsAbstract
                || !PayloadTypeRules.IsAccessible(type, context.SemanticModel.Compilation.Assembly))
            {
                return null;
            }

            var derives = false;
            for (var current = type.BaseType; current is not null; current = current.BaseType)
            {
                derives |= current.ToDisplayString() == JsonSerializerContextName;
            }

            if (!derives)
            {
                return null;
            }

            var names = new List<string>();
            foreach (var attribute in context.Attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol listed)
                {
                    names.Add(PayloadTypeRules.StripAnnotation(listed).ToDisplayString(s_typeFormat));
                }
            }

            return new UserJsonContextSpec(
                type.ToDisplayString(s_typeFormat),
                names.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray());
        }

        private static (HandlerReturnKind? Kind, ITypeSymbol? Result) ClassifyReturn(IMethodSymbol method)
        {
            if (method.ReturnsVoid)
            {
                // async void cannot be awaited: its failures would escape the worker. The analyzers report TQ0003.
                return method.IsAsync ? (null, null) : (HandlerReturnKind.Void, null);
            }

            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                return (null, null);
            }

            var type = PayloadTypeRules.StripAnnotation(method.ReturnType);
            if (type is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
            {
                switch (named.MetadataName)
                {
                    case "Task":
                        return (HandlerReturnKind.Task, null);
                    case "ValueTask":
                        return (HandlerReturnKind.ValueTask, null);
                    case "Task`1":
                        return (HandlerReturnKind.TaskOfResult, PayloadTypeRules.StripAnnotation(named.TypeArguments[0]));
                    case "ValueTask`1":
                        return (HandlerReturnKind.ValueTaskOfResult, PayloadTypeRules.StripAnnotation(named.TypeArguments[0]));
                }
            }

            return (HandlerReturnKind.Result, type);
        }

        private static IMethodSymbol? ChooseHandlerConstructor(INamedTypeSymbol type, IAssemblySymbol within)
        {
            var constructors = type.InstanceConstructors;
            var marked = constructors.FirstOrDefault(c => c.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ActivatorUtilitiesConstructorName));
            if (marked is not null)
            {
                return PayloadTypeRules.IsAccessible(marked, within) ? marked : null;
            }

            // Most parameters wins; ties go to the first declared, so the choice is deterministic.
            return constructors
                .Where(c => PayloadTypeRules.IsAccessible(c, within))
                .Select((c, index) => (c, index))
                .OrderByDescending(x => x.c.Parameters.Length)
                .ThenBy(x => x.index)
                .Select(x => x.c)
                .FirstOrDefault();
        }

        private static ServiceArgumentSpec ToServiceArgument(IParameterSymbol parameter)
        {
            var type = parameter.Type;
            var isNullableValue = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            var isAnnotated = type.NullableAnnotation == NullableAnnotation.Annotated;
            string? defaultValue = null;
            if (parameter.HasExplicitDefaultValue)
            {
                defaultValue = FormatDefault(parameter.ExplicitDefaultValue, type);
            }

            var typeName = PayloadTypeRules.StripAnnotation(type).ToDisplayString(s_typeFormat);
            return new ServiceArgumentSpec(typeName, parameter.HasExplicitDefaultValue || isAnnotated || isNullableValue, type.IsValueType, defaultValue);
        }

        private static string FormatDefault(object? value, ITypeSymbol type)
        {
            var typeName = PayloadTypeRules.StripAnnotation(type).ToDisplayString(s_typeFormat);
            return value switch
            {
                null => type.IsValueType ? $"default({typeName})" : "null",
                string s => SymbolDisplay.FormatLiteral(s, quote: true),
                char c => SymbolDisplay.FormatLiteral(c, quote: true),
                bool b => b ? "true" : "false",
                _ when type.TypeKind == TypeKind.Enum || (type is INamedTypeSymbol { TypeArguments.Length: 1 } n && n.TypeArguments[0].TypeKind == TypeKind.Enum)
                    => $"({typeName})({FormatNumber(value)})",
                _ => $"({typeName})({FormatNumber(value)})",
            };
        }

        private static string FormatNumber(object value) => value switch
        {
            float f => SymbolDisplay.FormatPrimitive(f, quoteStrings: false, useHexadecimalNumbers: false) + "F",
            double d => SymbolDisplay.FormatPrimitive(d, quoteStrings: false, useHexadecimalNumbers: false) + "D",
            decimal m => SymbolDisplay.FormatPrimitive(m, quoteStrings: false, useHexadecimalNumbers: false) + "M",
            _ => SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false),
        };

        private static void CollectJsonTypes(ITypeSymbol type, IAssemblySymbol within, Dictionary<string, JsonTypeSpec> collected)
        {
            type = PayloadTypeRules.StripAnnotation(type);
            var name = type.ToDisplayString(s_typeFormat);
            if (collected.ContainsKey(name))
            {
                return;
            }

            var shape = PayloadTypeRules.GetShape(type, within, out var reason);
            if (shape == PayloadTypeShape.Unsupported)
            {
                collected[name] = new JsonTypeSpec(name, FriendlyName(type), shape, reason, null, null, type.IsValueType, ObjectCreationKind.None,
                    EquatableArray<JsonPropertySpec>.Empty, EquatableArray<JsonParameterSpec>.Empty, EquatableArray<string>.Empty);
                return;
            }

            var children = PayloadTypeRules.GetChildren(type, shape, within).Select(c => PayloadTypeRules.StripAnnotation(c.Type)).ToList();
            var dependencies = children.Select(c => c.ToDisplayString(s_typeFormat)).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();
            var creation = ObjectCreationKind.None;
            var properties = EquatableArray<JsonPropertySpec>.Empty;
            var parameters = EquatableArray<JsonParameterSpec>.Empty;
            string? elementName = null;
            if (shape == PayloadTypeShape.Object)
            {
                (creation, properties, parameters) = DescribeObject((INamedTypeSymbol)type, within);
            }
            else if (shape != PayloadTypeShape.Value && shape != PayloadTypeShape.Enum)
            {
                elementName = children[0].ToDisplayString(s_typeFormat);
            }

            collected[name] = new JsonTypeSpec(name, FriendlyName(type), shape, null, PayloadTypeRules.GetValueConverterName(type), elementName,
                type.IsValueType, creation, properties, parameters, dependencies);
            foreach (var child in children)
            {
                CollectJsonTypes(child, within, collected);
            }
        }

        private static (ObjectCreationKind, EquatableArray<JsonPropertySpec>, EquatableArray<JsonParameterSpec>) DescribeObject(INamedTypeSymbol type, IAssemblySymbol within)
        {
            var constructor = PayloadTypeRules.GetDeserializationConstructor(type, within, out _);
            var properties = PayloadTypeRules.GetSerializableProperties(type, within);
            var bound = new HashSet<IPropertySymbol>(SymbolEqualityComparer.Default);
            var parameters = new List<JsonParameterSpec>();
            if (constructor is not null)
            {
                foreach (var parameter in constructor.Parameters)
                {
                    bound.Add(PayloadTypeRules.FindPropertyForParameter(properties, parameter)!);
                    var parameterType = PayloadTypeRules.StripAnnotation(parameter.Type);
                    var isNullable = !parameterType.IsValueType || parameterType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
                    parameters.Add(new JsonParameterSpec(
                        parameter.Name,
                        parameterType.ToDisplayString(s_typeFormat),
                        parameter.Ordinal,
                        isNullable && parameter.Type.NullableAnnotation != NullableAnnotation.NotAnnotated,
                        parameter.HasExplicitDefaultValue ? FormatDefault(parameter.ExplicitDefaultValue, parameter.Type) : null));
                }
            }

            var hasRequiredMembers = properties.Any(p => p.IsRequired) || HasRequiredMembers(type);
            var setsRequired = constructor?.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute") == true;
            var useAccessor = hasRequiredMembers && !setsRequired;
            var creation = constructor is null || constructor.Parameters.Length == 0
                ? (useAccessor ? ObjectCreationKind.ParameterlessAccessor : ObjectCreationKind.Parameterless)
                : (useAccessor ? ObjectCreationKind.ParameterizedAccessor : ObjectCreationKind.Parameterized);

            var propertySpecs = new List<JsonPropertySpec>();
            foreach (var property in properties)
            {
                var setter = PropertySetterKind.None;
                if (!bound.Contains(property) && property.SetMethod is { } set && PayloadTypeRules.IsAccessible(set, within))
                {
                    setter = set.IsInitOnly ? PropertySetterKind.InitAccessor : PropertySetterKind.Direct;
                }

                propertySpecs.Add(new JsonPropertySpec(
                    property.Name,
                    PayloadTypeRules.GetJsonPropertyName(property),
                    PayloadTypeRules.StripAnnotation(property.Type).ToDisplayString(s_typeFormat),
                    property.ContainingType.ToDisplayString(s_typeFormat),
                    setter,
                    property.IsRequired && !setsRequired));
            }

            return (creation, propertySpecs.ToEquatableArray(), parameters.ToEquatableArray());
        }

        private static bool HasRequiredMembers(INamedTypeSymbol type)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                if (current.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsInGenericType(INamedTypeSymbol type)
        {
            for (var current = type; current is not null; current = current.ContainingType)
            {
                if (current.IsGenericType)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsPublicType(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol array => IsPublicType(array.ElementType),
            INamedTypeSymbol named => IsPublicChain(named) && named.TypeArguments.All(IsPublicType),
            _ => false,
        };

        private static bool IsPublicChain(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                if (current.DeclaredAccessibility != Accessibility.Public)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsUsableTypeName(ITypeSymbol type, IAssemblySymbol within) => type switch
        {
            IArrayTypeSymbol array => IsUsableTypeName(array.ElementType, within),
            INamedTypeSymbol named => PayloadTypeRules.IsAccessible(named, within) && named.TypeArguments.All(t => IsUsableTypeName(t, within)),
            _ => false,
        };

        private static string FriendlyName(ITypeSymbol type) => type switch
        {
            IArrayTypeSymbol array => FriendlyName(array.ElementType) + "Array",
            INamedTypeSymbol { IsGenericType: true } named when named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                => "Nullable" + FriendlyName(named.TypeArguments[0]),
            INamedTypeSymbol { IsGenericType: true } named => named.Name + "Of" + string.Concat(named.TypeArguments.Select(FriendlyName)),
            INamedTypeSymbol { ContainingType: not null } nested => FriendlyName(nested.ContainingType) + nested.Name,
            _ => type.Name.Length > 0 ? type.Name : "Type",
        };
    }
}
