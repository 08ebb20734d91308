using DeployDirector.Manifest;
using DeployDirector.State;

namespace DeployDirector.Planning;

/// <summary>
/// Placement as a pure function of desired and observed state (Nomad's feasibility then ranking):
/// an instance that has a node that still fits keeps it; the rest go to idle, alive nodes whose
/// labels and hardware fit, spread over the values of the group's failure-domain label (fewest of
/// the group's instances first), ties broken by MAC so the same state always gives the same plan.
/// A node holds at most one instance; quiesced and fenced nodes take none, another group's hot spare neither. Instances past a group's count, and groups no longer in the
/// manifest, are removed.
/// </summary>
public static class Placement
{
    public static PlacementPlan Plan(DeploymentManifest manifest, IReadOnlyList<InstanceRecord> existing, IReadOnlyList<NodeFacts> nodes)
    {
        var byKey = existing.ToDictionary(i => (i.Group, i.Index));
        var nodeByMac = nodes.ToDictionary(n => n.Mac, StringComparer.Ordinal);
        var taken = new HashSet<string>(nodes.Where(n => n.HeldBy is not null && !HeldByThis(manifest, n.HeldBy)).Select(n => n.Mac), StringComparer.Ordinal);
        var placed = new List<PlacedInstance>();
        var removed = new List<InstanceRecord>();
        var shortfalls = new List<Shortfall>();
        var wanted = manifest.InstanceGroups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        removed.AddRange(existing.Where(i => !wanted.TryGetValue(i.Group, out InstanceGroup? g) || i.Index >= g.Instances).OrderBy(i => i.Key, StringComparer.Ordinal));

        // First every instance that keeps its node, so new ones never take a node a kept one needs.
        var pending = new List<(InstanceGroup Group, int Index, InstanceRecord? Existing, bool Moved)>();
        foreach (InstanceGroup group in manifest.InstanceGroups)
        {
            for (int index = 0; index < group.Instances; index++)
            {
                InstanceRecord? record = byKey.GetValueOrDefault((group.Name, index));
                if (record?.Node is { } mac && nodeByMac.TryGetValue(mac, out NodeFacts? node) && Fits(group, node) && taken.Add(mac))
                {
                    placed.Add(new PlacedInstance(group.Name, index, record, mac, Moved: false));
                }
                else
                {
                    pending.Add((group, index, record, record?.Node is not null));
                }
            }
        }
        foreach (IGrouping<InstanceGroup, (InstanceGroup Group, int Index, InstanceRecord? Existing, bool Moved)> group in pending.GroupBy(p => p.Group))
        {
            int missing = 0;
            foreach ((InstanceGroup g, int index, InstanceRecord? record, bool moved) in group)
            {
                NodeFacts? choice = Choose(manifest, g, nodes, nodeByMac, taken, placed);
                if (choice is null)
                {
                    missing++;
                    placed.Add(new PlacedInstance(g.Name, index, record, null, moved));
                    continue;
                }
                taken.Add(choice.Mac);
                placed.Add(new PlacedInstance(g.Name, index, record, choice.Mac, moved));
            }
            if (missing > 0)
            {
                shortfalls.Add(new Shortfall(group.Key.Name, missing, Describe(group.Key)));
            }
        }
        return new PlacementPlan([.. placed.OrderBy(p => p.Group, StringComparer.Ordinal).ThenBy(p => p.Index)], removed, shortfalls);
    }

    /// <summary>Feasibility: every label matches, and the node has the cores and memory asked for.</summary>
    public static bool Fits(InstanceGroup group, NodeFacts node) =>
        node.Cores >= group.Resources.Cores
        && node.MemoryBytes >= group.Resources.MemoryBytes
        && group.Placement.Labels.All(l => node.Labels.TryGetValue(l.Key, out string? value) && value == l.Value);

    /// <summary>What a node must have to take an instance of the group, in words.</summary>
    public static string Describe(InstanceGroup group)
    {
        var needs = new List<string>();
        needs.AddRange(group.Placement.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"label {l.Key}={l.Value}"));
        if (group.Resources.Cores > 0)
        {
            needs.Add($"{group.Resources.Cores} cores");
        }
        if (group.Resources.MemoryBytes > 0)
        {
            needs.Add($"{group.Resources.MemoryBytes / (1024 * 1024)} MiB of memory");
        }
        return needs.Count == 0 ? "an idle stem cell" : "an idle stem cell with " + string.Join(", ", needs);
    }

    private static NodeFacts? Choose(DeploymentManifest manifest, InstanceGroup group, IReadOnlyList<NodeFacts> nodes, Dictionary<string, NodeFacts> nodeByMac, HashSet<string> taken, List<PlacedInstance> placed)
    {
        string? domain = group.Placement.FailureDomain;
        Dictionary<string, int> spread = domain is null ? [] : placed
            .Where(p => p.Group == group.Name && p.Node is not null)
            .Select(p => nodeByMac[p.Node!].Labels.GetValueOrDefault(domain, ""))
            .GroupBy(v => v, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return nodes
            .Where(n => n.Alive && !n.Closed && (n.SpareFor is null || n.SpareFor == $"{manifest.Name}/{group.Name}") && !taken.Contains(n.Mac) && Fits(group, n))
            .OrderBy(n => domain is null ? 0 : spread.GetValueOrDefault(n.Labels.GetValueOrDefault(domain, ""), 0))
            .ThenBy(n => n.Mac, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static bool HeldByThis(DeploymentManifest manifest, string heldBy) => heldBy.StartsWith(manifest.Name + "/", StringComparison.Ordinal);
}
