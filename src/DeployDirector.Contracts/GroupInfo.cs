namespace DeployDirector.Contracts;

/// <summary>
/// A service group as the director sees it, pushed to its members with <see cref="CommandKind.UpdateGroup"/>
/// and written by the agent as <c>group.json</c> in the instance's directory (its path is in the jobs'
/// environment as <c>UBD_GROUP_FILE</c>).
/// </summary>
/// <param name="Version">Grows with every change of the group; an agent ignores a version older than the one it holds.</param>
/// <param name="LeaderInstance">The leader's instance id, null while the group has none.</param>
/// <param name="LeaderAddress">The leader's address, null while the group has none.</param>
/// <param name="Members">Every member, spares included, with whether it is available.</param>
public sealed record GroupInfo(string Deployment, string Group, long Version, string? LeaderInstance, string? LeaderAddress, IReadOnlyList<GroupMember> Members);
