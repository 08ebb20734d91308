using ImageTree.Tree;
using NbdServer.Connection;

namespace Ubd.Serving;

/// <summary>
/// A node that boots again while its previous boot's NBD connection is still open (a forced reboot
/// closes no TCP connection) holds its own leaf: when this boot must move or reset that leaf, the tree
/// asks (<see cref="ImageTreeService.EarlierBootHoldsLeaf"/>) and the old connections end here.
/// </summary>
public static class EarlierBootConnections
{
    /// <summary>Ends those connections for as long as the result is not disposed.</summary>
    public static IDisposable CloseOnBoot(ImageTreeService tree, NbdConnectionRegistry connections)
    {
        void OnEarlierBoot(string leaf) => connections.Close(leaf, $"the node of {leaf} booted again; this connection belongs to its previous boot");
        tree.EarlierBootHoldsLeaf += OnEarlierBoot;
        return new NodeFenceGate.Subscription(() => tree.EarlierBootHoldsLeaf -= OnEarlierBoot);
    }
}
