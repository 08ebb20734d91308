namespace DeployDirector.Manifest;

/// <summary>The checks that need to know what the director holds: releases and their jobs, editions,
/// placement. They run only when a catalog is given, over the items the reader found well-formed.</summary>
internal sealed class CatalogChecks(IManifestCatalog catalog, ManifestDraft draft, ManifestContext context)
{
    private readonly Dictionary<string, string> _pinned = new(StringComparer.Ordinal);

    public Dictionary<JobSite, JobSpecInfo> Specs { get; } = [];

    /// <summary>Resolves every release's version ("latest" → the newest uploaded) and looks up each job's spec.</summary>
    public void Resolve()
    {
        for (int i = 0; i < draft.Releases.Count; i++)
        {
            ReleaseSite site = draft.Releases[i];
            ReleaseRef release = site.Release;
            IReadOnlyList<string> versions = catalog.ReleaseVersions(release.Name);
            if (versions.Count == 0)
            {
                context.Error(release.Position, $"release '{release.Name}' is not uploaded: upload it before deploying");
                continue;
            }
            string? version = release.Version == "latest" ? VersionOrder.Newest(versions) : versions.FirstOrDefault(v => v == release.Version);
            if (version is null)
            {
                string uploaded = string.Join(", ", versions.Order(VersionOrder.Instance));
                context.Error(site.VersionPosition, $"release '{release.Name}' has no version '{release.Version}': the uploaded versions are {uploaded} (or use latest)");
                continue;
            }
            _pinned[release.Name] = version;
            draft.Releases[i] = site with { Release = release with { Version = version } };
        }
        foreach (JobSite site in draft.Jobs)
        {
            if (!_pinned.TryGetValue(site.Job.Release, out string? version))
            {
                continue;
            }
            if (catalog.Job(site.Job.Release, version, site.Job.Name) is { } spec)
            {
                Specs[site] = spec;
            }
            else
            {
                context.Error(site.NamePosition, $"job '{site.Job.Name}' is not in release {site.Job.Release}/{version}: check the job's name or the release");
            }
        }
    }

    public void CheckJobs(IReadOnlyList<LinkChecks.Published> published)
    {
        foreach ((JobSite site, JobSpecInfo spec) in Specs)
        {
            string job = $"job '{site.Job.Name}' ({site.Job.Release}/{_pinned[site.Job.Release]})";
            if (site.PropertiesNode is { } properties)
            {
                CheckProperties(properties, "", spec.Properties, job);
            }
            foreach ((string link, SourcePosition at) in site.ProvideKeys)
            {
                if (!spec.Provides.Contains(link))
                {
                    context.Error(at, $"{job} provides no link '{link}': {KeySuggestion.Advice(link, spec.Provides, "it provides")}");
                }
            }
            foreach ((string link, SourcePosition at) in site.ConsumeKeys)
            {
                if (!spec.Consumes.ContainsKey(link))
                {
                    context.Error(at, $"{job} consumes no link '{link}': {KeySuggestion.Advice(link, spec.Consumes.Keys.ToList(), "it consumes")}");
                }
            }
            foreach ((string link, bool optional) in spec.Consumes)
            {
                if (!optional && !site.Job.Consumes.ContainsKey(link))
                {
                    CheckImplicitLink(site, job, link, published);
                }
            }
        }
    }

    public void CheckEditions()
    {
        foreach (StemcellSite site in draft.Stemcells)
        {
            if (!catalog.EditionExists(site.Stemcell.Edition))
            {
                context.Error(site.EditionPosition, $"edition '{site.Stemcell.Edition}' is not in the image tree: import or freeze it first ('ubd image list' shows the editions)");
            }
        }
    }

    public void CheckPlacement()
    {
        foreach (InstanceGroup group in draft.Groups)
        {
            if (catalog.PlacementProblem(group) is { } problem)
            {
                context.Error(group.PlacementPosition, $"instance group '{group.Name}' cannot be placed: {problem}");
            }
        }
    }

    /// <summary>A required link the manifest leaves unconnected comes from the one job that publishes its name.</summary>
    private void CheckImplicitLink(JobSite site, string job, string link, IReadOnlyList<LinkChecks.Published> published)
    {
        List<string> providers = [.. published.Where(p => p.Name == link).Select(p => p.Provider)];
        if (providers.Count == 1)
        {
            return;
        }
        SourcePosition at = site.ConsumesKey ?? site.NamePosition;
        string problem = providers.Count == 0
            ? "no job in the deployment publishes it"
            : $"{providers.Count} jobs publish it ({string.Join(", ", providers)})";
        context.Error(at, $"{job} needs link '{link}' and {problem}: connect it with consumes: {{ {link}: {{ from: <published link> }} }}");
    }

    private void CheckProperties(ManifestMapping mapping, string prefix, IReadOnlyCollection<string> declared, string job)
    {
        foreach ((ManifestNode keyNode, ManifestNode value) in mapping.Entries)
        {
            // No visit is counted: this walk goes no further than the conversion of the same nodes, which was.
            if (keyNode is not ManifestScalar key)
            {
                continue;
            }
            string path = prefix.Length == 0 ? key.Value : $"{prefix}.{key.Value}";
            if (declared.Contains(path))
            {
                continue;
            }
            string group = path + ".";
            List<string> below = [.. declared.Where(d => d.StartsWith(group, StringComparison.Ordinal))];
            if (below.Count == 0)
            {
                context.Error(key.Position, $"unknown property '{path}' for {job}: {KeySuggestion.Advice(path, declared, "its properties are")}");
            }
            else if (value is ManifestMapping nested)
            {
                CheckProperties(nested, path, declared, job);
            }
            else if (value is not ManifestScalar { IsPlain: true } empty || !ScalarTyping.IsNull(empty.Value))
            {
                context.Error(value.Position, $"property '{path}' of {job} holds properties ({string.Join(", ", below)}): give it a mapping");
            }
        }
    }
}
