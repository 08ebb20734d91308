namespace ImageTree.Metadata;

/// <summary>
/// An ordered key-value store with atomic batches: all the tree's metadata needs. RocksDB is behind
/// it in production and an in-memory twin in tests; neither's types appear in this signature.
/// </summary>
public interface IKeyValueStore : IDisposable
{
    /// <summary>The value stored under <paramref name="key"/>, or null.</summary>
    byte[]? Get(ReadOnlySpan<byte> key);

    /// <summary>Applies every put and delete of <paramref name="batch"/> at once, durably
    /// (synced, unless the batch says otherwise) before returning: after a crash either all of it
    /// or none of it is there.</summary>
    void Write(KeyValueBatch batch);

    /// <summary>Entries whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix);
}
