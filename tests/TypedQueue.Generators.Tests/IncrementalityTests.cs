using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedQueue.Generators.Tests;

public sealed class IncrementalityTests
{
    private static readonly string[] s_stepNames = typeof(QueueTaskGenerator).Assembly
        .GetType("TypedQueue.Generators.TrackingNames")!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.CreateCompilation("Shop.App", Sources.Shop, Sources.UserContext);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Sources.Unrelated, GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var steps = result.TrackedSteps.Where(s => s_stepNames.Contains(s.Key)).ToList();
        Assert.Equal(s_stepNames.Order(StringComparer.Ordinal), steps.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var (name, runs) in steps)
        {
            var reasons = runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToList();
            Assert.True(reasons.All(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged), $"{name}: {string.Join(", ", reasons)}");
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
    }

    [Fact]
    public void Editing_a_handler_modifies_the_generation_step()
    {
        var compilation = GeneratorHarness.CreateCompilation("Shop.App", Sources.Shop);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.First();
        var newTree = CSharpSyntaxTree.ParseText(Sources.Shop.Replace("Priority = TaskPriority.High", "Priority = TaskPriority.Low", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: oldTree.FilePath);
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(oldTree, newTree)).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[TrackingNamesGeneration].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(result.TrackedSteps["ValidHandlers"].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("-10,", result.GeneratedSources.Single(s => s.HintName == "Tasks.SendEmail.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    private const string TrackingNamesGeneration = "Generation";
}
