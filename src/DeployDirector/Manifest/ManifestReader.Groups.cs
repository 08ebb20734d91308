using System.Globalization;
using System.Text.RegularExpressions;
using DeployDirector.Contracts;

namespace DeployDirector.Manifest;

/// <summary>Instance groups: their fields, placement and resources.</summary>
internal sealed partial class ManifestReader
{
    public const int MaxInstances = 1000;

    private static readonly string[] GroupKeys =
        ["name", "instances", "spares", "stemcell", "branch", "lifecycle", "placement", "resources", "update",
            "failover", "balance", "autoscale", "ports", "leaf_policy", "jobs"];

    private static readonly string[] PlacementKeys = ["labels", "failure_domain"];
    private static readonly string[] ResourceKeys = ["cores", "memory"];

    [GeneratedRegex("^([0-9]{1,19})([KMGTkmgt])$")]
    private static partial Regex Size();

    private void ReadGroup(ManifestNode item, HashSet<string> seen)
    {
        if (!_context.Visit(item))
        {
            return;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(item, _context, "an instance group", GroupKeys);
        if (!fields.IsMapping)
        {
            return;
        }
        string? name = fields.Required("name") is { } n ? Named(n, "name", ManifestNames.Deployment(), ManifestNames.DeploymentRule) : null;
        if (name is not null && !seen.Add(name))
        {
            _context.Error(ValuePosition(fields, "name"), $"instance group '{name}' is defined twice: rename one of them");
        }
        int? instances = fields.Required("instances") is { } i ? Int(i, "instances", 0, MaxInstances) : null;
        int? spares = fields.Optional("spares") is { } s ? Int(s, "spares", 0, MaxInstances) : 0;
        string? stemcell = fields.Required("stemcell") is { } st ? ReadStemcellAlias(st) : null;
        string? branch = fields.Optional("branch") is { } b ? Named(b, "branch", ManifestNames.Lineage(), ManifestNames.LineageRule) : null;
        string? lifecycle = fields.Optional("lifecycle") is { } l ? OneOf(l, "lifecycle", Lifecycle.Service, Lifecycle.Errand) : Lifecycle.Service;
        string? leafPolicy = fields.Optional("leaf_policy") is { } lp ? OneOf(lp, "leaf_policy", LeafPolicies.Keep, LeafPolicies.Reset) : LeafPolicies.Keep;
        if (lifecycle == Lifecycle.Errand && spares > 0)
        {
            _context.Error(fields.Optional("spares")!.Position, "an errand group keeps no hot spares: set 'spares' to 0 or remove it");
        }
        ServicePolicies? policies = ReadServicePolicies(fields, instances, lifecycle);
        Placement? placement = fields.Optional("placement") is { } p ? ReadPlacement(p) : Placement.Anywhere;
        Resources? resources = fields.Optional("resources") is { } r ? ReadResources(r) : Resources.None;
        UpdatePolicy? update = null;
        if (fields.Optional("update") is { } u)
        {
            update = ReadUpdate(u, $"the update of instance group '{name}'", _draft.Update ?? UpdatePolicy.Default);
        }
        List<JobRef> jobs = [];
        HashSet<string> jobNames = new(StringComparer.Ordinal);
        foreach (ManifestNode job in Items(fields.Required("jobs"), "jobs", "jobs ({ name, release, … })", required: true) ?? [])
        {
            if (ReadJob(job, name ?? "", jobNames) is { } read)
            {
                jobs.Add(read);
            }
        }
        if (_context.ErrorCount != errors || name is null || instances is null || spares is null || stemcell is null || lifecycle is null
            || policies is null || placement is null || resources is null || leafPolicy is null)
        {
            return;
        }
        _draft.Groups.Add(new InstanceGroup
        {
            Name = name,
            Instances = instances.Value,
            Spares = spares.Value,
            Stemcell = stemcell,
            Branch = branch,
            Lifecycle = lifecycle,
            Placement = placement,
            Resources = resources,
            Jobs = jobs,
            Update = update,
            LeafPolicy = leafPolicy,
            Failover = policies.Failover,
            Balance = policies.Balance,
            Autoscale = policies.Autoscale,
            Ports = policies.Ports,
            Position = fields.Position,
            InstancesPosition = fields.KeyPosition("instances") ?? fields.Position,
            PlacementPosition = fields.KeyPosition("placement") ?? fields.Position,
        });
    }

    private string? ReadStemcellAlias(ManifestNode node)
    {
        if (Named(node, "stemcell", ManifestNames.Identifier(), ManifestNames.IdentifierRule) is not { } alias)
        {
            return null;
        }
        if (_draft.StemcellsListed && !_draft.StemcellAliases.Contains(alias))
        {
            string known = _draft.StemcellAliases.Count == 0 ? "none is defined" : $"the aliases are {string.Join(", ", _draft.StemcellAliases)}";
            _context.Error(node.Position, $"stemcell '{alias}' is not an alias under 'stemcells': use one of them ({known})");
            return null;
        }
        return alias;
    }

    private Placement? ReadPlacement(ManifestNode node)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(node, _context, "placement", PlacementKeys);
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        if (fields.Optional("labels") is { } labelsNode)
        {
            if (labelsNode is not ManifestMapping mapping)
            {
                _context.Error(labelsNode.Position, $"'labels' must be a mapping of label name to value, not a {Kind(labelsNode)}");
            }
            else
            {
                foreach ((string key, ManifestScalar keyNode, ManifestNode value) in MappingEntries.Unique(mapping, _context))
                {
                    if (!ManifestNames.Identifier().IsMatch(key))
                    {
                        _context.Error(keyNode.Position, $"label name '{Shown(key)}' must be {ManifestNames.IdentifierRule}");
                    }
                    else if (Text(value, key) is { } text)
                    {
                        labels[key] = text;
                    }
                }
            }
        }
        string? domain = fields.Optional("failure_domain") is { } d ? Named(d, "failure_domain", ManifestNames.Identifier(), $"a label name ({ManifestNames.IdentifierRule})") : null;
        return _context.ErrorCount == errors ? new Placement(labels, domain) : null;
    }

    private Resources? ReadResources(ManifestNode node)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(node, _context, "resources", ResourceKeys);
        int? cores = fields.Optional("cores") is { } c ? Int(c, "cores", 0, 4096) : 0;
        long? memory = fields.Optional("memory") is { } m ? ReadSize(m, "memory") : 0;
        return _context.ErrorCount == errors && cores is not null && memory is not null ? new Resources(cores.Value, memory.Value) : null;
    }

    private long? ReadSize(ManifestNode node, string key)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } bytes and >= 0)
        {
            return bytes;
        }
        Match size = Size().Match(value.Text);
        if (size.Success && ulong.TryParse(size.Groups[1].Value, CultureInfo.InvariantCulture, out ulong amount))
        {
            int shift = char.ToUpperInvariant(size.Groups[2].Value[0]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 40 };
            if (amount <= (ulong)(long.MaxValue >> shift))
            {
                return (long)amount << shift;
            }
        }
        _context.Error(node.Position, $"'{key}' must be a size in bytes, or with a binary suffix K, M, G or T (256M = 256 MiB), got {Described(value)}");
        return null;
    }
}
