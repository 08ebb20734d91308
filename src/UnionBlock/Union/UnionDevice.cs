using UnionBlock.Abstractions;
using UnionBlock.Frozen;
using UnionBlock.Leaf;

namespace UnionBlock.Union;

/// <summary>
/// A node's disk: its leaf over a frozen chain (branches over the root), the upper layer winning
/// block by block. Without a leaf the device is a read-only view of the frozen chain.
/// Every block resolves with at most two look-ups: the leaf index, then the chain's merged map.
/// </summary>
public sealed partial class UnionDevice : IBlockDevice
{
    private const DeviceCapabilities ReadOnlyCapabilities =
        DeviceCapabilities.Flush | DeviceCapabilities.Extents | DeviceCapabilities.AllocationDepth
        | DeviceCapabilities.Cache | DeviceCapabilities.MultiConnConsistent;

    private const DeviceCapabilities WritableCapabilities = ReadOnlyCapabilities
        | DeviceCapabilities.Write | DeviceCapabilities.Fua | DeviceCapabilities.Trim
        | DeviceCapabilities.WriteZeroes | DeviceCapabilities.FastZero;

    // Shared by every request; held exclusively only while a rewrite swaps the leaf or the chain.
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private LeafLayer? _leaf;
    private FrozenChain _chain;
    private volatile string? _fault;

    internal UnionDevice(LeafLayer? leaf, FrozenChain chain)
    {
        _leaf = leaf;
        _chain = chain;
        Size = chain.Size;
    }

    public long Size { get; }

    public DeviceCapabilities Capabilities => _leaf is null ? ReadOnlyCapabilities : WritableCapabilities;

    public BlockGeometry Geometry => BlockGeometry.Default;

    /// <summary>Why the device stopped serving (a checksum mismatch or a damaged file), or null.</summary>
    public string? Fault => _fault;

    /// <summary>Raised once when the device faults, with the reason.</summary>
    public event Action<string>? Faulted;

    internal LeafLayer? Leaf => _leaf;

    internal FrozenChain Chain => _chain;

    /// <summary>Layers in this device's chain, the leaf included.</summary>
    public int LayerCount => _chain.LayerCount + (_leaf is null ? 0 : 1);

    private int LayersAboveChain => _leaf is null ? 0 : 1;

    /// <summary>True when <paramref name="block"/> reads as zeros because no layer holds data for it
    /// (a hole, or a zero entry masking the layers below), as opposed to a block that holds zeros.</summary>
    public bool ReadsAsZeros(long block) => Resolve(block).Kind is SourceKind.Hole or SourceKind.Zero;

    internal BlockSource Resolve(long block)
    {
        LeafLayer? leaf = _leaf;
        if (leaf is not null)
        {
            long entry = leaf.Lookup(block);
            if (entry == LeafEntry.Zero)
            {
                return new BlockSource(SourceKind.Zero, -1, 0, 0, 1);
            }
            if (entry != LeafEntry.Absent)
            {
                return new BlockSource(SourceKind.Leaf, -1, entry, 0, 1);
            }
        }
        return _chain.Resolve(block, LayersAboveChain);
    }

    public ValueTask<BlockError> FlushAsync(CancellationToken cancellationToken = default)
    {
        LeafLayer? leaf = _leaf;
        if (leaf is null || _fault is not null)
        {
            return new(_fault is null ? BlockError.None : BlockError.Io);
        }
        return FlushLeafAsync(leaf, cancellationToken);
    }

    private async ValueTask<BlockError> FlushLeafAsync(LeafLayer leaf, CancellationToken cancellationToken)
    {
        try
        {
            await leaf.FlushAsync(cancellationToken).ConfigureAwait(false);
            return BlockError.None;
        }
        catch (ObjectDisposedException)
        {
            // The leaf was swapped by a rewrite, which made everything durable before swapping.
            return BlockError.None;
        }
        catch (IOException exception)
        {
            return MapIoError(exception);
        }
    }

    /// <summary>Runs <paramref name="action"/> with every reader and writer held off (for swaps).</summary>
    internal T Exclusive<T>(Func<T> action)
    {
        _gate.EnterWriteLock();
        try
        {
            return action();
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>Makes <paramref name="leaf"/> and <paramref name="chain"/> current. Call inside <see cref="Exclusive{T}"/>.</summary>
    internal void Replace(LeafLayer? leaf, FrozenChain chain)
    {
        _leaf = leaf;
        _chain = chain;
    }

    /// <summary>Stops serving (the layer was deleted): every later request fails with EIO.</summary>
    internal void Retire(string reason)
    {
        if (_fault is null)
        {
            _fault = reason;
            Faulted?.Invoke(reason);
        }
    }

    public void Dispose()
    {
        _gate.EnterWriteLock();
        try
        {
            _leaf?.Dispose();
            _leaf = null;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    private BlockError Fail(Exception exception)
    {
        if (exception is CorruptLayerException or LayerMismatchException)
        {
            if (_fault is null)
            {
                _fault = exception.Message;
                Faulted?.Invoke(exception.Message);
            }
            return BlockError.Io;
        }
        return exception is IOException io ? MapIoError(io) : throw exception;
    }

    private static BlockError MapIoError(IOException exception) => exception.HResult switch
    {
        28 or 122 or 27 => BlockError.NoSpace, // ENOSPC, EDQUOT, EFBIG
        _ => BlockError.Io,
    };
}
