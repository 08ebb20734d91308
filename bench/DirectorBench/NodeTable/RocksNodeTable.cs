using System.Buffers.Binary;
using ImageTree.Metadata;
using ImageTree.Metadata.RocksDb;

namespace DirectorBench.NodeTable;

/// <summary>The repository's <see cref="RocksDbStore"/>, one non-durable batch per update (atomic and
/// crash-safe through RocksDB's write-ahead log, without waiting for the disk).</summary>
internal sealed class RocksNodeTable(string directory) : INodeTable
{
    private RocksDbStore _store = new(directory);

    public string Name => "RocksDB (RocksDbStore, non-durable batches)";

    public void Update(int node, NodeBeat beat)
    {
        byte[] value = new byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(value, beat.LastSeen);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(8), beat.Sequence);
        BinaryPrimitives.WriteDoubleLittleEndian(value.AsSpan(16), beat.CpuLoad);
        _store.Write(new KeyValueBatch { Durable = false }.Put(Key(node), value));
    }

    public NodeBeat? Read(int node) => _store.Get(Key(node)) is { } v
        ? new NodeBeat(BinaryPrimitives.ReadInt64LittleEndian(v), BinaryPrimitives.ReadInt64LittleEndian(v.AsSpan(8)), BinaryPrimitives.ReadDoubleLittleEndian(v.AsSpan(16)))
        : null;

    public void Tick()
    {
    }

    public bool Reopen()
    {
        _store.Dispose();
        _store = new RocksDbStore(directory);
        return true;
    }

    public void Dispose() => _store.Dispose();

    private static byte[] Key(int node)
    {
        byte[] key = new byte[8];
        "live"u8.CopyTo(key);
        BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(4), node);
        return key;
    }
}
