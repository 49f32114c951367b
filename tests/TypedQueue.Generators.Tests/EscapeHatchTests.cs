using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedQueue.Generators.Tests;

/// <summary>A user-written JsonSerializerContext serializes types the generator does not, and is consulted first.</summary>
public sealed class EscapeHatchTests
{
    private const string Source = """
        using System;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using TypedQueue;

        namespace Hatch;

        [JsonConverter(typeof(CelsiusConverter))]
        public readonly record struct Celsius(double Degrees);

        public sealed class CelsiusConverter : JsonConverter<Celsius>
        {
            public override Celsius Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
                new(double.Parse(reader.GetString()!.TrimEnd('C'), System.Globalization.CultureInfo.InvariantCulture));

            public override void Write(Utf8JsonWriter writer, Celsius value, JsonSerializerOptions options) =>
                writer.WriteStringValue(value.Degrees.ToString(System.Globalization.CultureInfo.InvariantCulture) + "C");
        }

        public sealed record Reading(string Sensor, Celsius Value);

        [JsonSerializable(typeof(Celsius))]
        internal sealed partial class HatchJsonContext : JsonSerializerContext;

        public static class Sensors
        {
            [QueueTask(Name = "hatch.record")]
            public static void Record(Reading reading) { }

            public static string Probe() =>
                JsonSerializer.Serialize(new Reading("s1", new Celsius(21.5)), global::Hatch.App.Tasks.Record.Definition.PayloadTypeInfo);
        }
        """;

    [Fact]
    public void Without_a_context_a_custom_converter_type_is_skipped()
    {
        var (_, result) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("Hatch.App", Source.Replace("[JsonSerializable(typeof(Celsius))]", string.Empty, StringComparison.Ordinal)));
        Assert.Empty(GeneratorHarness.GeneratedFiles(result));
    }

    [Fact]
    public void Listed_types_come_from_the_user_context_and_are_not_generated()
    {
        var compilation = GeneratorHarness.CreateCompilation("Hatch.App", Source);
        var (_, result) = GeneratorHarness.Run(compilation);
        var json = GeneratorHarness.GeneratedFiles(result)["TypedQueueJson.g.cs"];
        Assert.Contains("Combine(global::Hatch.HatchJsonContext.Default, new global::Hatch.App.TypedQueueJsonResolver())", json, StringComparison.Ordinal);
        Assert.DoesNotContain("if (type == typeof(global::Hatch.Celsius))", json, StringComparison.Ordinal);

        // Run System.Text.Json's own generator too, as the SDK would, and execute the result.
        var stjPath = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"), "System.Text.Json.SourceGeneration.dll", SearchOption.AllDirectories)
            .Where(p => p.Contains($"{Path.DirectorySeparatorChar}cs{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Last();
        var stj = new AnalyzerFileReference(stjPath, new AssemblyLoader()).GetGenerators(LanguageNames.CSharp);
        var driver = CSharpGeneratorDriver.Create([new QueueTaskGenerator().AsSourceGenerator(), .. stj], parseOptions: GeneratorHarness.ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var problems = GeneratorHarness.ErrorsAndWarnings(output).Where(d => d.Severity == DiagnosticSeverity.Error || d.Location.SourceTree?.FilePath.Contains("QueueTaskGenerator", StringComparison.Ordinal) == true).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        using var stream = new MemoryStream();
        Assert.True(output.Emit(stream).Success);
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(stream.ToArray()));
        var text = (string)assembly.GetType("Hatch.Sensors")!.GetMethod("Probe")!.Invoke(null, null)!;
        Assert.Equal("""{"sensor":"s1","value":"21.5C"}""", text);
    }

    private sealed class AssemblyLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }
}
