namespace DeployDirector.State;

/// <summary>
/// What the director decided for one service group that must survive a restart: its leader (an
/// instance key) and the version of the group information pushed to members (agents ignore older
/// versions), the instance count autoscaling set (null: the manifest's), and the nodes scaling in
/// drained that are still to be given back to their provider.
/// </summary>
public sealed record GroupRecord(string Deployment, string Group, string? Leader, long Version, int? ScaledInstances, DateTimeOffset UpdatedAt)
{
    public string Key => $"{Deployment}/{Group}";

    /// <summary>MACs of nodes scaling in emptied (quiesced) and the provider has not taken back yet.</summary>
    public IReadOnlyList<string> Releasing { get; init; } = [];
}
