using DeployDirector.Live;
using DeployDirector.Manifest;
using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

public sealed partial class ServiceGroupSupervisor
{
    /// <summary>Every service group of every deployment, as operators see it.</summary>
    public IReadOnlyList<GroupStatus> Statuses(string? deployment = null) =>
        [.. _director.Store.Deployments().Where(d => deployment is null || d.Name == deployment)
            .SelectMany(d => _deployer.ServiceGroups(d.Name).Select(g => Status(d.Name, g)))];

    /// <summary>One group: leader, members with health and utilization, spares, endpoints, orphans, alerts.</summary>
    public GroupStatus Status(string deployment, string group) =>
        _deployer.ServiceGroups(deployment).FirstOrDefault(g => g.Name == group) is { } found
            ? Status(deployment, found)
            : throw new DirectorException(DirectorError.NotFound, $"no service group {deployment}/{group}; 'ubd group status' lists them");

    private GroupStatus Status(string deployment, InstanceGroup group)
    {
        string key = $"{deployment}/{group.Name}";
        GroupPolicy policy = Running.Deployer.Policy(group);
        IReadOnlyList<string> endpoints = _core.Endpoints(key);
        List<InstanceRecord> instances = [.. _director.Store.Instances(deployment).Where(i => i.Group == group.Name)];
        var members = instances.Select(i =>
        {
            NodeAgentRecord? node = i.Node is null ? null : _director.Nodes.Find(i.Node);
            LiveAgent? live = i.Node is null ? null : _director.Hub.Find(i.Node);
            TimeSpan? since = i.Node is null ? null : _director.Hub.SinceLastSeen(i.Node);
            string health = i.Node is null ? "none"
                : since is not { } s || s >= policy.DeadTime ? "dead"
                : s >= policy.SuspectTime ? "suspect"
                : "alive";
            return new GroupMemberStatus(i.Key, i.Index, i.Node, node?.Address, health, live is null ? null : Load(live).Of(policy.Metric),
                endpoints.Contains(i.Key), node?.Quiesced == true, i.Node is not null && _director.Fence.IsFenced(i.Node), i.Epoch, i.Status.ToString().ToLowerInvariant());
        }).ToList();
        IReadOnlyList<string> spares = [.. _director.Nodes.All().Where(n => n.SpareFor == key).Select(n => n.Mac).Order(StringComparer.Ordinal)];
        IReadOnlyList<string> orphans = [.. instances.Where(i => i.Node is null).Select(i => i.Key).Concat(_core.WaitingOrphans(key)).Order(StringComparer.Ordinal)];
        IReadOnlyList<GroupEvent> alerts = [.. Events.List(group: key).Where(e => e.Kind.StartsWith("alert:", StringComparison.Ordinal)).TakeLast(20)];
        return new GroupStatus(deployment, group.Name, _director.Store.Group(deployment, group.Name)?.Leader, members, spares, endpoints, orphans,
            _core.Meltdowns.Contains(key), alerts, policy);
    }

    /// <summary>The group's available members with their addresses (the endpoint list jobs and load balancers read).</summary>
    public IReadOnlyList<GroupMemberStatus> Endpoints(string deployment, string group) => [.. Status(deployment, group).Members.Where(m => m.Available)];
}
