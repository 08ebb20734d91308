namespace DeployDirector.ServiceGroups;

/// <summary>A service group as operators see it (<c>ubd group status</c>).</summary>
public sealed record GroupStatus(
    string Deployment,
    string Group,
    string? Leader,
    IReadOnlyList<GroupMemberStatus> Members,
    IReadOnlyList<string> Spares,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> Orphans,
    bool Meltdown,
    IReadOnlyList<GroupEvent> Alerts,
    GroupPolicy Policy);

/// <summary>One instance of the group and its holder's state.</summary>
public sealed record GroupMemberStatus(string Instance, int Index, string? Node, string? Address, string Health, double? Utilization, bool Available, bool Quiesced, bool Fenced, long Epoch, string Status);
