using UnionBlock.Checksums;
using UnionBlock.Leaf;
using UnionBlock.Store;

namespace UnionBlock.Tests.Golden;

/// <summary>On-disk bytes are frozen: a change here breaks every existing data directory.</summary>
public sealed class OnDiskFormatTests
{
    [Fact]
    public void Record_header_bytes_are_unchanged()
    {
        byte[] payload = new byte[Blocks.Size];
        Array.Fill(payload, (byte)0xAB);
        byte[] header = new byte[LogRecordHeader.Size];
        new LogRecordHeader(RecordKind.Data, 7, 42, 1).Write(header, Crc32C.Append(Crc32C.Start, payload));
        Assert.Equal(ReadGolden("record-header-v1.hex"), Convert.ToHexString(header));
    }

    [Fact]
    public void Log_file_header_bytes_are_unchanged()
    {
        byte[] header = new byte[LogFileHeader.Size];
        new LogFileHeader(new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), 3, 1 << 30).Write(header);
        Assert.Equal(ReadGolden("log-file-header-v1.hex"), Convert.ToHexString(header));
    }

    [Fact]
    public void Persisted_enum_values_are_never_renumbered()
    {
        Assert.Equal(1, (int)RecordKind.Data);
        Assert.Equal(2, (int)RecordKind.Zero);
        Assert.Equal(1, (int)LayerKind.Root);
        Assert.Equal(2, (int)LayerKind.Branch);
        Assert.Equal(3, (int)LayerKind.Leaf);
    }

    [Fact]
    public void Crc32c_matches_the_published_check_value()
    {
        // RFC 3720 B.4: CRC-32C of "123456789" is 0xE3069283.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    private static string ReadGolden(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name)).Trim();
}
