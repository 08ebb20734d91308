using System.Text;
using ImageTree.Metadata;
using ImageTree.Metadata.RocksDb;
using ImageTree.Operations;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>
/// The image tree: layers and their files (a <see cref="LayerStore"/>) plus what operators attach to
/// them — editions, labels, protection, quotas, attachments, events, API tokens — all in one
/// metadata store (RocksDB under <c>DATA/meta</c>). Every operation validates first, changes nothing
/// when it refuses, and commits its metadata atomically. This class adds policy (names of editions,
/// protection, attachments, events) to the operations in <c>Operations/</c>, which do the data side.
/// Knows nothing of NBD or HTTP.
/// </summary>
public sealed partial class ImageTreeService : IDisposable
{
    private readonly IKeyValueStore _metadata;
    private readonly TreeImport _import;
    private readonly TreeExport _export;
    private readonly TreeHoist _hoist;
    private readonly TreeFlatten _flatten;
    private readonly TreeDiff _diff;
    private readonly SpaceAccounting _space;
    private readonly BranchOperations _branches;
    private readonly LayerDeletion _deletion;
    private readonly RecordUpdates _records;
    private readonly TreeSend _send;
    private readonly TreeReceive _receive;

    private ImageTreeService(IKeyValueStore metadata, LayerStore layers)
    {
        _metadata = metadata;
        Layers = layers;
        _import = new TreeImport(layers);
        _export = new TreeExport(layers);
        _hoist = new TreeHoist(layers);
        _flatten = new TreeFlatten(layers);
        _diff = new TreeDiff(layers);
        _space = new SpaceAccounting(layers);
        _branches = new BranchOperations(layers);
        _deletion = new LayerDeletion(layers);
        _records = new RecordUpdates(layers);
        _send = new TreeSend(layers);
        _receive = new TreeReceive(layers);
        Layers.QuotaEvent += OnQuotaEvent;
        LoadAttachments();
        LoadFences();
        _nextEvent = LastEventSequence() + 1;
    }

    public LayerStore Layers { get; }

    /// <summary>Opens the tree in <paramref name="dataDirectory"/> (RocksDB metadata, layer files).</summary>
    public static ImageTreeService Open(string dataDirectory)
    {
        RocksDbStore? metadata = null;
        LayerStore layers = LayerStore.Open(dataDirectory, directory =>
        {
            metadata = new RocksDbStore(Path.Combine(directory, "meta"));
            return new KeyValueLayerCatalog(metadata);
        });
        return new ImageTreeService(metadata!, layers);
    }

    /// <summary>A tree over a caller's metadata store (tests use the in-memory one). The store is
    /// disposed with the tree.</summary>
    public static ImageTreeService Open(string dataDirectory, IKeyValueStore metadata) =>
        new(metadata, LayerStore.Open(dataDirectory, _ => new KeyValueLayerCatalog(metadata)));

    public void Dispose()
    {
        SaveNodeCounters();
        Layers.Dispose();
        _metadata.Dispose();
    }

    /// <summary>Stops as kill -9 would: no commits, no checkpoints (crash tests reopen after it).</summary>
    public void SimulateCrash()
    {
        Layers.SimulateCrash();
        _metadata.Dispose();
    }

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);
}
