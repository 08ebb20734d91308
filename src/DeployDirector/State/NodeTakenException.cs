namespace DeployDirector.State;

/// <summary>
/// A commit would have given a node a second instance: the node was free when the caller chose it, but
/// another deploy or a failover move committed it first. Nothing of the batch was written; the caller
/// chooses again from the store as it is now.
/// </summary>
public sealed class NodeTakenException(string mac, string wanted, string holder)
    : Exception($"node {mac} already holds {holder}, so it cannot take {wanted}")
{
    public string Mac { get; } = mac;

    public string Holder { get; } = holder;
}
