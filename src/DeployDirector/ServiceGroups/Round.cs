namespace DeployDirector.ServiceGroups;

/// <summary>A member's health as one group's failover timings judge it.</summary>
public enum Health
{
    Alive,
    /// <summary>Missed <see cref="GroupPolicy.SuspectAfter"/> heartbeats: kept, but not advertised.</summary>
    Suspect,
    /// <summary>Missed <see cref="GroupPolicy.DeadAfter"/> heartbeats (or gone): its instances move.</summary>
    Dead,
}

/// <summary>One decision round's working state: the view by MAC, and the nodes this round already gave work.</summary>
internal sealed class Round(SupervisorView view)
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly HashSet<string> _noneFor = new(StringComparer.Ordinal);

    public DateTimeOffset Now => view.Now;

    public TimeSpan IntakeLag => view.IntakeLag;

    public Dictionary<string, NodeView> Nodes { get; } = view.Nodes.ToDictionary(n => n.Mac, StringComparer.Ordinal);

    /// <summary>Nodes that could take an instance at all (registered, open, holding nothing): every
    /// placement looks only here, as at 10,000 members nearly every node holds one.</summary>
    public IReadOnlyList<NodeView> Idle { get; } = [.. view.Nodes.Where(n => n.Registered && n.HeldBy is null && !n.Quiesced && !n.Fenced)];

    private readonly ILookup<string, NodeView> _spares = view.Nodes.Where(n => n.SpareFor is not null).ToLookup(n => n.SpareFor!, StringComparer.Ordinal);

    /// <summary>The nodes designated hot spares of <paramref name="group"/> (a group key).</summary>
    public IEnumerable<NodeView> SparesOf(string group) => _spares[group];

    /// <summary>Nodes fenced in this round (one decision per node, whichever group saw it first).</summary>
    public HashSet<string> Fencing { get; } = new(StringComparer.Ordinal);

    public Health Health(string mac, GroupPolicy policy) => Nodes.GetValueOrDefault(mac) is { } node ? HealthOf(node, policy) : ServiceGroups.Health.Dead;

    public Health HealthOf(NodeView node, GroupPolicy policy) => HealthOf(node, policy, view.IntakeLag);

    /// <summary>A node's health from its silence net of the director's own <paramref name="intakeLag"/>.</summary>
    public static Health HealthOf(NodeView node, GroupPolicy policy, TimeSpan intakeLag)
    {
        if (node.SinceLastSeen is not { } seen)
        {
            return ServiceGroups.Health.Dead;
        }
        TimeSpan silent = seen - intakeLag;
        return silent >= policy.DeadTime ? ServiceGroups.Health.Dead
            : silent >= policy.SuspectTime ? ServiceGroups.Health.Suspect
            : ServiceGroups.Health.Alive;
    }

    public void Take(string mac) => _taken.Add(mac);

    public bool Taken(string mac) => _taken.Contains(mac);

    /// <summary>A node may take one of the group's instances: alive, neither quiesced nor fenced, idle,
    /// not another group's spare, and it fits the group's placement.</summary>
    public bool Eligible(GroupView group, NodeView node) =>
        node.Registered && HealthOf(node, group.Policy) == ServiceGroups.Health.Alive && !node.Quiesced && !node.Fenced && node.HeldBy is null
        && (node.SpareFor is null || node.SpareFor == group.Key) && group.Fits(node);

    /// <summary>Where an instance goes: the group's hot spares first (one holding its archive before the
    /// others), then nodes under high water, the least utilized first; ties by MAC.</summary>
    public NodeView? Choose(GroupView group, InstanceView instance, string? exclude)
    {
        // Nodes only leave the pool within a round: a group that found none finds none again (a rack's
        // orphans ask every round). An instance that avoids a node may find none where others would.
        if (_noneFor.Contains(group.Key))
        {
            return null;
        }
        double high = group.Policy.HighWaterPercent / 100.0;
        NodeView? chosen = Idle
            .Where(n => n.Mac != exclude && n.Mac != instance.Avoid && !Taken(n.Mac) && Eligible(group, n))
            .OrderBy(n => n.SpareFor == group.Key ? 0 : 1)
            .ThenBy(n => n.Prepared.Contains(instance.Key) ? 0 : 1)
            .ThenBy(n => n.Load.Of(group.Policy.Metric) > high ? 1 : 0)
            .ThenBy(n => n.Load.Of(group.Policy.Metric))
            .ThenBy(n => n.Mac, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is null && instance.Avoid is null && !IsCandidate(group, exclude))
        {
            _noneFor.Add(group.Key);
        }
        return chosen;
    }

    private bool IsCandidate(GroupView group, string? mac) =>
        mac is not null && Nodes.GetValueOrDefault(mac) is { } node && Idle.Contains(node) && Eligible(group, node);
}
