using YamlDotNet.Core;

namespace DeployDirector.Manifest;

/// <summary>
/// A YAML node with its position, built from parser events. Aliases share the anchored node, so the
/// tree is a DAG; walks count visits (<see cref="ManifestContext.Visit"/>) to stay bounded.
/// </summary>
internal abstract class ManifestNode(SourcePosition position, string tag)
{
    public SourcePosition Position { get; } = position;

    /// <summary>The explicit tag, or empty.</summary>
    public string Tag { get; } = tag;
}

internal sealed class ManifestScalar(SourcePosition position, string tag, string value, ScalarStyle style)
    : ManifestNode(position, tag)
{
    public string Value { get; } = value;

    public bool IsPlain { get; } = style is ScalarStyle.Plain or ScalarStyle.Any;
}

internal sealed class ManifestSequence(SourcePosition position, string tag) : ManifestNode(position, tag)
{
    public List<ManifestNode> Items { get; } = [];
}

internal sealed class ManifestMapping(SourcePosition position, string tag) : ManifestNode(position, tag)
{
    public List<KeyValuePair<ManifestNode, ManifestNode>> Entries { get; } = [];
}
