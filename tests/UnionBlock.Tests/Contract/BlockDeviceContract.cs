using System.Buffers;
using UnionBlock.Abstractions;

namespace UnionBlock.Tests.Contract;

/// <summary>
/// What every device must do, checked against a byte-array model of its contents taken when the
/// test starts. Subclasses provide the device; xUnit makes a fresh one for every test.
/// </summary>
public abstract class BlockDeviceContract : IDisposable
{
    private byte[]? _model;

    protected abstract IBlockDevice Device { get; }

    private byte[] Model => _model ??= ReadAll();

    private byte[] ReadAll()
    {
        byte[] all = new byte[Device.Size];
        Assert.Equal(BlockError.None, Device.Read(0, all));
        return all;
    }

    private void Write(long offset, byte[] data)
    {
        _ = Model;
        Assert.Equal(BlockError.None, Device.Write(offset, new ReadOnlySequence<byte>(data)));
        data.CopyTo(Model, offset);
    }

    private void AssertMatchesModel() => Assert.True(Model.AsSpan().SequenceEqual(ReadAll()), "device contents differ from the model");

    private static byte[] Pattern(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Aligned_write_reads_back()
    {
        Write(8192, Pattern(4096, 1));
        AssertMatchesModel();
    }

    [Fact]
    public void Sector_writes_to_one_block_keep_each_others_bytes()
    {
        Write(4096 + 512, Pattern(512, 2));
        Write(4096 + 3072, Pattern(512, 3));
        Write(4096, Pattern(512, 4));
        AssertMatchesModel();
    }

    [Fact]
    public void Write_spanning_partial_head_whole_body_and_partial_tail()
    {
        Write(4096 - 1024, Pattern(1024 + 4096 * 3 + 1536, 5));
        AssertMatchesModel();
    }

    [Fact]
    public void Large_write_reads_back_in_pieces()
    {
        Write(512, Pattern(256 * 1024, 6));
        byte[] piece = new byte[1536];
        Assert.Equal(BlockError.None, Device.Read(512 + 7 * 4096 + 512, piece));
        Assert.True(piece.AsSpan().SequenceEqual(Model.AsSpan(512 + 7 * 4096 + 512, 1536)));
    }

    [Fact]
    public void Last_sector_of_the_device_can_be_written()
    {
        Write(Device.Size - 512, Pattern(512, 7));
        AssertMatchesModel();
    }

    [Theory]
    [InlineData(ZeroFlags.None)]
    [InlineData(ZeroFlags.NoHole)]
    public void Write_zeroes_reads_zeros_even_over_lower_data(ZeroFlags flags)
    {
        Write(0, Pattern(64 * 1024, 8));
        _ = Model;
        Assert.Equal(BlockError.None, Device.WriteZeroes(2048, 40 * 1024, flags));
        Model.AsSpan(2048, 40 * 1024).Clear();
        AssertMatchesModel();
    }

    [Fact]
    public void Zeroed_whole_blocks_report_zero_extents()
    {
        Write(0, Pattern(64 * 1024, 9));
        Assert.Equal(BlockError.None, Device.WriteZeroes(16384, 16384, ZeroFlags.None));
        var extents = new List<Extent>();
        Assert.Equal(BlockError.None, Device.GetExtents(16384, 16384, extents));
        Assert.All(extents, e => Assert.True(e.IsZero));
    }

    [Fact]
    public void Trimmed_whole_blocks_read_as_zeros()
    {
        Write(0, Pattern(32 * 1024, 10));
        _ = Model;
        Assert.Equal(BlockError.None, Device.Trim(8192, 8192));
        Model.AsSpan(8192, 8192).Clear();
        AssertMatchesModel();
    }

    [Fact]
    public void Extents_cover_the_range_exactly_with_no_empty_entries()
    {
        Write(4096 * 3, Pattern(4096 * 2, 11));
        var extents = new List<Extent>();
        Assert.Equal(BlockError.None, Device.GetExtents(512, Device.Size - 1024, extents));
        long position = 512;
        foreach (Extent extent in extents)
        {
            Assert.Equal(position, extent.Offset);
            Assert.True(extent.Length > 0);
            position = extent.End;
        }
        Assert.Equal(Device.Size - 512, position);
    }

    [Fact]
    public void Written_data_is_never_reported_as_zero()
    {
        Write(4096 * 5, Pattern(4096, 12));
        var extents = new List<Extent>();
        Assert.Equal(BlockError.None, Device.GetExtents(4096 * 5, 4096, extents));
        Assert.All(extents, e => Assert.False(e.IsZero));
    }

    [Fact]
    public async Task Flush_completes_without_error()
    {
        Write(0, Pattern(4096, 13));
        Assert.Equal(BlockError.None, await Device.FlushAsync());
        AssertMatchesModel();
    }

    [Fact]
    public void Concurrent_sector_writes_to_shared_blocks_all_land()
    {
        _ = Model;
        // Eight writers each own one sector of every block in the first 64 KiB.
        Parallel.For(0, 8, sector =>
        {
            for (int block = 0; block < 16; block++)
            {
                byte[] data = Pattern(512, sector * 100 + block);
                Assert.Equal(BlockError.None, Device.Write(block * 4096 + sector * 512, new ReadOnlySequence<byte>(data)));
                lock (Model)
                {
                    data.CopyTo(Model, block * 4096 + sector * 512);
                }
            }
        });
        AssertMatchesModel();
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
