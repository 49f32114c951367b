using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using TypedQueue.Generators.Model;
using TypedQueue.Generators.Shared;

namespace TypedQueue.Generators;

public sealed partial class QueueTaskGenerator
{
    /// <summary>Combines per-handler specs into one assembly-wide plan: name clashes, user contexts, reachable JSON types.</summary>
    internal static class Planner
    {
        public static GenerationSpec Plan(string ns, ImmutableArray<HandlerSpec> handlers, ImmutableArray<UserJsonContextSpec> userContexts)
        {
            var contexts = userContexts
                .GroupBy(c => c.TypeName, StringComparer.Ordinal)
                .Select(g => g.First())
                .OrderBy(c => c.TypeName, StringComparer.Ordinal)
                .ToList();
            var handledElsewhere = new HashSet<string>(contexts.SelectMany(c => c.TypeNames), StringComparer.Ordinal);

            var methodNames = new HashSet<string>(StringComparer.Ordinal);
            var wireNames = new HashSet<string>(StringComparer.Ordinal);
            var accepted = new List<HandlerSpec>();
            var jsonTypes = new SortedDictionary<string, JsonTypeSpec>(StringComparer.Ordinal);

            // The first handler in ordinal order of "Type.Method" wins a name clash, whatever the file order.
            foreach (var handler in handlers
                .OrderBy(h => h.HandlerTypeName, StringComparer.Ordinal)
                .ThenBy(h => h.MethodName, StringComparer.Ordinal)
                .ThenBy(h => h.PayloadTypeName, StringComparer.Ordinal))
            {
                if (methodNames.Contains(handler.MethodName) || wireNames.Contains(handler.WireName))
                {
                    continue;
                }

                var known = handler.JsonTypes.ToDictionary(t => t.TypeName, StringComparer.Ordinal);
                var reachable = new Dictionary<string, JsonTypeSpec>(StringComparer.Ordinal);
                var roots = handler.ResultTypeName is null ? new[] { handler.PayloadTypeName } : new[] { handler.PayloadTypeName, handler.ResultTypeName };
                if (!roots.All(root => Reach(root, known, handledElsewhere, reachable)))
                {
                    continue;
                }

                methodNames.Add(handler.MethodName);
                wireNames.Add(handler.WireName);
                accepted.Add(handler);
                foreach (var type in reachable.Values)
                {
                    jsonTypes[type.TypeName] = type;
                }
            }

            return new GenerationSpec(
                ns,
                accepted.OrderBy(h => h.MethodName, StringComparer.Ordinal).ToEquatableArray(),
                jsonTypes.Values.ToEquatableArray(),
                contexts.Select(c => c.TypeName).ToEquatableArray());
        }

        /// <summary>Walks the types a root needs, stopping at user-context types; false if an unsupported one is reached.</summary>
        private static bool Reach(string typeName, Dictionary<string, JsonTypeSpec> known, HashSet<string> handledElsewhere, Dictionary<string, JsonTypeSpec> reachable)
        {
            if (handledElsewhere.Contains(typeName) || reachable.ContainsKey(typeName))
            {
                return true;
            }

            if (!known.TryGetValue(typeName, out var type) || type.Shape == PayloadTypeShape.Unsupported)
            {
                return false;
            }

            reachable[typeName] = type;
            return type.Dependencies.All(d => Reach(d, known, handledElsewhere, reachable));
        }

        /// <summary>The assembly name as a valid C# namespace (each dotted part an identifier).</summary>
        public static string ToNamespace(string? assemblyName)
        {
            if (string.IsNullOrWhiteSpace(assemblyName))
            {
                return "TypedQueueGenerated";
            }

            var parts = new List<string>();
            foreach (var part in assemblyName!.Split('.'))
            {
                var builder = new StringBuilder();
                foreach (var c in part)
                {
                    builder.Append(SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_');
                }

                if (builder.Length == 0 || !SyntaxFacts.IsIdentifierStartCharacter(builder[0]))
                {
                    builder.Insert(0, '_');
                }

                var identifier = builder.ToString();
                parts.Add(SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier);
            }

            return string.Join(".", parts);
        }
    }
}
