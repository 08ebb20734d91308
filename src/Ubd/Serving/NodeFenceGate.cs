using ImageTree.Tree;
using NbdServer.Connection;
using NbdServer.Exports;

namespace Ubd.Serving;

/// <summary>
/// Fencing on the storage path: a fenced node's leaf refuses it. New connections on the leaf hear
/// NBD_REP_ERR_POLICY while the tree holds the fence; connections already open end the moment a
/// fence commits (<see cref="CloseConnectionsOnFence"/>). The tree is the only record of fences.
/// </summary>
public sealed class NodeFenceGate(ImageTreeService tree) : INbdExportGate
{
    // proto.md: strings should stay within 256 bytes; the stored reason may be longer.
    private const int ReasonShown = 80;

    public string? Refusal(string exportName) => tree.FenceOfLeaf(exportName) is { } fence ? Message(fence) : null;

    /// <summary>What a refused or cut client is told: who fenced it, why, since when, and what lifts it.</summary>
    public static string Message(NodeFence fence)
    {
        string reason = fence.Reason.Length <= ReasonShown ? fence.Reason : fence.Reason[..ReasonShown] + "...";
        return $"node {fence.Mac} is fenced by the director ({reason}) since {fence.Since:yyyy-MM-dd HH:mm:ss}Z; "
            + $"{fence.Leaf} serves it again after 'ubd node unfence {fence.Mac}'";
    }

    /// <summary>Ends every connection on a node's leaf as soon as its fence commits, until the
    /// result is disposed.</summary>
    public IDisposable CloseConnectionsOnFence(NbdConnectionRegistry connections)
    {
        void OnFenced(NodeFence fence) => connections.Close(fence.Leaf, Message(fence));
        tree.NodeFenced += OnFenced;
        return new Subscription(() => tree.NodeFenced -= OnFenced);
    }

    internal sealed class Subscription(Action undo) : IDisposable
    {
        private Action? _undo = undo;

        public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
    }
}
