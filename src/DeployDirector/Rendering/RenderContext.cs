using System.Text.Json.Nodes;
using DeployDirector.Releases;

namespace DeployDirector.Rendering;

/// <summary>The JSON context of a job's templates: <c>properties</c>, <c>spec</c> and <c>links</c>
/// (only the links the job consumes; an optional one without instances is left out).</summary>
internal static class RenderContext
{
    public static JsonObject For(RenderRequest request, RenderJob job, List<string> problems) => new()
    {
        ["properties"] = PropertyMerger.Merge(job.Spec, job.Manifest.Properties, problems),
        ["spec"] = Spec(request),
        ["links"] = Links(job, problems),
    };

    private static JsonObject Spec(RenderRequest request)
    {
        var spec = new JsonObject
        {
            ["deployment"] = request.Instance.Deployment,
            ["name"] = $"{request.Instance.Group}/{request.Instance.Index}",
            ["group"] = request.Instance.Group,
            ["index"] = request.Instance.Index,
            ["id"] = request.Instance.Id,
            ["address"] = request.Address,
            ["bootstrap"] = request.Instance.Index == 0,
        };
        if (request.Leader is { } leader)
        {
            spec["leader"] = leader;
        }
        return spec;
    }

    private static JsonObject Links(RenderJob job, List<string> problems)
    {
        foreach (string name in job.Links.Keys.Where(n => !job.Spec.Consumes.Any(c => c.Name == n)).Order(StringComparer.Ordinal))
        {
            problems.Add($"job '{job.Spec.Name}': link '{name}' was resolved but the job does not consume it");
        }
        var links = new JsonObject();
        foreach (ConsumedLink consumed in job.Spec.Consumes.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            if (!job.Links.TryGetValue(consumed.Name, out ResolvedLink? resolved) || resolved.Instances.Count == 0)
            {
                if (!consumed.Optional)
                {
                    problems.Add($"job '{job.Spec.Name}': required link '{consumed.Name}' has no instances");
                }
                continue;
            }
            // Sorted, so the resolver's order does not change the archive.
            LinkInstance[] instances = [.. resolved.Instances.OrderBy(i => i.Group, StringComparer.Ordinal).ThenBy(i => i.Index)];
            links[consumed.Name] = new JsonObject
            {
                ["instances"] = new JsonArray([.. instances.Select(Instance)]),
                ["address"] = instances[0].Address,
                ["properties"] = CanonicalJson.Object(resolved.Properties),
            };
        }
        return links;
    }

    private static JsonObject Instance(LinkInstance instance) => new()
    {
        ["name"] = $"{instance.Group}/{instance.Index}",
        ["group"] = instance.Group,
        ["index"] = instance.Index,
        ["id"] = instance.Id,
        ["address"] = instance.Address,
    };
}
