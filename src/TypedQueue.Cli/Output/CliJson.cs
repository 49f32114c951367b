using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace TypedQueue.Cli.Output;

/// <summary>Source-generated JSON metadata for everything the CLI prints: no reflection, trim and AOT safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(TaskJson))]
[JsonSerializable(typeof(TaskListJson))]
[JsonSerializable(typeof(TaskChangeJson))]
[JsonSerializable(typeof(PurgeJson))]
[JsonSerializable(typeof(QueuePauseJson))]
[JsonSerializable(typeof(BackupJson))]
[JsonSerializable(typeof(DashboardJson))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>Writes the CLI's JSON: indented for one document, compact for a stream of lines (<c>watch --json</c>).</summary>
internal static class CliJson
{
    // Output is read by people and scripts, not embedded in HTML: keep quotes, '<' and non-ASCII text legible.
    private static readonly JsonSerializerOptions Indented = new(CliJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions Compact = new(Indented) { WriteIndented = false };

    public static string Serialize<T>(T value, bool indented = true)
    {
        var typeInfo = (JsonTypeInfo<T>)(indented ? Indented : Compact).GetTypeInfo(typeof(T));
        return JsonSerializer.Serialize(value, typeInfo);
    }

    /// <summary>Stored JSON as an element; text that is not JSON (never written by TypedQueue) becomes a JSON string.</summary>
    public static JsonElement ToElement(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json, CliJsonContext.Default.String);
        }
    }
}
