using System.Collections.Concurrent;
using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

public sealed partial class SupervisorCore
{
    private readonly HashSet<string> _overHigh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastBalance = new(StringComparer.Ordinal);

    /// <summary>The group's available members (instance keys) as last published.</summary>
    public IReadOnlyList<string> Endpoints(string group) => _endpoints.GetValueOrDefault(group, []);

    /// <summary>Keeps <see cref="GroupPolicy.Spares"/> idle eligible nodes designated as the group's hot spares.</summary>
    private static void KeepSpares(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        var spares = round.SparesOf(group.Key).OrderBy(n => n.Mac, StringComparer.Ordinal).ToList();
        int kept = 0;
        foreach (NodeView spare in spares)
        {
            string? unfit = round.Taken(spare.Mac) ? null // it takes an instance this round
                : spare.Quiesced ? "quiesced"
                : spare.Fenced ? "fenced"
                : spare.HeldBy is not null ? "holds an instance"
                : round.HealthOf(spare, group.Policy) == Health.Dead ? "dead"
                : !group.Fits(spare) ? "no longer fits the group"
                : kept >= group.Policy.Spares ? $"the group wants {group.Policy.Spares} spare(s)"
                : null;
            if (round.Taken(spare.Mac))
            {
                continue;
            }
            if (unfit is null)
            {
                kept++;
                continue;
            }
            decisions.Add(new ReleaseSpare(group.Key, spare.Mac, $"{spare.Mac} is no longer a hot spare of {group.Key}: {unfit}"));
        }
        foreach (NodeView candidate in round.Idle
            .Where(n => n.SpareFor is null && !round.Taken(n.Mac) && round.Eligible(group, n))
            .OrderBy(n => n.Load.Of(group.Policy.Metric)).ThenBy(n => n.Mac, StringComparer.Ordinal)
            .Take(Math.Max(0, group.Policy.Spares - kept)))
        {
            round.Take(candidate.Mac);
            decisions.Add(new DesignateSpare(group.Key, candidate.Mac, $"{candidate.Mac} becomes a hot spare of {group.Key} (its jobs are prepared there, not started)"));
        }
    }

    /// <summary>The leader stays while its instance runs on a live, unfenced holder; otherwise the
    /// running instance with the lowest index leads.</summary>
    private static void ChooseLeader(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        bool CanLead(InstanceView i) => i.Status == InstanceStatus.Running && !i.Moving && i.Node is { } n
            && round.Health(n, group.Policy) != Health.Dead && round.Nodes.GetValueOrDefault(n) is { Fenced: false };
        InstanceView? current = group.Instances.FirstOrDefault(i => i.Key == group.Leader);
        if (current is not null && CanLead(current))
        {
            return;
        }
        InstanceView? next = group.Instances.Where(CanLead).OrderBy(i => i.Index).FirstOrDefault();
        if (next?.Key != group.Leader)
        {
            decisions.Add(new AssignLeader(group.Key, next?.Key, next is null
                ? $"{group.Leader} can no longer lead and no instance of {group.Key} runs"
                : group.Leader is null ? $"{next.Key} leads {group.Key}" : $"{group.Leader} can no longer lead: {next.Key} leads {group.Key}"));
        }
    }

    /// <summary>Available members: running on a live holder that is neither fenced, quiesced nor over
    /// high water (it returns below low water); never fewer than min_available while enough run.</summary>
    private void PublishEndpoints(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        GroupPolicy policy = group.Policy;
        var candidates = new List<(InstanceView Instance, NodeView Node)>();
        foreach (InstanceView instance in group.Instances.Where(i => i.Status == InstanceStatus.Running && !i.Moving && i.Node is not null).OrderBy(i => i.Index))
        {
            if (round.Nodes.GetValueOrDefault(instance.Node!) is { Fenced: false, Quiesced: false } node && round.HealthOf(node, policy) == Health.Alive)
            {
                double load = node.Load.Of(policy.Metric);
                if (load * 100 > policy.HighWaterPercent)
                {
                    _overHigh.Add(node.Mac);
                }
                else if (load * 100 < policy.LowWaterPercent)
                {
                    _overHigh.Remove(node.Mac);
                }
                candidates.Add((instance, node));
            }
        }
        var available = candidates.Where(c => !_overHigh.Contains(c.Node.Mac)).Select(c => c.Instance).ToList();
        foreach ((InstanceView instance, _) in candidates.Where(c => _overHigh.Contains(c.Node.Mac)).OrderBy(c => c.Node.Load.Of(policy.Metric)))
        {
            if (available.Count >= policy.MinAvailable)
            {
                break;
            }
            available.Add(instance);
        }
        IReadOnlyList<string> keys = [.. available.OrderBy(i => i.Index).Select(i => i.Key)];
        if (!_endpoints.TryGetValue(group.Key, out IReadOnlyList<string>? previous) || !previous.SequenceEqual(keys))
        {
            _endpoints[group.Key] = keys;
            decisions.Add(new EndpointsChanged(group.Key, keys, keys.Count == 0 ? $"{group.Key} has no available member" : $"{group.Key} advertises {string.Join(", ", keys)}"));
        }
    }

    /// <summary>At most max_moves instances per interval from holders over high water to idle nodes under low water.</summary>
    private void Rebalance(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        GroupPolicy policy = group.Policy;
        if (policy.MaxMoves <= 0 || (_lastBalance.TryGetValue(group.Key, out DateTimeOffset last) && round.Now - last < TimeSpan.FromMilliseconds(policy.BalanceIntervalMs)))
        {
            return;
        }
        _lastBalance[group.Key] = round.Now;
        int moves = 0;
        foreach (InstanceView instance in group.Instances
            .Where(i => i.Status == InstanceStatus.Running && !i.Moving && i.Node is not null && round.Nodes.ContainsKey(i.Node)
                && round.Health(i.Node, policy) == Health.Alive && round.Nodes[i.Node].Load.Of(policy.Metric) * 100 > policy.HighWaterPercent)
            .OrderByDescending(i => round.Nodes[i.Node!].Load.Of(policy.Metric)).ThenBy(i => i.Index))
        {
            if (moves >= policy.MaxMoves)
            {
                break;
            }
            NodeView? target = round.Idle
                .Where(n => !round.Taken(n.Mac) && round.Eligible(group, n) && n.Load.Of(policy.Metric) * 100 < policy.LowWaterPercent)
                .OrderBy(n => n.Load.Of(policy.Metric)).ThenBy(n => n.Mac, StringComparer.Ordinal).FirstOrDefault();
            if (target is null)
            {
                break;
            }
            round.Take(target.Mac);
            moves++;
            decisions.Add(new MoveInstance(group.Key, instance.Key, instance.Node, target.Mac, MoveKind.Rebalance,
                $"{instance.Node} is over high water ({round.Nodes[instance.Node!].Load.Of(policy.Metric) * 100:0} % {policy.Metric} > {policy.HighWaterPercent} %): {instance.Key} moves to {target.Mac} ({target.Load.Of(policy.Metric) * 100:0} %)"));
        }
    }
}
