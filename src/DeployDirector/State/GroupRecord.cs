namespace DeployDirector.State;

/// <summary>
/// What the director decided for one service group that must survive a restart: its leader (an
/// instance key) and the version of the group information pushed to members (agents ignore older
/// versions), and the instance count autoscaling set (null: the manifest's).
/// </summary>
public sealed record GroupRecord(string Deployment, string Group, string? Leader, long Version, int? ScaledInstances, DateTimeOffset UpdatedAt)
{
    public string Key => $"{Deployment}/{Group}";
}
