using System.Text;

namespace DeployDirector.Manifest;

/// <summary>
/// Loads a YAML deployment manifest with total validation: every problem is reported with its file,
/// line and column; a manifest with any error yields no model.
/// </summary>
public static class ManifestLoader
{
    public const int MaxBytes = 1 << 20;

    public static ManifestResult Load(string yaml, string file,
        IReadOnlyDictionary<string, string>? variables = null, IManifestCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(file);
        ManifestContext context = new(file, variables ?? new Dictionary<string, string>());
        if (Encoding.UTF8.GetByteCount(yaml) > MaxBytes)
        {
            context.Error(new SourcePosition(1, 1), $"the manifest is larger than {MaxBytes} bytes: split it or move large values out of it");
            return Failed(context);
        }
        ManifestNode? root = ManifestTreeBuilder.Build(yaml, context);
        if (root is null)
        {
            if (context.ErrorCount == 0)
            {
                context.Error(new SourcePosition(1, 1), "the manifest is empty: it needs name, releases, stemcells and instance_groups");
            }
            return Failed(context);
        }
        ManifestDraft draft = ManifestReader.Read(root, context);
        CheckAcross(draft, catalog, context);
        if (context.ErrorCount > 0)
        {
            return Failed(context);
        }
        DeploymentManifest manifest = new()
        {
            Name = draft.Name!,
            Releases = [.. draft.Releases.Select(r => r.Release)],
            Stemcells = [.. draft.Stemcells.Select(s => s.Stemcell)],
            Update = draft.Update!,
            Variables = draft.Variables,
            InstanceGroups = draft.Groups,
        };
        return new ManifestResult(manifest, []);
    }

    private static void CheckAcross(ManifestDraft draft, IManifestCatalog? catalog, ManifestContext context)
    {
        CatalogChecks? checks = catalog is null ? null : new CatalogChecks(catalog, draft, context);
        checks?.Resolve();
        List<LinkChecks.Published> published = LinkChecks.PublishedLinks(draft, site => checks?.Specs.GetValueOrDefault(site));
        LinkChecks.Check(draft, published, context);
        if (checks is not null)
        {
            checks.CheckJobs(published);
            checks.CheckEditions();
            checks.CheckPlacement();
        }
    }

    // Errors come out in file order, whichever check found them.
    private static ManifestResult Failed(ManifestContext context) =>
        new(null, [.. context.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
}
