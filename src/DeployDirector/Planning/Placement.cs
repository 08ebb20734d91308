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
            NodeFacts[] candidates = Candidates(manifest, group.Key, nodes, taken);
            foreach ((InstanceGroup g, int index, InstanceRecord? record, bool moved) in group)
            {
                NodeFacts? choice = Choose(g, candidates, nodeByMac, taken, placed);
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
        && LabelsMatch(group, node);

    private static bool LabelsMatch(InstanceGroup group, NodeFacts node)
    {
        // A loop, not All(): placement asks this of every node for every group, 10,000 nodes at a time.
        foreach (KeyValuePair<string, string> label in group.Placement.Labels)
        {
            if (!node.Labels.TryGetValue(label.Key, out string? value) || value != label.Value)
            {
                return false;
            }
        }
        return true;
    }

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

    /// <summary>The nodes that could take one of the group's instances at all (not taken yet), by MAC: worked out once per
    /// group, as a plan for a group of 100 at 10,000 nodes would otherwise scan every node per instance.</summary>
    private static NodeFacts[] Candidates(DeploymentManifest manifest, InstanceGroup group, IReadOnlyList<NodeFacts> nodes, HashSet<string> taken)
    {
        string key = $"{manifest.Name}/{group.Name}";
        var candidates = new List<NodeFacts>();
        foreach (NodeFacts n in nodes)
        {
            if (n.Alive && !n.Closed && (n.SpareFor is null || n.SpareFor == key) && !taken.Contains(n.Mac) && Fits(group, n))
            {
                candidates.Add(n);
            }
        }
        candidates.Sort((a, b) => string.CompareOrdinal(a.Mac, b.Mac));
        return [.. candidates];
    }

    /// <summary>The untaken candidate in the failure domain holding fewest of the group's instances; ties by MAC.</summary>
    private static NodeFacts? Choose(InstanceGroup group, NodeFacts[] candidates, Dictionary<string, NodeFacts> nodeByMac, HashSet<string> taken, List<PlacedInstance> placed)
    {
        string? domain = group.Placement.FailureDomain;
        if (domain is null)
        {
            return candidates.FirstOrDefault(n => !taken.Contains(n.Mac));
        }
        Dictionary<string, int> spread = placed
            .Where(p => p.Group == group.Name && p.Node is not null)
            .Select(p => nodeByMac[p.Node!].Labels.GetValueOrDefault(domain, ""))
            .GroupBy(v => v, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        NodeFacts? best = null;
        int bestCount = int.MaxValue;
        foreach (NodeFacts n in candidates)
        {
            int count = spread.GetValueOrDefault(n.Labels.GetValueOrDefault(domain, ""), 0);
            if (count < bestCount && !taken.Contains(n.Mac))
            {
                (best, bestCount) = (n, count); // candidates are in MAC order: the first of the fewest wins ties
            }
        }
        return best;
    }

    private static bool HeldByThis(DeploymentManifest manifest, string heldBy) => heldBy.StartsWith(manifest.Name + "/", StringComparison.Ordinal);
}
