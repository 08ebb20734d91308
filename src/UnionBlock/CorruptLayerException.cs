namespace UnionBlock;

/// <summary>Stored data failed validation (magic, version or checksum). The layer must not be served.</summary>
public sealed class CorruptLayerException(string path, string reason)
    : IOException($"{path}: {reason}. The layer is faulted and will not be served; restore it from a replica or re-import it.")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}
