namespace ImageTree.Metadata;

/// <summary>The in-memory twin of the RocksDB store, for tests: same ordering, same batch semantics.</summary>
public sealed class InMemoryKeyValueStore : IKeyValueStore
{
    private readonly SortedDictionary<byte[], byte[]> _entries = new(ByteOrder.Instance);
    private readonly Lock _gate = new();

    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key.ToArray(), out byte[]? value) ? (byte[])value.Clone() : null;
        }
    }

    public void Write(KeyValueBatch batch)
    {
        lock (_gate)
        {
            foreach ((byte[] key, byte[]? value) in batch.Operations)
            {
                if (value is null)
                {
                    _entries.Remove(key);
                }
                else
                {
                    _entries[(byte[])key.Clone()] = (byte[])value.Clone();
                }
            }
        }
    }

    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        byte[] start = prefix.ToArray();
        lock (_gate)
        {
            return [.. _entries.Where(e => e.Key.AsSpan().StartsWith(start)).Select(e => KeyValuePair.Create((byte[])e.Key.Clone(), (byte[])e.Value.Clone()))];
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>Bytewise key order, as RocksDB's default comparator.</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static ByteOrder Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
