namespace DeployDirector.ServiceGroups;

/// <summary>
/// Fencing on the storage path: a fenced node's disk connections are cut and its leaf refuses it
/// until the fence is lifted, so a node that was only partitioned cannot keep writing. The director
/// serves every node's disk, so this needs no power switch.
/// </summary>
public interface IStorageFence
{
    bool IsFenced(string mac);

    void Fence(string mac, string reason);

    void Unfence(string mac);
}
