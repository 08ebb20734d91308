namespace DeployDirector.Manifest;

/// <summary>A mapping's entries with scalar keys, each key once: duplicates and non-scalar keys are reported.</summary>
internal static class MappingEntries
{
    public static List<(string Key, ManifestScalar KeyNode, ManifestNode Value)> Unique(ManifestMapping mapping, ManifestContext context)
    {
        Dictionary<string, SourcePosition> seen = new(StringComparer.Ordinal);
        List<(string, ManifestScalar, ManifestNode)> entries = new(mapping.Entries.Count);
        foreach ((ManifestNode keyNode, ManifestNode value) in mapping.Entries)
        {
            if (!context.Visit(keyNode))
            {
                break;
            }
            if (keyNode is not ManifestScalar key)
            {
                context.Error(keyNode.Position, "a key must be a plain name, not a mapping or a list");
                continue;
            }
            if (seen.TryGetValue(key.Value, out SourcePosition first))
            {
                context.Error(key.Position, $"duplicate key '{key.Value}' (first at line {first.Line}, column {first.Column}): keep one of them");
                continue;
            }
            seen.Add(key.Value, key.Position);
            entries.Add((key.Value, key, value));
        }
        return entries;
    }
}
