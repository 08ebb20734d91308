namespace ImageTree.Streams;

/// <summary>A stream failed a check (magic, checksum, order, digest); nothing was published from it.</summary>
public sealed class DamagedStreamException(string path, string reason)
    : IOException($"{path}: {reason}; nothing was received. Copy the stream again from the sender (compare 'sha256sum' of both copies) or send it anew")
{
    public string Path { get; } = path;
}
