using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ubd.Api;

/// <summary>The API's JSON: camelCase, enums as names (the same for server, CLI and tests).</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter());
        options.WriteIndented = false;
        return options;
    }
}
