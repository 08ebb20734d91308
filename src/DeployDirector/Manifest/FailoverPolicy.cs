namespace DeployDirector.Manifest;

/// <summary>How a service group notices a lost member and moves its instances.</summary>
/// <param name="HeartbeatMs">The interval the group's members are asked to heartbeat at.</param>
/// <param name="SuspectAfter">Missed heartbeats before a member is suspect.</param>
/// <param name="DeadAfter">Missed heartbeats before a member is dead (more than <paramref name="SuspectAfter"/>).</param>
/// <param name="LeaseMs">How long an agent may go without hearing from the director before it stops its jobs
/// itself; longer than <paramref name="HeartbeatMs"/> × <paramref name="DeadAfter"/>, so an agent that is
/// cut off has stopped by the time its instances move.</param>
/// <param name="Fence">Fence a dead node on the storage path before its instances move.</param>
/// <param name="GiveBack">Hand an instance back to its preferred owner when that node returns.</param>
/// <param name="FailingAfterMs">How long an instance may stay failing on a live host (restarted in place
/// meanwhile) before it moves to another node.</param>
/// <param name="OrphanAlertMs">How long an instance no node can take may wait before it raises an alert.</param>
/// <param name="Meltdown">The mass-failure guard, or null when it is off.</param>
public sealed record FailoverPolicy(
    int HeartbeatMs,
    int SuspectAfter,
    int DeadAfter,
    int LeaseMs,
    bool Fence,
    bool GiveBack,
    int FailingAfterMs,
    int OrphanAlertMs,
    MeltdownGuard? Meltdown)
{
    public static FailoverPolicy Default { get; } = new(1000, 2, 3, 10_000, true, false, 10_000, 300_000, new MeltdownGuard(50, 30_000));
}
