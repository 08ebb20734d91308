using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.State;

namespace DeployDirector.Planning;

/// <summary>
/// Desired + observed → a plan (Nomad's reconciler): placement first, then every wanted instance is
/// rendered with the addresses placement gives, and its archive's SHA-256 compared with what its
/// node last applied — equal and running means keep, so an unchanged deploy does nothing. Pure: the
/// renderer is a function of its input, and nothing is written.
/// </summary>
public static class DeployPlanner
{
    /// <param name="only">When given, only the instances it selects are rendered and listed (a failover
    /// needs one instance's archive, not the whole deployment's).</param>
    public static DeployPlan Plan(PlanInput input, Func<RenderInput, RenderedArchive> render, Func<string, int, bool>? only = null)
    {
        PlacementPlan placement = Placement.Plan(input.Manifest, input.Existing, input.Nodes);
        var groups = input.Manifest.InstanceGroups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        IReadOnlyDictionary<string, IReadOnlyList<LinkMember>> links = Links(input, placement);
        var changes = new List<InstanceChange>();
        foreach (PlacedInstance placed in placement.Instances.Where(p => only is null || only(p.Group, p.Index)))
        {
            InstanceGroup group = groups[placed.Group];
            string layer = input.GroupLayers[group.Name];
            InstanceRecord? existing = placed.Existing;
            if (placed.Node is null)
            {
                changes.Add(new InstanceChange(group.Name, placed.Index, existing?.Id, existing is null ? ChangeAction.Create : ChangeAction.Update, null, existing?.Node, layer,
                    $"waiting for a node: needs {Placement.Describe(group)}"));
                continue;
            }
            // The archive names the instance, not its assignment: the epoch travels with each command, so
            // a hot spare's copy prepared before a failover is the very archive the failover applies.
            var reference = new InstanceRef(input.Manifest.Name, group.Name, placed.Index, existing?.Id ?? ProvisionalId(group.Name, placed.Index), 0);
            RenderedArchive archive = render(new RenderInput(reference, group, input.Addresses.GetValueOrDefault(placed.Node, "0.0.0.0"), links));
            (ChangeAction action, string reason) = Decide(existing, placed, archive);
            if (action == ChangeAction.Keep && input.NodeEditions.TryGetValue(placed.Node, out string? boots)
                && (!input.GroupEditions.TryGetValue(group.Name, out string? wanted) || wanted != boots))
            {
                // The same jobs on another edition: a rollout. The node moves at a reboot, then runs them again.
                (action, reason) = (ChangeAction.Update, $"boots {boots}; moves onto {wanted ?? layer} at a reboot");
            }
            changes.Add(new InstanceChange(group.Name, placed.Index, existing?.Id, action, placed.Node, placed.Moved ? existing?.Node : null, layer, reason) { Archive = archive });
        }
        changes.AddRange(placement.Removed.Select(r => new InstanceChange(r.Group, r.Index, r.Id, ChangeAction.Delete, r.Node, null, "", groups.ContainsKey(r.Group)
            ? $"the group has {groups[r.Group].Instances} instance(s) now" : "the group is no longer in the manifest")));
        return new DeployPlan(input.Manifest.Name, input.Stemcells, input.Releases, changes, placement.Shortfalls) { Manifest = input.Manifest };
    }

    /// <summary>The id a not-yet-created instance shows in a plan; the deploy gives it a real one.</summary>
    public static string ProvisionalId(string group, int index) => $"new-{group}-{index}";

    private static (ChangeAction, string) Decide(InstanceRecord? existing, PlacedInstance placed, RenderedArchive archive)
    {
        if (existing is null)
        {
            return (ChangeAction.Create, $"new instance on {placed.Node}");
        }
        if (placed.Moved)
        {
            return (ChangeAction.Update, $"moves from {existing.Node} (it no longer fits the group) to {placed.Node}");
        }
        if (existing.ArchiveSha256 is null)
        {
            return (ChangeAction.Update, "assigned but never applied");
        }
        if (existing.ArchiveSha256 != archive.Sha256)
        {
            return (ChangeAction.Update, "its jobs, properties or links changed");
        }
        return existing.Status is InstanceStatus.Running or InstanceStatus.Ready
            ? (ChangeAction.Keep, "unchanged")
            : (ChangeAction.Update, $"unchanged but {existing.Status.ToString().ToLowerInvariant()}");
    }

    private static Dictionary<string, IReadOnlyList<LinkMember>> Links(PlanInput input, PlacementPlan placement)
    {
        var result = new Dictionary<string, IReadOnlyList<LinkMember>>(StringComparer.Ordinal);
        foreach ((string published, IReadOnlyList<string> groups) in input.Publishers)
        {
            result[published] = [.. placement.Instances
                .Where(p => groups.Contains(p.Group) && p.Node is not null)
                .Select(p => new LinkMember(p.Group, p.Index, p.Existing?.Id ?? ProvisionalId(p.Group, p.Index), input.Addresses.GetValueOrDefault(p.Node!, "0.0.0.0")))];
        }
        return result;
    }
}
