using System.Text.Json.Nodes;
using DeployDirector.Releases;

namespace DeployDirector.Rendering;

/// <summary>
/// A job's <c>properties</c> as templates see them: the spec's defaults, overridden by what the
/// manifest sets, dotted names as nested objects. A manifest value for a name the spec does not
/// declare is a problem (a typo must not be ignored).
/// </summary>
internal static class PropertyMerger
{
    public static JsonObject Merge(JobSpec spec, JsonObject given, List<string> problems)
    {
        var merged = new JsonObject();
        foreach ((string name, PropertySpec property) in spec.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (property.Default is not null)
            {
                Set(merged, name, CanonicalJson.Copy(property.Default));
            }
        }
        Overlay(spec, given, "", merged, problems);
        return CanonicalJson.Object(merged);
    }

    private static void Overlay(JobSpec spec, JsonObject given, string prefix, JsonObject merged, List<string> problems)
    {
        foreach ((string key, JsonNode? value) in given.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string name = prefix + key;
            if (spec.Properties.ContainsKey(name))
            {
                Set(merged, name, CanonicalJson.Copy(value));
            }
            else if (value is JsonObject inner && spec.Properties.Keys.Any(p => p.StartsWith(name + ".", StringComparison.Ordinal)))
            {
                Overlay(spec, inner, name + ".", merged, problems);
            }
            else
            {
                problems.Add($"job '{spec.Name}': property '{name}' is not declared by the job's spec");
            }
        }
    }

    /// <summary>Declared names never overlap (the release reader refuses that), so every parent on
    /// the way is an object this merger made.</summary>
    private static void Set(JsonObject target, string dottedName, JsonNode? value)
    {
        string[] segments = dottedName.Split('.');
        JsonObject current = target;
        foreach (string segment in segments[..^1])
        {
            if (current[segment] is not JsonObject next)
            {
                next = new JsonObject();
                current[segment] = next;
            }
            current = next;
        }
        current[segments[^1]] = value;
    }
}
