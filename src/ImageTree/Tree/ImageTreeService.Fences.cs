using System.Text.Json;
using ImageTree.Metadata;
using UnionBlock.Store;

namespace ImageTree.Tree;

public sealed partial class ImageTreeService
{
    private const string FencePrefix = "fence/";
    private const int MaxFenceReason = 512;

    // By leaf: the storage path asks by export name on every connection.
    private readonly Dictionary<string, NodeFence> _fences = new(StringComparer.Ordinal);

    // By MAC, the same fences: the director asks of every node every round, with a thousand fenced after a rack dies.
    private readonly Dictionary<string, NodeFence> _fencesByMac = new(StringComparer.Ordinal);

    private readonly Lock _fenceWrites = new();

    /// <summary>Raised after a fence is committed (and its event stored); the host ends the node's
    /// connections on it.</summary>
    public event Action<NodeFence>? NodeFenced;

    /// <summary>Raised after an unfence is committed (and its event stored).</summary>
    public event Action<NodeFence>? NodeUnfenced;

    /// <summary>
    /// Fences a node on the storage path: from when this returns its leaf refuses it (the host
    /// closes its open connections on the <see cref="NodeFenced"/> event and refuses new ones while
    /// <see cref="FenceOfLeaf"/> answers). Idempotent: fencing a fenced node keeps the first fence,
    /// its reason and time, and raises nothing.
    /// </summary>
    /// <exception cref="StoreException">NotFound for an unknown node; InvalidArgument for a bad MAC or reason.</exception>
    public void Fence(string mac, string reason)
    {
        mac = NormalizeMac(mac);
        reason = CheckFenceReason(reason);
        NodeFence fence;
        // Fences and unfences take turns under their own lock while the synced write runs; the fence table's
        // lock is held only to read or swap entries, so NBD connects and the director's rounds, which ask
        // of every node, never wait for a disk (a rack's worth of fences is a thousand synced writes).
        lock (_fenceWrites)
        {
            NodeRecord node = FindNode(mac)
                ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac} to fence; 'ubd node list' shows the known ones");
            lock (_fences)
            {
                if (_fences.ContainsKey(node.Leaf))
                {
                    return;
                }
            }
            fence = new NodeFence(mac, node.Leaf, reason, DateTimeOffset.UtcNow);
            _metadata.Write(new KeyValueBatch().Put(Key(FencePrefix + mac), JsonSerializer.SerializeToUtf8Bytes(fence, MetadataJson.Options)));
            lock (_fences)
            {
                _fences[fence.Leaf] = fence;
                _fencesByMac[mac] = fence;
            }
        }
        Publish("node.fenced", fence.Leaf, $"{mac} fenced: {reason}");
        NodeFenced?.Invoke(fence);
    }

    /// <summary>Lifts a node's fence: its leaf serves it again. Idempotent: unfencing a node that
    /// is not fenced changes nothing and raises nothing.</summary>
    /// <exception cref="StoreException">NotFound for a node that is neither known nor fenced.</exception>
    public void Unfence(string mac)
    {
        mac = NormalizeMac(mac);
        NodeFence? fence;
        lock (_fenceWrites)
        {
            lock (_fences)
            {
                fence = _fencesByMac.GetValueOrDefault(mac);
            }
            if (fence is null)
            {
                _ = FindNode(mac) ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac}; 'ubd node list' shows the known ones");
                return;
            }
            _metadata.Write(new KeyValueBatch().Delete(Key(FencePrefix + mac)));
            lock (_fences)
            {
                _fences.Remove(fence.Leaf);
                _fencesByMac.Remove(mac);
            }
        }
        Publish("node.unfenced", fence.Leaf, $"{mac} unfenced (fenced since {fence.Since:u}: {fence.Reason})");
        NodeUnfenced?.Invoke(fence);
    }

    /// <summary>The node's fence, or null when it is not fenced.</summary>
    public NodeFence? FenceOf(string mac)
    {
        mac = NormalizeMac(mac);
        lock (_fences)
        {
            return _fencesByMac.GetValueOrDefault(mac);
        }
    }

    /// <summary>The fence on a leaf (an export name), or null. Cheap: asked at every NBD connection.</summary>
    public NodeFence? FenceOfLeaf(string leaf)
    {
        lock (_fences)
        {
            return _fences.GetValueOrDefault(leaf);
        }
    }

    /// <summary>Every fence, by MAC.</summary>
    public IReadOnlyList<NodeFence> Fences()
    {
        lock (_fences)
        {
            return [.. _fences.Values.OrderBy(f => f.Mac, StringComparer.Ordinal)];
        }
    }

    private void LoadFences()
    {
        foreach (KeyValuePair<byte[], byte[]> entry in _metadata.Scan(Key(FencePrefix)))
        {
            NodeFence fence = JsonSerializer.Deserialize<NodeFence>(entry.Value, MetadataJson.Options)!;
            _fences[fence.Leaf] = fence;
            _fencesByMac[fence.Mac] = fence;
        }
    }

    /// <summary>The reason travels to NBD clients in an option reply and into events: one short line.</summary>
    private static string CheckFenceReason(string reason)
    {
        string trimmed = reason.Trim();
        return trimmed.Length is > 0 and <= MaxFenceReason && !trimmed.Any(char.IsControl)
            ? trimmed
            : throw new StoreException(StoreErrorKind.InvalidArgument, $"a fence reason is one line of 1 to {MaxFenceReason} characters (say why the node is fenced)");
    }
}
