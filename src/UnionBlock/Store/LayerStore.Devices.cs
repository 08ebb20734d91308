using UnionBlock.Leaf;
using UnionBlock.Union;


namespace UnionBlock.Store;

public sealed partial class LayerStore
{
    private readonly Dictionary<Guid, SharedDevice> _devices = [];
    private readonly Dictionary<Guid, IoCounters> _closedCounters = [];

    /// <summary>I/O on a layer's device since the store opened: devices closed since, plus the open one.</summary>
    public IoCounters Counters(LayerRecord layer)
    {
        lock (_devices)
        {
            IoCounters total = _closedCounters.GetValueOrDefault(layer.Id);
            return _devices.TryGetValue(layer.Id, out SharedDevice? shared) ? total + shared.Device.Counters : total;
        }
    }

    private sealed class SharedDevice(UnionDevice device)
    {
        public UnionDevice Device { get; } = device;

        public int Leases { get; set; }

        /// <summary>The layer was deleted while in use: the device fails every request and its
        /// files are gone, so closing it must not write anything.</summary>
        public bool Retired { get; set; }
    }

    /// <summary>Raised when a leaf crosses its soft quota or a write hits the hard one.</summary>
    public event Action<LayerRecord, QuotaEventKind, DeviceQuota>? QuotaEvent;

    /// <summary>
    /// Opens the device of a layer: a leaf gives a writable union device, a frozen layer a read-only
    /// view. Leases of the same layer share one device.
    /// </summary>
    public DeviceLease OpenDevice(string name)
    {
        LayerRecord layer = Get(name);
        lock (_devices)
        {
            if (!_devices.TryGetValue(layer.Id, out SharedDevice? shared))
            {
                shared = new SharedDevice(CreateDevice(layer));
                _devices[layer.Id] = shared;
            }
            shared.Leases++;
            return new DeviceLease(layer, shared.Device, Release);
        }
    }

    private UnionDevice CreateDevice(LayerRecord layer)
    {
        if (layer.IsFrozen)
        {
            return new UnionDevice(null, Chain(layer.Id));
        }
        string directory = LayerDirectory(layer.Id);
        // A leaf's log is created on first open: registering a leaf is one catalog commit.
        LeafLayer leaf = layer.Generation == 1 && !File.Exists(LeafLayer.LogFilePath(directory, 1))
            ? LeafLayer.Create(directory, layer.Id, 1, layer.Size)
            : LeafLayer.Open(directory, layer.Id, layer.Generation, layer.Size);
        try
        {
            var device = new UnionDevice(leaf, Chain(layer.ParentId!.Value));
            device.SetQuota(layer.QuotaBytes, layer.SoftQuotaBytes);
            device.QuotaEvent += (kind, quota) => QuotaEvent?.Invoke(_catalog.Get(layer.Id) ?? layer, kind, quota);
            return device;
        }
        catch
        {
            leaf.Dispose();
            throw;
        }
    }

    private void Release(DeviceLease lease)
    {
        lock (_devices)
        {
            if (_devices.TryGetValue(lease.Layer.Id, out SharedDevice? shared) && --shared.Leases == 0)
            {
                _devices.Remove(lease.Layer.Id);
                _closedCounters[lease.Layer.Id] = _closedCounters.GetValueOrDefault(lease.Layer.Id) + shared.Device.Counters;
                if (shared.Retired)
                {
                    shared.Device.Leaf?.Abandon();
                }
                shared.Device.Dispose();
            }
        }
    }

    /// <summary>The open device of a layer, or null when no lease holds it.</summary>
    private UnionDevice? OpenDeviceOf(Guid id)
    {
        lock (_devices)
        {
            return _devices.TryGetValue(id, out SharedDevice? shared) ? shared.Device : null;
        }
    }

    /// <summary>True when some lease (an NBD connection, an export) holds the layer's device.</summary>
    public bool IsOpen(LayerRecord layer) => OpenDeviceOf(layer.Id) is not null;

    /// <summary>Runs <paramref name="action"/> on the layer's device, opening it only for the call when no lease holds it.</summary>
    private T WithDevice<T>(LayerRecord layer, Func<UnionDevice, T> action)
    {
        using DeviceLease lease = OpenDevice(layer.Name);
        return action(lease.Device);
    }
}
