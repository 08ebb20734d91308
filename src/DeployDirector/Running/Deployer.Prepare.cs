using DeployDirector.Manifest;
using DeployDirector.Planning;

namespace DeployDirector.Running;

public sealed partial class Deployer
{
    /// <summary>A validated manifest with everything planning needs; <see cref="Kept"/> holds the
    /// variables given and the passwords made for this deploy (stored only if the deploy runs).</summary>
    internal sealed record Prepared(string Yaml, string File, DeploymentManifest Manifest, PlanInput Input, IReadOnlyDictionary<string, string> Kept);

    /// <summary>Editions and release versions fixed in advance: a rollout's target, or a rollback's previous deploy
    /// (whose manifest may name a lineage whose latest edition has moved on since).</summary>
    internal sealed record Pins(IReadOnlyDictionary<string, string> Stemcells, IReadOnlyDictionary<string, string> Releases);

    /// <summary>Validates the manifest against the director's catalog and gathers the plan's input; null with errors when invalid.</summary>
    private Prepared? Prepare(string yaml, string file, IReadOnlyDictionary<string, string>? given, out IReadOnlyList<ManifestError> errors, Pins? pins = null)
    {
        ManifestPeek peek = ManifestPeek.Read(yaml);
        IReadOnlyDictionary<string, string> stored = peek.Name is null ? new Dictionary<string, string>() : director.Store.Variables(peek.Name);
        // What the deploy keeps with the deployment: the values given now, and passwords made for it.
        var kept = new Dictionary<string, string>(given ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (string password in peek.Passwords.Where(p => !kept.ContainsKey(p) && !stored.ContainsKey(p)))
        {
            kept[password] = GeneratePassword();
        }
        var variables = new Dictionary<string, string>(stored, StringComparer.Ordinal);
        foreach ((string key, string value) in kept)
        {
            variables[key] = value;
        }
        ManifestResult result = ManifestLoader.Load(yaml, file, variables, new DirectorCatalog(director));
        if (result.Manifest is not { } manifest)
        {
            errors = result.Errors;
            return null;
        }
        manifest = Scaled(manifest);
        errors = [];
        var stemcells = manifest.Stemcells.ToDictionary(s => s.Alias, s => director.Tree.Resolve(pins?.Stemcells.GetValueOrDefault(s.Alias) ?? s.Edition).Name, StringComparer.Ordinal);
        var releases = manifest.Releases.ToDictionary(r => r.Name, r => pins?.Releases.GetValueOrDefault(r.Name) ?? r.Version, StringComparer.Ordinal);
        var layers = manifest.InstanceGroups.ToDictionary(g => g.Name, g => g.Branch ?? stemcells[g.Stemcell], StringComparer.Ordinal);
        var input = new PlanInput(manifest, stemcells, releases, layers, Publishers(manifest, releases), director.Store.Instances(manifest.Name), NodeFacts(), Addresses());
        return new Prepared(yaml, file, manifest, input, kept);
    }

    /// <summary>Plans against the current records and nodes (they change while a deploy runs).</summary>
    private DeployPlan PlanNow(Prepared prepared)
    {
        IReadOnlyList<State.InstanceRecord> existing = director.Store.Instances(prepared.Manifest.Name);
        return DeployPlanner.Plan(prepared.Input with
        {
            Existing = existing,
            Nodes = NodeFacts(),
            Addresses = Addresses(),
            NodeEditions = NodeEditions(existing),
            GroupEditions = GroupEditions(prepared.Input.GroupLayers),
        }, input => director.Archives.Render(prepared.Manifest, prepared.Input.Releases, input));
    }

    /// <summary>Where the nodes holding these instances boot from now (their leaves' parents).</summary>
    private Dictionary<string, string> NodeEditions(IReadOnlyList<State.InstanceRecord> instances)
    {
        var editions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string node in instances.Select(i => i.Node).OfType<string>().Distinct())
        {
            if (director.Tree.EditionOf(node) is { } edition)
            {
                editions[node] = edition;
            }
        }
        return editions;
    }

    private Dictionary<string, string> GroupEditions(IReadOnlyDictionary<string, string> layers)
    {
        var editions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string group, string layer) in layers)
        {
            if (layer.Length > 0 && director.Tree.TryResolve(layer) is { } resolved)
            {
                editions[group] = resolved.Name;
            }
        }
        return editions;
    }

    /// <summary>Published link name → the groups providing it: every link a job's spec provides, under its
    /// manifest alias (<c>provides: {link: {as: name}}</c>) or its own name.</summary>
    private Dictionary<string, IReadOnlyList<string>> Publishers(DeploymentManifest manifest, IReadOnlyDictionary<string, string> releases)
    {
        var publishers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (InstanceGroup group in manifest.InstanceGroups)
        {
            foreach (JobRef job in group.Jobs)
            {
                foreach (string link in director.Releases.Job(job.Release, releases[job.Release], job.Name)?.Provides.Select(p => p.Name) ?? [])
                {
                    string published = job.Provides.GetValueOrDefault(link, link);
                    if (!publishers.TryGetValue(published, out List<string>? groups))
                    {
                        publishers[published] = groups = [];
                    }
                    if (!groups.Contains(group.Name))
                    {
                        groups.Add(group.Name);
                    }
                }
            }
        }
        return publishers.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }
}
