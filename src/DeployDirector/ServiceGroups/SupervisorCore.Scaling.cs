using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

public sealed partial class SupervisorCore
{
    private readonly Dictionary<string, DateTimeOffset> _lastScale = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Direction, DateTimeOffset Since)> _pressure = new(StringComparer.Ordinal);

    /// <summary>
    /// A cloud auto-scaling group over stem cells: when the group's running members stay above
    /// scale_out_above for a cooldown with no hot spare left, one instance more (the provider boots a
    /// node for it); when they stay below scale_in_below, one fewer. One step per cooldown, within min..max.
    /// </summary>
    private void Autoscale(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        if (group.Policy.Autoscale is not { } scale)
        {
            return;
        }
        var loads = group.Instances
            .Where(i => i.Status == InstanceStatus.Running && i.Node is not null && round.Nodes.ContainsKey(i.Node) && round.Health(i.Node, group.Policy) == Health.Alive)
            .Select(i => round.Nodes[i.Node!].Load.Of(group.Policy.Metric))
            .ToList();
        int count = group.Instances.Count;
        bool spareLeft = round.SparesOf(group.Key).Any(n => round.Eligible(group, n) && !round.Taken(n.Mac));
        int direction = loads.Count == 0 || group.Instances.Any(i => i.Moving || i.Node is null) ? 0
            : loads.Average() * 100 > scale.ScaleOutAbovePercent && !spareLeft && count < scale.Max ? 1
            : loads.Average() * 100 < scale.ScaleInBelowPercent && count > scale.Min ? -1
            : 0;
        if (direction == 0)
        {
            _pressure.Remove(group.Key);
            return;
        }
        if (!_pressure.TryGetValue(group.Key, out (int Direction, DateTimeOffset Since) pressure) || pressure.Direction != direction)
        {
            _pressure[group.Key] = (direction, round.Now);
            return;
        }
        TimeSpan cooldown = TimeSpan.FromMilliseconds(scale.CooldownMs);
        if (round.Now - pressure.Since < cooldown || (_lastScale.TryGetValue(group.Key, out DateTimeOffset last) && round.Now - last < cooldown))
        {
            return;
        }
        _lastScale[group.Key] = round.Now;
        _pressure.Remove(group.Key);
        double average = loads.Average() * 100;
        decisions.Add(new ScaleGroup(group.Key, count + direction, direction > 0
            ? $"{group.Key} stayed at {average:0} % {group.Policy.Metric} (above {scale.ScaleOutAbovePercent} %) with no spare left: scaling out to {count + 1}"
            : $"{group.Key} stayed at {average:0} % {group.Policy.Metric} (below {scale.ScaleInBelowPercent} %): scaling in to {count - 1}"));
    }
}
