using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Root;

namespace UnionBlock.Store;

/// <summary>
/// A data directory of layers: the catalog plus one folder of files per layer (named by id). Tree
/// operations run one at a time; I/O on devices runs freely beside them. A data directory belongs to
/// one process at a time (an advisory lock file enforces it).
/// </summary>
public sealed partial class LayerStore : IDisposable
{
    private const string LockFileName = "store.lock";
    private readonly FileStream _lockFile;
    private readonly ILayerCatalog _catalog;
    private readonly Lock _operations = new();
    private readonly Dictionary<Guid, FrozenChain> _chains = [];

    private LayerStore(string directory, FileStream lockFile, ILayerCatalog catalog)
    {
        Directory = directory;
        _lockFile = lockFile;
        _catalog = catalog;
    }

    public string Directory { get; }

    public IReadOnlyCollection<LayerRecord> Layers => _catalog.All;

    /// <summary>Opens (creating if needed) the data directory and removes files no committed layer owns.</summary>
    public static LayerStore Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "layers"));
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new StoreException(StoreErrorKind.InUse,
                $"the data directory {directory} is in use by another ubd process (a running 'ubd serve'?). Stop it, or use its HTTP API.");
        }
        try
        {
            var store = new LayerStore(directory, lockFile, new JournaledLayerCatalog(directory));
            store.CollectGarbage();
            return store;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public LayerRecord Get(string name) =>
        _catalog.Find(name) ?? throw new StoreException(StoreErrorKind.NotFound,
            $"no layer named '{name}'. 'ubd leaf list' and 'ubd image list' show the layers there are.");

    public LayerRecord? Find(string name) => _catalog.Find(name);

    public LayerRecord? Parent(LayerRecord layer) => layer.ParentId is { } id ? _catalog.Get(id) : null;

    /// <summary>The chain from <paramref name="layer"/> down to its root, top first.</summary>
    public IReadOnlyList<LayerRecord> Ancestry(LayerRecord layer)
    {
        var chain = new List<LayerRecord> { layer };
        while (chain[^1].ParentId is { } parent)
        {
            chain.Add(_catalog.Get(parent) ?? throw new InvalidDataException($"layer {chain[^1].Name} names a missing parent {parent}"));
        }
        return chain;
    }

    internal string LayerDirectory(Guid id) => Path.Combine(Directory, "layers", id.ToString("N"));

    public LayerUsage Usage(LayerRecord layer)
    {
        string directory = LayerDirectory(layer.Id);
        return layer.Kind switch
        {
            LayerKind.Root => RootUsage(directory, layer),
            LayerKind.Branch => new LayerUsage(
                FrozenIndexFile.Read(directory, layer.Id, Blocks.Count(layer.Size)).Length,
                FileLength(Path.Combine(directory, FrozenIndexFile.DataFileName)) + FileLength(Path.Combine(directory, FrozenIndexFile.IndexFileName))),
            _ => LeafUsage(layer),
        };
    }

    private static LayerUsage RootUsage(string directory, LayerRecord layer)
    {
        long allocated = AllocationBitmap.Load(directory, Blocks.Count(layer.Size)).CountSet();
        return new LayerUsage(allocated, allocated * Blocks.Size);
    }

    private LayerUsage LeafUsage(LayerRecord layer)
    {
        lock (_devices)
        {
            if (_devices.TryGetValue(layer.Id, out SharedDevice? shared) && shared.Device.Leaf is { } open)
            {
                return new LayerUsage(open.MappedBlocks, open.LogLength);
            }
        }
        string log = LeafLayer.LogFilePath(LayerDirectory(layer.Id), layer.Generation);
        LeafCheckpoint? checkpoint = LeafCheckpoint.TryLoad(LayerDirectory(layer.Id));
        long mapped = checkpoint is not null && checkpoint.Generation == layer.Generation ? checkpoint.Entries.Length : -1;
        return new LayerUsage(mapped, FileLength(log));
    }

    private static long FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>The shared frozen chain whose top layer is <paramref name="topId"/>, built on first use.</summary>
    internal FrozenChain Chain(Guid topId)
    {
        lock (_chains)
        {
            if (_chains.TryGetValue(topId, out FrozenChain? chain))
            {
                return chain;
            }
            IReadOnlyList<LayerRecord> ancestry = Ancestry(_catalog.Get(topId)!);
            LayerRecord root = ancestry[^1];
            var branches = new List<FrozenLayer>();
            RootLayer? rootLayer = null;
            try
            {
                for (int i = ancestry.Count - 2; i >= 0; i--)
                {
                    branches.Add(FrozenLayer.Open(LayerDirectory(ancestry[i].Id), ancestry[i].Id, Blocks.Count(root.Size)));
                }
                rootLayer = RootLayer.Open(LayerDirectory(root.Id), root.Size);
                chain = new FrozenChain(topId, rootLayer, branches);
            }
            catch
            {
                rootLayer?.Dispose();
                branches.ForEach(b => b.Dispose());
                throw;
            }
            _chains[topId] = chain;
            return chain;
        }
    }

    /// <summary>Removes what a crash in the middle of an operation left: folders of layers that were
    /// never committed, logs of generations that were never (or are no longer) current, temporary files.</summary>
    private void CollectGarbage()
    {
        var live = _catalog.All.ToDictionary(l => l.Id.ToString("N"));
        foreach (string folder in System.IO.Directory.EnumerateDirectories(Path.Combine(Directory, "layers")))
        {
            if (!live.TryGetValue(Path.GetFileName(folder), out LayerRecord? layer))
            {
                System.IO.Directory.Delete(folder, recursive: true);
                continue;
            }
            foreach (string file in System.IO.Directory.EnumerateFiles(folder))
            {
                bool staleLog = layer.Kind == LayerKind.Leaf && file.EndsWith(".ublog", StringComparison.Ordinal)
                    && file != LeafLayer.LogFilePath(folder, layer.Generation);
                if (staleLog || file.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    File.Delete(file);
                }
            }
        }
    }

    /// <summary>
    /// Closes the store the way kill -9 would: no commit, no checkpoint, files simply left as they
    /// are. Crash tests use it to reach recovery without a second process.
    /// </summary>
    internal void CrashForTesting()
    {
        lock (_devices)
        {
            foreach (SharedDevice shared in _devices.Values)
            {
                shared.Device.Leaf?.Abandon();
            }
        }
        Dispose();
    }

    public void Dispose()
    {
        lock (_devices)
        {
            foreach (SharedDevice shared in _devices.Values)
            {
                shared.Device.Dispose();
            }
            _devices.Clear();
        }
        lock (_chains)
        {
            foreach (FrozenChain chain in _chains.Values)
            {
                chain.Dispose();
            }
            _chains.Clear();
        }
        _catalog.Dispose();
        _lockFile.Dispose();
    }
}
