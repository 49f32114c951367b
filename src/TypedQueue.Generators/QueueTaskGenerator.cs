using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TypedQueue.Generators;

/// <summary>
/// Emits <c>Tasks.&lt;Method&gt;</c> (definition, enqueue methods, reflection-free invoker) for every
/// <c>[QueueTask]</c> method, a module initializer that registers them, and JSON metadata for their payloads.
/// Invalid handlers are skipped silently: the analyzers report them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class QueueTaskGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var handlers = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "TypedQueue.QueueTaskAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                Parser.ParseHandler)
            .WithTrackingName(TrackingNames.Handlers)
            .Where(static handler => handler is not null)
            .Select(static (handler, _) => handler!)
            .WithTrackingName(TrackingNames.ValidHandlers)
            .Collect()
            .WithTrackingName(TrackingNames.AllHandlers);

        var userContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "System.Text.Json.Serialization.JsonSerializableAttribute",
                static (node, _) => node is ClassDeclarationSyntax,
                Parser.ParseUserContext)
            .WithTrackingName(TrackingNames.UserJsonContexts)
            .Where(static userContext => userContext is not null)
            .Select(static (userContext, _) => userContext!)
            .Collect()
            .WithTrackingName(TrackingNames.AllUserJsonContexts);

        var assemblyNamespace = context.CompilationProvider
            .Select(static (compilation, _) => Planner.ToNamespace(compilation.AssemblyName))
            .WithTrackingName(TrackingNames.AssemblyNamespace);

        var generation = handlers
            .Combine(userContexts)
            .Combine(assemblyNamespace)
            .Select(static (input, _) => Planner.Plan(input.Right, input.Left.Left, input.Left.Right))
            .WithTrackingName(TrackingNames.Generation);

        // A referenced store package (TypedQueue.PostgreSql) is registered by a module initializer of this assembly, so
        // selecting it is configuration alone. Only a bool is cached: the output changes only when the reference does.
        var referencesPostgreSql = context.CompilationProvider
            .Select(static (compilation, _) => Parser.ReferencesPostgreSqlStore(compilation))
            .WithTrackingName(TrackingNames.StorePackages);
        context.RegisterSourceOutput(referencesPostgreSql, static (output, referenced) =>
        {
            if (referenced)
            {
                output.AddSource(Emitter.PostgreSqlRegistrationHintName, Emitter.EmitPostgreSqlRegistration());
            }
        });

        context.RegisterSourceOutput(generation, static (output, spec) =>
        {
            foreach (var (hintName, source) in Emitter.Emit(spec))
            {
                output.AddSource(hintName, source);
            }
        });
    }
}
