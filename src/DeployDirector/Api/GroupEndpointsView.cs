using DeployDirector.ServiceGroups;

namespace DeployDirector.Api;

/// <summary>A service group's endpoint list: the members that take clients now, with their addresses,
/// and the group's named ports (what jobs, load balancers and the DNS zone publish).</summary>
public sealed record GroupEndpointsView(string Deployment, string Group, IReadOnlyDictionary<string, int> Ports, IReadOnlyList<GroupMemberStatus> Members);
