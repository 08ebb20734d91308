using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployDirector.Api;

/// <summary>The operator API's JSON, as the image API writes it: camelCase, enums by name.</summary>
public static class DirectorJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
