namespace DeployDirector.State;

/// <summary>
/// One instance of a deployment and its assignment. The record is written (synced) before any
/// command reaches an agent, so after a crash the director knows which node an instance was given
/// to: one node at a time, never two. <see cref="Epoch"/> is the fencing token every command carries.
/// </summary>
/// <param name="Node">The MAC of the node holding it; null while orphaned (no node could take it).</param>
/// <param name="ArchiveSha256">The archive last applied on the node (null before the first apply).</param>
public sealed record InstanceRecord(
    string Deployment,
    string Group,
    int Index,
    string Id,
    string? Node,
    long Epoch,
    string? ArchiveSha256,
    InstanceStatus Status,
    string Lifecycle,
    DateTimeOffset UpdatedAt)
{
    public string Key => $"{Deployment}/{Group}/{Index}";

    /// <summary>The node it was first placed on: give-back returns it there.</summary>
    public string? PreferredNode { get; init; }

    /// <summary>Since when it has had no node (the orphan countdown).</summary>
    public DateTimeOffset? OrphanedAt { get; init; }
}

/// <summary>Persisted by name: append new values, never rename.</summary>
public enum InstanceStatus
{
    /// <summary>Assigned to a node; the node has not confirmed it runs the current archive yet.</summary>
    Assigning,
    Running,
    /// <summary>An errand instance, prepared; it runs when asked.</summary>
    Ready,
    Failed,
    Stopping,
    /// <summary>No node could take it; placed as soon as one can.</summary>
    Orphaned,
}
