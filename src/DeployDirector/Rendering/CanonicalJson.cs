using System.Text.Json.Nodes;

namespace DeployDirector.Rendering;

/// <summary>Deep copies with object keys in ordinal order: the same values give the same rendered
/// bytes whatever order the manifest wrote them in.</summary>
internal static class CanonicalJson
{
    public static JsonNode? Copy(JsonNode? node) => node switch
    {
        JsonObject o => Object(o),
        JsonArray a => new JsonArray([.. a.Select(Copy)]),
        null => null,
        _ => node.DeepClone(),
    };

    public static JsonObject Object(JsonObject o)
    {
        var copy = new JsonObject();
        foreach ((string key, JsonNode? value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            copy[key] = Copy(value);
        }
        return copy;
    }
}
