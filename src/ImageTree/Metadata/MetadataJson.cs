using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTree.Metadata;

/// <summary>How metadata records are written: camelCase JSON, enums by name, so the store can be
/// read by a person with ldb.</summary>
internal static class MetadataJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
