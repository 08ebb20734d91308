using System.Text.Json.Nodes;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.Releases;
using DeployDirector.Rendering;

namespace DeployDirector.Running;

/// <summary>
/// Instance archives: rendered from the manifest, the pinned releases and the plan's links (the
/// renderer's bytes depend only on its input, so the hash says whether anything changed), and kept
/// as blobs so a node's agent can fetch the one it was sent.
/// </summary>
public sealed class InstanceArchives(BlobStore archives, ReleaseCatalog releases, IBlobSource packages)
{
    private readonly InstanceRenderer _renderer = new();

    public RenderedArchive Render(DeploymentManifest manifest, IReadOnlyDictionary<string, string> versions, RenderInput input)
    {
        var jobs = new List<RenderJob>();
        foreach (JobRef job in input.Group.Jobs)
        {
            string version = versions[job.Release];
            JobSpec spec = releases.Job(job.Release, version, job.Name)
                ?? throw new DirectorException(DirectorError.Invalid, $"release {job.Release}/{version} has no job {job.Name}");
            var links = new Dictionary<string, ResolvedLink>(StringComparer.Ordinal);
            foreach (ConsumedLink consumed in spec.Consumes)
            {
                string from = job.Consumes.TryGetValue(consumed.Name, out LinkSource? source) ? source.From : consumed.Name;
                if (input.Links.TryGetValue(from, out IReadOnlyList<LinkMember>? members))
                {
                    links[consumed.Name] = new ResolvedLink([.. members.Select(m => new LinkInstance(m.Group, m.Index, m.Id, m.Address))], LinkProperties(manifest, versions, from));
                }
            }
            jobs.Add(new RenderJob(spec, releases.Find(job.Release, version)!.Packages, job, links));
        }
        try
        {
            RenderedInstance rendered = _renderer.Render(new RenderRequest(input.Instance, input.Group.Lifecycle, input.Address, null, jobs, packages));
            return new RenderedArchive(rendered.Archive, rendered.Sha256, rendered.Spec);
        }
        catch (RenderException failed)
        {
            throw new DirectorException(DirectorError.Invalid, $"{input.Group.Name}/{input.Instance.Index}: " + string.Join("; ", failed.Problems));
        }
    }

    public void Put(RenderedArchive archive)
    {
        using var bytes = new MemoryStream(archive.Bytes, writable: false);
        archives.Put(bytes);
    }

    /// <summary>Stores a patch archive beside the instance archives (workers fetch it the same way); returns its SHA-256.</summary>
    public string PutPatch(Stream archive) => archives.Put(archive);

    /// <summary>Opens a stored archive, or null.</summary>
    public Stream? Open(string sha256) => archives.Exists(sha256) ? archives.Open(sha256) : null;

    /// <summary>The properties a published link exposes: those its provider's spec names, from the
    /// provider job's merged properties (defaults overridden by the manifest).</summary>
    private JsonObject LinkProperties(DeploymentManifest manifest, IReadOnlyDictionary<string, string> versions, string published)
    {
        foreach (JobRef job in manifest.InstanceGroups.SelectMany(g => g.Jobs))
        {
            JobSpec? spec = releases.Job(job.Release, versions[job.Release], job.Name);
            ProvidedLink? provided = spec?.Provides.FirstOrDefault(p => job.Provides.GetValueOrDefault(p.Name, p.Name) == published);
            if (spec is null || provided is null)
            {
                continue;
            }
            JsonObject merged = PropertyMerger.Merge(spec, job.Properties, []);
            var exposed = new JsonObject();
            foreach (string dotted in provided.Properties)
            {
                if (Find(merged, dotted) is { } value)
                {
                    Set(exposed, dotted, value.DeepClone());
                }
            }
            return exposed;
        }
        return [];
    }

    private static JsonNode? Find(JsonObject root, string dotted)
    {
        JsonNode? node = root;
        foreach (string part in dotted.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out JsonNode? next) ? next : null;
        }
        return node;
    }

    private static void Set(JsonObject root, string dotted, JsonNode value)
    {
        string[] parts = dotted.Split('.');
        JsonObject at = root;
        foreach (string part in parts[..^1])
        {
            if (at[part] is not JsonObject child)
            {
                at[part] = child = [];
            }
            at = child;
        }
        at[parts[^1]] = value;
    }
}
