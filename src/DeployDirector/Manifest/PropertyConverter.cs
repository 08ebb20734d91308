using System.Text.Json.Nodes;

namespace DeployDirector.Manifest;

/// <summary>Job properties as JSON: nested mappings and lists kept, scalars interpolated and typed.</summary>
internal static class PropertyConverter
{
    /// <summary>A mapping as a JSON object, or null when anything in it is wrong (reported).</summary>
    public static JsonObject? Object(ManifestNode node, ManifestContext context, string key)
    {
        if (node is not ManifestMapping)
        {
            context.Error(node.Position, $"'{key}' must be a mapping of property names to values");
            return null;
        }
        int errors = context.ErrorCount;
        JsonNode? converted = Convert(node, context);
        return context.ErrorCount == errors ? converted as JsonObject : null;
    }

    private static JsonNode? Convert(ManifestNode node, ManifestContext context)
    {
        if (!context.Visit(node))
        {
            return null;
        }
        switch (node)
        {
            case ManifestMapping mapping:
                JsonObject obj = [];
                foreach ((string key, _, ManifestNode value) in MappingEntries.Unique(mapping, context))
                {
                    obj[key] = Convert(value, context);
                }
                return obj;
            case ManifestSequence sequence:
                JsonArray array = [];
                foreach (ManifestNode item in sequence.Items)
                {
                    array.Add(Convert(item, context));
                }
                return array;
            case ManifestScalar scalar:
                if (scalar.Tag.Length > 0 && scalar.Tag is not ("!" or "tag:yaml.org,2002:str"))
                {
                    context.Error(scalar.Position, $"tag '{scalar.Tag}' is not supported in properties: remove it (plain values are typed; quote a value, or tag it !!str, to keep it a string)");
                    return null;
                }
                return Interpolation.Resolve(scalar, context) is { } resolved ? ScalarTyping.ToJson(resolved) : null;
            default:
                return null;
        }
    }
}
