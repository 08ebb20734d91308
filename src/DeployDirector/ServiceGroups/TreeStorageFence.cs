using ImageTree.Tree;

namespace DeployDirector.ServiceGroups;

/// <summary>Fences in the image tree: persisted with the tree, and the NBD server (wired by the host)
/// cuts a fenced node's connections and refuses its leaf.</summary>
public sealed class TreeStorageFence(ImageTreeService tree) : IStorageFence
{
    public bool IsFenced(string mac) => tree.FenceOf(mac) is not null;

    public void Fence(string mac, string reason) => tree.Fence(mac, reason.Length > 500 ? reason[..500] : reason);

    public void Unfence(string mac) => tree.Unfence(mac);
}
