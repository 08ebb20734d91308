using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Root;

namespace UnionBlock.Store;

/// <summary>
/// A data directory of layers: the catalog plus one folder of files per layer (named by id). The
/// store offers primitives over layers (open a chain or a device, write and seal layer files, commit
/// records, lease devices); the tree's operations are composed from them in ImageTree. Operations
/// run one at a time (<see cref="RunExclusive{T}"/>); I/O on devices runs freely beside them. A data
/// directory belongs to one process at a time (an advisory lock file enforces it).
/// </summary>
public sealed partial class LayerStore : IDisposable
{
    private const string LockFileName = "store.lock";
    private readonly FileStream _lockFile;
    private readonly ILayerCatalog _catalog;
    private readonly Lock _operations = new();
    private readonly Dictionary<Guid, FrozenChain> _chains = [];
    private readonly List<FrozenChain> _retiredChains = [];

    private LayerStore(string directory, FileStream lockFile, ILayerCatalog catalog)
    {
        Directory = directory;
        _lockFile = lockFile;
        _catalog = catalog;
    }

    public string Directory { get; }

    public IReadOnlyCollection<LayerRecord> Layers => _catalog.All;

    /// <summary>Opens (creating if needed) the data directory and removes files no committed layer owns.
    /// <paramref name="openCatalog"/> opens the catalog once the directory is locked.</summary>
    public static LayerStore Open(string directory, Func<string, ILayerCatalog> openCatalog)
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
            var store = new LayerStore(directory, lockFile, openCatalog(directory));
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

    public LayerRecord? Get(Guid id) => _catalog.Get(id);

    /// <summary>Layers whose parent is <paramref name="layer"/>.</summary>
    public IReadOnlyList<LayerRecord> Children(LayerRecord layer) =>
        [.. _catalog.ChildrenOf(layer.Id).OrderBy(l => l.Name, StringComparer.Ordinal)];

    /// <summary>The highest edition of <paramref name="lineage"/>, or null.</summary>
    public LayerRecord? LatestEdition(string lineage) => _catalog.LatestEdition(lineage);

    /// <inheritdoc cref="ILayerCatalog.HighestEdition"/>
    public int HighestEdition(string lineage) => _catalog.HighestEdition(lineage);

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

    /// <summary>The folder of a layer's files. Files written there before the commit that names the
    /// layer are removed on the next open if that commit never happens.</summary>
    public string LayerDirectory(Guid id) => Path.Combine(Directory, "layers", id.ToString("N"));

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

    /// <summary>Forgets cached chains after the frozen layers under them changed files (flatten,
    /// delete). Devices still using an old chain keep reading it; it is closed with the store.</summary>
    public void RetireChains()
    {
        lock (_chains)
        {
            _retiredChains.AddRange(_chains.Values);
            _chains.Clear();
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
                // A flatten writes root files beside a branch's and commits the kind change: whichever
                // kind the catalog does not say is left over.
                string fileName = Path.GetFileName(file);
                bool staleKind = (layer.Kind == LayerKind.Root && fileName.StartsWith("branch.", StringComparison.Ordinal))
                    || (layer.Kind == LayerKind.Branch && fileName.StartsWith("root.", StringComparison.Ordinal));
                if (staleLog || staleKind || file.EndsWith(".tmp", StringComparison.Ordinal))
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
    public void SimulateCrash()
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
            foreach (FrozenChain chain in _chains.Values.Concat(_retiredChains))
            {
                chain.Dispose();
            }
            _chains.Clear();
            _retiredChains.Clear();
        }
        _catalog.Dispose();
        _lockFile.Dispose();
    }
}
