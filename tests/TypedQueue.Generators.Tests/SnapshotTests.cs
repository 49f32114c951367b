namespace TypedQueue.Generators.Tests;

public sealed class SnapshotTests
{
    [Fact]
    public void Shop_output_matches_approved_files()
    {
        var (_, result) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Shop.App", Sources.Shop));
        var files = GeneratorHarness.GeneratedFiles(result);

        Assert.Equal(["Tasks.BuildReport.g.cs", "Tasks.Nightly.g.cs", "Tasks.SendEmail.g.cs", "Tasks.g.cs", "TypedQueueJson.g.cs"], files.Keys.Order(StringComparer.Ordinal));
        Assert.All(files, file => Snapshot.Match("Shop." + file.Key.Replace(".g.cs", string.Empty, StringComparison.Ordinal), file.Value));
    }

    [Fact]
    public void Output_is_deterministic_whatever_the_file_order()
    {
        var split = Sources.Shop.Split("public static class Reports", 2);
        var first = GeneratorHarness.GeneratedFiles(GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Shop.App", split[0], "using System; using System.Threading.Tasks; using TypedQueue; namespace Shop; public static class Reports" + split[1])).Result);
        var second = GeneratorHarness.GeneratedFiles(GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Shop.App", "using System; using System.Threading.Tasks; using TypedQueue; namespace Shop; public static class Reports" + split[1], split[0])).Result);

        Assert.Equal(first, second);
    }
}
