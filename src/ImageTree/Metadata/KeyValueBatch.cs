namespace ImageTree.Metadata;

/// <summary>Puts and deletes to apply together; a later operation on the same key wins.</summary>
public sealed class KeyValueBatch
{
    private readonly List<(byte[] Key, byte[]? Value)> _operations = [];

    public IReadOnlyList<(byte[] Key, byte[]? Value)> Operations => _operations;

    /// <summary>False for records whose loss in a power cut costs nothing (events): the write is
    /// still atomic and survives a process crash, but does not wait for the disk.</summary>
    public bool Durable { get; init; } = true;

    public KeyValueBatch Put(byte[] key, byte[] value)
    {
        _operations.Add((key, value));
        return this;
    }

    public KeyValueBatch Delete(byte[] key)
    {
        _operations.Add((key, null));
        return this;
    }
}
