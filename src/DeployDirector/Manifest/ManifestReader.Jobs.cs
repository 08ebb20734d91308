using System.Text.Json.Nodes;

namespace DeployDirector.Manifest;

/// <summary>Jobs: release, properties, and the links they provide and consume.</summary>
internal sealed partial class ManifestReader
{
    private static readonly string[] JobKeys = ["name", "release", "properties", "provides", "consumes"];
    private static readonly string[] ProvideKeys = ["as"];
    private static readonly string[] ConsumeKeys = ["from", "optional"];

    private JobRef? ReadJob(ManifestNode item, string group, HashSet<string> seen)
    {
        if (!_context.Visit(item))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(item, _context, "a job", JobKeys);
        if (!fields.IsMapping)
        {
            return null;
        }
        string? name = fields.Required("name") is { } n ? Named(n, "name", ManifestNames.Identifier(), ManifestNames.IdentifierRule) : null;
        if (name is not null && !seen.Add(name))
        {
            _context.Error(ValuePosition(fields, "name"), $"job '{name}' appears twice in instance group '{group}': keep one");
        }
        string? release = fields.Required("release") is { } r ? ReadReleaseName(r) : null;
        ManifestMapping? propertiesNode = null;
        JsonObject? properties = [];
        if (fields.Optional("properties") is { } p)
        {
            propertiesNode = p as ManifestMapping;
            properties = PropertyConverter.Object(p, _context, "properties");
        }
        Dictionary<string, SourcePosition> provideKeys = new(StringComparer.Ordinal);
        Dictionary<string, string> provides = fields.Optional("provides") is { } pr ? ReadProvides(pr, provideKeys) : [];
        Dictionary<string, SourcePosition> consumeKeys = new(StringComparer.Ordinal);
        Dictionary<string, SourcePosition> fromPositions = new(StringComparer.Ordinal);
        Dictionary<string, LinkSource> consumes = fields.Optional("consumes") is { } co ? ReadConsumes(co, consumeKeys, fromPositions) : [];
        if (_context.ErrorCount != errors || name is null || release is null || properties is null)
        {
            _draft.OtherProviders.Add(($"{group}/{name}", provides));
            return null;
        }
        JobRef job = new(name, release, properties, provides, consumes, fields.Position);
        _draft.Jobs.Add(new JobSite(group, job, ValuePosition(fields, "name"), propertiesNode, provideKeys, consumeKeys, fromPositions, fields.KeyPosition("consumes")));
        return job;
    }

    private string? ReadReleaseName(ManifestNode node)
    {
        if (Named(node, "release", ManifestNames.Identifier(), ManifestNames.IdentifierRule) is not { } release)
        {
            return null;
        }
        if (_draft.ReleasesListed && !_draft.ReleaseNames.Contains(release))
        {
            string known = _draft.ReleaseNames.Count == 0 ? "none is listed" : $"listed: {string.Join(", ", _draft.ReleaseNames)}";
            _context.Error(node.Position, $"release '{release}' is not listed under 'releases': add it there or use a listed one ({known})");
            return null;
        }
        return release;
    }

    /// <summary>A link mapping's entries (link name → value), with each link name checked.</summary>
    private List<(string Link, ManifestScalar Key, ManifestNode Value)> LinkEntries(ManifestNode node, string key)
    {
        if (!_context.Visit(node))
        {
            return [];
        }
        if (node is not ManifestMapping mapping)
        {
            _context.Error(node.Position, $"'{key}' must be a mapping of link name to its settings, not a {Kind(node)}");
            return [];
        }
        List<(string, ManifestScalar, ManifestNode)> links = [];
        foreach ((string link, ManifestScalar keyNode, ManifestNode value) in MappingEntries.Unique(mapping, _context))
        {
            if (!ManifestNames.Identifier().IsMatch(link))
            {
                _context.Error(keyNode.Position, $"link name '{Shown(link)}' must be {ManifestNames.IdentifierRule}");
                continue;
            }
            links.Add((link, keyNode, value));
        }
        return links;
    }

    private Dictionary<string, string> ReadProvides(ManifestNode node, Dictionary<string, SourcePosition> keys)
    {
        Dictionary<string, string> provides = new(StringComparer.Ordinal);
        foreach ((string link, ManifestScalar key, ManifestNode value) in LinkEntries(node, "provides"))
        {
            keys[link] = key.Position;
            string? published = link;
            if (value is not ManifestScalar { IsPlain: true } empty || !ScalarTyping.IsNull(empty.Value))
            {
                MappingFields fields = MappingFields.Read(value, _context, $"provides '{link}'", ProvideKeys);
                published = fields.Optional("as") is { } a ? Named(a, "as", ManifestNames.Identifier(), ManifestNames.IdentifierRule) : link;
            }
            if (published is not null)
            {
                provides[link] = published;
            }
        }
        return provides;
    }

    private Dictionary<string, LinkSource> ReadConsumes(ManifestNode node, Dictionary<string, SourcePosition> keys, Dictionary<string, SourcePosition> froms)
    {
        Dictionary<string, LinkSource> consumes = new(StringComparer.Ordinal);
        foreach ((string link, ManifestScalar key, ManifestNode value) in LinkEntries(node, "consumes"))
        {
            keys[link] = key.Position;
            MappingFields fields = MappingFields.Read(value, _context, $"consumes '{link}'", ConsumeKeys);
            ManifestNode? fromNode = fields.Required("from");
            string? from = fromNode is null ? null : Named(fromNode, "from", ManifestNames.Identifier(), $"a published link name ({ManifestNames.IdentifierRule})");
            bool? optional = fields.Optional("optional") is { } o ? Bool(o, "optional") : false;
            if (from is not null && optional is not null)
            {
                froms[link] = fromNode!.Position;
                consumes[link] = new LinkSource(from, optional.Value, key.Position);
            }
        }
        return consumes;
    }
}
