using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedQueue.Generators.Tests;

/// <summary>The PostgreSQL store registers itself through a generated module initializer, only where the package is referenced.</summary>
public sealed class StorePackageTests
{
    private const string Handler = """
        namespace Shop;
        public sealed record Ping(int N);
        public static class Handlers
        {
            [TypedQueue.QueueTask]
            public static void Pong(Ping ping) { }
        }
        """;

    [Fact]
    public void Without_the_postgresql_package_no_registration_is_emitted()
    {
        var (_, result) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Shop", Handler));

        Assert.DoesNotContain("TypedQueue.PostgreSqlStore.g.cs", GeneratorHarness.GeneratedFiles(result).Keys);
    }

    [Fact]
    public void A_reference_to_the_postgresql_package_emits_a_module_initializer_that_registers_it()
    {
        var compilation = GeneratorHarness.CreateCompilation("Shop", Handler).AddReferences(FakePostgreSqlPackage());

        var (output, result) = GeneratorHarness.Run(compilation);

        var files = GeneratorHarness.GeneratedFiles(result);
        Snapshot.Match("Shop.PostgreSqlStore", files["TypedQueue.PostgreSqlStore.g.cs"]);
        Assert.Empty(GeneratorHarness.ErrorsAndWarnings(output));
    }

    [Fact]
    public void An_unrelated_edit_leaves_the_store_package_step_unchanged()
    {
        var compilation = GeneratorHarness.CreateCompilation("Shop", Handler).AddReferences(FakePostgreSqlPackage());
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Shop; internal static class Unrelated { }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));

        var steps = driver.RunGenerators(edited).GetRunResult().Results.Single().TrackedSteps[TrackingNames.StorePackages];

        Assert.All(steps.SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, o.Reason.ToString()));
    }

    /// <summary>An assembly named like the package, with the entry point the generated code calls.</summary>
    private static MetadataReference FakePostgreSqlPackage() =>
        CSharpCompilation.Create(
            "TypedQueue.PostgreSql",
            [CSharpSyntaxTree.ParseText("namespace TypedQueue.PostgreSql; public static class PostgreSqlStore { public static void Register() { } }", GeneratorHarness.ParseOptions)],
            Basic.Reference.Assemblies.Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)).ToMetadataReference();
}
