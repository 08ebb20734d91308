using System.Text.Json;

namespace ImageTree.Streams;

/// <summary>What a stream carries, written as JSON after the magic.</summary>
/// <param name="Edition">The edition the stream was made from, e.g. base@3.</param>
/// <param name="Lineage">Its lineage: the default lineage on the receiving side.</param>
/// <param name="Size">The disk's size in bytes.</param>
/// <param name="BlockSize">Bytes per block (4096).</param>
/// <param name="Since">For an incremental stream, the edition it carries the changes since.</param>
/// <param name="SinceSize">That edition's disk size.</param>
/// <param name="SinceDigest">The disk digest (hex) of <paramref name="Since"/>: the receiver's base must match it.</param>
/// <param name="Created">When the stream was written.</param>
public sealed record StreamHeader(
    string Edition,
    string Lineage,
    long Size,
    int BlockSize,
    string? Since,
    long SinceSize,
    string? SinceDigest,
    DateTimeOffset Created)
{
    public bool Incremental => Since is not null;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static StreamHeader? FromUtf8(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize<StreamHeader>(utf8, Json);
}
