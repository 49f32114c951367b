using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace TypedQueue.Generators.Tests;

/// <summary>Cached pipeline models must not hold Roslyn objects or reference-equal arrays.</summary>
public sealed class ModelShapeTests
{
    [Fact]
    public void Model_types_hold_no_symbols_syntax_locations_compilations_or_immutable_arrays()
    {
        var modelTypes = typeof(QueueTaskGenerator).Assembly.GetTypes()
            .Where(t => t.Namespace == "TypedQueue.Generators.Model" && !t.IsGenericTypeDefinition)
            .ToList();
        Assert.Contains(modelTypes, t => t.Name == "HandlerSpec");

        var offenders = new List<string>();
        foreach (var type in modelTypes)
        {
            const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            foreach (var member in type.GetFields(all).Select(f => (f.Name, Type: f.FieldType))
                .Concat(type.GetProperties(all).Select(p => (p.Name, Type: p.PropertyType))))
            {
                if (IsForbidden(member.Type))
                {
                    offenders.Add($"{type.Name}.{member.Name}: {member.Type}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void Equatable_array_fields_are_plain_arrays()
    {
        var field = Assert.Single(typeof(QueueTaskGenerator).Assembly.GetType("TypedQueue.Generators.Model.EquatableArray`1")!
            .GetFields(BindingFlags.Instance | BindingFlags.NonPublic));
        Assert.True(field.FieldType.IsArray);
    }

    private static bool IsForbidden(Type type)
    {
        if (typeof(ISymbol).IsAssignableFrom(type) || typeof(SyntaxNode).IsAssignableFrom(type) || typeof(Location).IsAssignableFrom(type)
            || typeof(Compilation).IsAssignableFrom(type) || typeof(SemanticModel).IsAssignableFrom(type)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>)))
        {
            return true;
        }

        return (type.IsArray && IsForbidden(type.GetElementType()!)) || type.GetGenericArguments().Any(IsForbidden);
    }
}
