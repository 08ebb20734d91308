namespace DeployDirector.Manifest;

/// <summary>
/// Walks the YAML nodes of a manifest into a <see cref="ManifestDraft"/>, reporting every problem with
/// its position. Split by section: values, update, instance groups, jobs.
/// </summary>
internal sealed partial class ManifestReader(ManifestContext context)
{
    private static readonly string[] TopKeys = ["name", "releases", "stemcells", "update", "variables", "instance_groups"];
    private static readonly string[] ReleaseKeys = ["name", "version"];
    private static readonly string[] StemcellKeys = ["alias", "edition"];
    private static readonly string[] VariableKeys = ["name", "type"];

    private readonly ManifestContext _context = context;
    private readonly ManifestDraft _draft = new();

    public static ManifestDraft Read(ManifestNode root, ManifestContext context)
    {
        ManifestReader reader = new(context);
        reader.ReadTop(root);
        return reader._draft;
    }

    private void ReadTop(ManifestNode root)
    {
        MappingFields top = MappingFields.Read(root, _context, "the manifest", TopKeys);
        if (!top.IsMapping)
        {
            return;
        }
        if (top.Required("name") is { } name)
        {
            _draft.Name = Named(name, "name", ManifestNames.Deployment(), ManifestNames.DeploymentRule);
        }
        List<ManifestNode>? releases = Items(top.Required("releases"), "releases", "releases ({ name, version })", required: true);
        _draft.ReleasesListed = releases is not null;
        foreach (ManifestNode item in releases ?? [])
        {
            ReadRelease(item);
        }
        List<ManifestNode>? stemcells = Items(top.Required("stemcells"), "stemcells", "stemcells ({ alias, edition })", required: true);
        _draft.StemcellsListed = stemcells is not null;
        foreach (ManifestNode item in stemcells ?? [])
        {
            ReadStemcell(item);
        }
        _draft.Update = top.Optional("update") is { } update ? ReadUpdate(update, "update", UpdatePolicy.Default) : UpdatePolicy.Default;
        HashSet<string> variables = new(StringComparer.Ordinal);
        foreach (ManifestNode item in Items(top.Optional("variables"), "variables", "variables ({ name, type })", required: false) ?? [])
        {
            ReadVariable(item, variables);
        }
        HashSet<string> groups = new(StringComparer.Ordinal);
        foreach (ManifestNode item in Items(top.Required("instance_groups"), "instance_groups", "instance groups", required: true) ?? [])
        {
            ReadGroup(item, groups);
        }
    }

    private void ReadRelease(ManifestNode item)
    {
        if (!_context.Visit(item))
        {
            return;
        }
        MappingFields fields = MappingFields.Read(item, _context, "a release", ReleaseKeys);
        string? name = fields.Required("name") is { } n ? Named(n, "name", ManifestNames.Identifier(), ManifestNames.IdentifierRule) : null;
        ManifestNode? versionNode = fields.Required("version");
        string? version = versionNode is null ? null : Named(versionNode, "version", ManifestNames.Version(), $"\"latest\" or a version ({ManifestNames.VersionRule})");
        if (name is null)
        {
            return;
        }
        if (!_draft.ReleaseNames.Add(name))
        {
            _context.Error(ValuePosition(fields, "name"), $"release '{name}' is listed twice: keep one entry");
            return;
        }
        if (version is not null)
        {
            _draft.Releases.Add(new ReleaseSite(new ReleaseRef(name, version, fields.Position), versionNode!.Position));
        }
    }

    private void ReadStemcell(ManifestNode item)
    {
        if (!_context.Visit(item))
        {
            return;
        }
        MappingFields fields = MappingFields.Read(item, _context, "a stemcell", StemcellKeys);
        string? alias = fields.Required("alias") is { } a ? Named(a, "alias", ManifestNames.Identifier(), ManifestNames.IdentifierRule) : null;
        ManifestNode? editionNode = fields.Required("edition");
        string? edition = editionNode is null ? null : Named(editionNode, "edition", ManifestNames.Edition(), ManifestNames.EditionRule);
        if (alias is null)
        {
            return;
        }
        if (!_draft.StemcellAliases.Add(alias))
        {
            _context.Error(ValuePosition(fields, "alias"), $"stemcell alias '{alias}' is defined twice: give each stemcell its own alias");
            return;
        }
        if (edition is not null)
        {
            _draft.Stemcells.Add(new StemcellSite(new StemcellRef(alias, edition, fields.Position), editionNode!.Position));
        }
    }

    private void ReadVariable(ManifestNode item, HashSet<string> seen)
    {
        if (!_context.Visit(item))
        {
            return;
        }
        MappingFields fields = MappingFields.Read(item, _context, "a variable", VariableKeys);
        string? name = fields.Required("name") is { } n ? Named(n, "name", ManifestNames.Variable(), "letters, digits, '_', '.' or '-'") : null;
        string? type = fields.Required("type") is { } t ? OneOf(t, "type", "password", "string") : null;
        if (name is null)
        {
            return;
        }
        if (!seen.Add(name))
        {
            _context.Error(ValuePosition(fields, "name"), $"variable '{name}' is declared twice: keep one declaration");
            return;
        }
        if (type is not null)
        {
            _draft.Variables.Add(new VariableDeclaration(name, type, fields.Position));
        }
    }

    /// <summary>Where a present field's value stands (its key's position when the value is missing).</summary>
    private static SourcePosition ValuePosition(MappingFields fields, string key) =>
        fields.Optional(key)?.Position ?? fields.KeyPosition(key) ?? fields.Position;
}
