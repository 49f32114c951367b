using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace TypedQueue.Analyzers.Tests.Infrastructure;

/// <summary>Builds a real workspace project (references, options, optional .editorconfig) around test source.</summary>
internal static class TestProject
{
    public const string SourcePath = "/0/Test0.cs";

    /// <summary>The usings a consumer gets from ImplicitUsings plus TypedQueue, kept out of each test's text.</summary>
    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using TypedQueue;
        """;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static IReadOnlyList<MetadataReference> References { get; } =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(QueueTaskAttribute).Assembly.Location),
    ];

    public static Document Create(AdhocWorkspace workspace, string source, bool globalUsings = true, string? editorConfig = null)
    {
        var projectId = ProjectId.CreateNewId();
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Create(),
                "Test",
                "Test",
                LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    allowUnsafe: true,
                    nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: ParseOptions,
                metadataReferences: References))
            .AddDocument(documentId, "Test0.cs", SourceText.From(source), filePath: SourcePath);

        if (globalUsings)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), "GlobalUsings.cs", SourceText.From(GlobalUsings), filePath: "/0/GlobalUsings.cs");
        }

        if (editorConfig is not null)
        {
            solution = solution.AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId), ".editorconfig", SourceText.From(editorConfig), filePath: "/0/.editorconfig");
        }

        if (!workspace.TryApplyChanges(solution))
        {
            throw new InvalidOperationException("The workspace refused the test project.");
        }

        return workspace.CurrentSolution.GetDocument(documentId)!;
    }
}
