namespace DeployDirector.Manifest;

/// <summary>The fields of one manifest mapping with a fixed set of keys: unknown keys are reported with a
/// suggestion, duplicates once, and a missing required key at the mapping's start.</summary>
internal sealed class MappingFields
{
    private readonly Dictionary<string, (ManifestScalar Key, ManifestNode Value)> _fields = new(StringComparer.Ordinal);
    private readonly ManifestContext _context;
    private readonly string _where;

    private MappingFields(ManifestContext context, SourcePosition position, string where, bool isMapping)
    {
        _context = context;
        _where = where;
        Position = position;
        IsMapping = isMapping;
    }

    public SourcePosition Position { get; }

    /// <summary>False when the node was not a mapping (reported); every field then reads as absent.</summary>
    public bool IsMapping { get; }

    public static MappingFields Read(ManifestNode node, ManifestContext context, string where, IReadOnlyCollection<string> known)
    {
        if (node is not ManifestMapping mapping)
        {
            context.Error(node.Position, $"{where} must be a mapping of {string.Join(", ", known)}");
            return new MappingFields(context, node.Position, where, false);
        }
        MappingFields fields = new(context, node.Position, where, true);
        foreach ((string key, ManifestScalar keyNode, ManifestNode value) in MappingEntries.Unique(mapping, context))
        {
            if (!known.Contains(key))
            {
                context.Error(keyNode.Position, $"unknown key '{key}' in {where}: {KeySuggestion.Advice(key, known)}");
                continue;
            }
            fields._fields.Add(key, (keyNode, value));
        }
        return fields;
    }

    public bool Has(string key) => _fields.ContainsKey(key);

    /// <summary>The value, or null when the key is absent or its value is null (<c>~</c> or empty).</summary>
    public ManifestNode? Optional(string key) =>
        _fields.TryGetValue(key, out var field) && !IsNullValue(field.Value) ? field.Value : null;

    public ManifestNode? Required(string key)
    {
        if (!IsMapping)
        {
            return null;
        }
        if (!_fields.TryGetValue(key, out var field))
        {
            _context.Error(Position, $"{_where} needs '{key}'");
            return null;
        }
        if (IsNullValue(field.Value))
        {
            _context.Error(field.Value.Position, $"'{key}' needs a value");
            return null;
        }
        return field.Value;
    }

    public SourcePosition? KeyPosition(string key) => _fields.TryGetValue(key, out var field) ? field.Key.Position : null;

    private static bool IsNullValue(ManifestNode node) =>
        node is ManifestScalar { IsPlain: true, Tag: "" } scalar && ScalarTyping.IsNull(scalar.Value);
}
