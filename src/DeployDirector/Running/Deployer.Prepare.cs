using DeployDirector.Manifest;
using DeployDirector.Planning;

namespace DeployDirector.Running;

public sealed partial class Deployer
{
    /// <summary>A validated manifest with everything planning needs; <see cref="Kept"/> holds the
    /// variables given and the passwords made for this deploy (stored only if the deploy runs).</summary>
    internal sealed record Prepared(string Yaml, string File, DeploymentManifest Manifest, PlanInput Input, IReadOnlyDictionary<string, string> Kept);

    /// <summary>Validates the manifest against the director's catalog and gathers the plan's input; null with errors when invalid.</summary>
    private Prepared? Prepare(string yaml, string file, IReadOnlyDictionary<string, string>? given, out IReadOnlyList<ManifestError> errors)
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
        var stemcells = manifest.Stemcells.ToDictionary(s => s.Alias, s => director.Tree.Resolve(s.Edition).Name, StringComparer.Ordinal);
        var releases = manifest.Releases.ToDictionary(r => r.Name, r => r.Version, StringComparer.Ordinal);
        var layers = manifest.InstanceGroups.ToDictionary(g => g.Name, g => g.Branch ?? stemcells[g.Stemcell], StringComparer.Ordinal);
        var input = new PlanInput(manifest, stemcells, releases, layers, Publishers(manifest, releases), director.Store.Instances(manifest.Name), NodeFacts(), Addresses());
        return new Prepared(yaml, file, manifest, input, kept);
    }

    /// <summary>Plans against the current records and nodes (they change while a deploy runs).</summary>
    private DeployPlan PlanNow(Prepared prepared) =>
        DeployPlanner.Plan(prepared.Input with { Existing = director.Store.Instances(prepared.Manifest.Name), Nodes = NodeFacts(), Addresses = Addresses() },
            input => director.Archives.Render(prepared.Manifest, prepared.Input.Releases, input));

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
