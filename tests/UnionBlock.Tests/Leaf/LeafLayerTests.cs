using UnionBlock.Leaf;

namespace UnionBlock.Tests.Leaf;

public sealed class LeafLayerTests : IDisposable
{
    private const long Size = 1 << 20;
    private readonly TempDirectory _directory = new();
    private readonly Guid _id = Guid.NewGuid();

    private static byte[] Block(byte value)
    {
        byte[] block = new byte[Blocks.Size];
        Array.Fill(block, value);
        return block;
    }

    [Fact]
    public void Reopen_rebuilds_the_index_from_the_log()
    {
        using (LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
            leaf.AppendData(3, Block(1));
            leaf.AppendData(3, Block(2));
            leaf.AppendZeroes(10, 5);
            leaf.Abandon(); // no checkpoint: the log alone must do
        }
        using LeafLayer reopened = LeafLayer.Open(_directory.Path, _id, 1, Size);
        byte[] data = new byte[Blocks.Size];
        reopened.ReadData(reopened.Lookup(3), data);
        Assert.All(data, b => Assert.Equal(2, b));
        Assert.Equal(LeafEntry.Zero, reopened.Lookup(12));
        Assert.Equal(LeafEntry.Absent, reopened.Lookup(4));
        Assert.Equal(6, reopened.MappedBlocks);
    }

    [Fact]
    public void A_torn_last_record_is_cut_off_and_earlier_records_survive()
    {
        long goodEnd;
        using (LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
            leaf.AppendData(1, Block(7));
            goodEnd = leaf.LogLength;
            leaf.AppendData(2, Block(8));
            leaf.Abandon();
        }
        string log = LeafLayer.LogFilePath(_directory.Path, 1);
        using (var file = File.OpenHandle(log, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.SetLength(file, goodEnd + 100); // the second record is torn
        }
        using LeafLayer reopened = LeafLayer.Open(_directory.Path, _id, 1, Size);
        Assert.NotEqual(LeafEntry.Absent, reopened.Lookup(1));
        Assert.Equal(LeafEntry.Absent, reopened.Lookup(2));
        Assert.Equal(goodEnd, new FileInfo(log).Length);
    }

    [Fact]
    public void A_record_with_a_flipped_bit_ends_the_valid_log()
    {
        long firstEnd;
        using (LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
            leaf.AppendData(1, Block(7));
            firstEnd = leaf.LogLength;
            leaf.AppendData(2, Block(8));
            leaf.Abandon();
        }
        string log = LeafLayer.LogFilePath(_directory.Path, 1);
        byte[] bytes = File.ReadAllBytes(log);
        bytes[firstEnd + LogRecordHeader.Size + 100] ^= 0x10; // inside the second record's payload
        File.WriteAllBytes(log, bytes);
        using LeafLayer reopened = LeafLayer.Open(_directory.Path, _id, 1, Size);
        Assert.Equal(LeafEntry.Absent, reopened.Lookup(2));
        Assert.NotEqual(LeafEntry.Absent, reopened.Lookup(1));
    }

    [Fact]
    public void A_checkpoint_is_used_and_the_records_after_it_are_replayed()
    {
        using (LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
            leaf.AppendData(1, Block(1));
            leaf.WriteCheckpoint();
            leaf.AppendData(2, Block(2));
            leaf.AppendData(1, Block(3));
            leaf.Abandon();
        }
        Assert.NotNull(LeafCheckpoint.TryLoad(_directory.Path));
        using LeafLayer reopened = LeafLayer.Open(_directory.Path, _id, 1, Size);
        byte[] data = new byte[Blocks.Size];
        reopened.ReadData(reopened.Lookup(1), data);
        Assert.All(data, b => Assert.Equal(3, b));
        Assert.NotEqual(LeafEntry.Absent, reopened.Lookup(2));
    }

    [Fact]
    public void A_damaged_checkpoint_is_ignored_and_the_log_is_replayed()
    {
        using (LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
            leaf.AppendData(5, Block(5));
        }
        string checkpoint = Path.Combine(_directory.Path, LeafCheckpoint.FileName);
        byte[] bytes = File.ReadAllBytes(checkpoint);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(checkpoint, bytes);
        Assert.Null(LeafCheckpoint.TryLoad(_directory.Path));
        using LeafLayer reopened = LeafLayer.Open(_directory.Path, _id, 1, Size);
        Assert.NotEqual(LeafEntry.Absent, reopened.Lookup(5));
    }

    [Fact]
    public void A_log_of_another_leaf_is_refused()
    {
        using (LeafLayer.Create(_directory.Path, _id, 1, Size))
        {
        }
        Assert.Throws<LayerMismatchException>(() => LeafLayer.Open(_directory.Path, Guid.NewGuid(), 1, Size));
    }

    [Fact]
    public async Task Flush_makes_everything_appended_durable()
    {
        using LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size);
        leaf.AppendData(1, Block(1));
        Assert.True(leaf.DurableLength < leaf.LogLength);
        await leaf.FlushAsync();
        Assert.Equal(leaf.LogLength, leaf.DurableLength);
    }

    [Fact]
    public async Task Concurrent_flushes_share_syncs_and_all_complete()
    {
        using LeafLayer leaf = LeafLayer.Create(_directory.Path, _id, 1, Size);
        var tasks = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            leaf.AppendData(i, Block((byte)i));
            await leaf.FlushAsync();
        }));
        await Task.WhenAll(tasks);
        Assert.Equal(leaf.LogLength, leaf.DurableLength);
    }

    public void Dispose() => _directory.Dispose();
}
