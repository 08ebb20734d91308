using System.Buffers;
using UnionBlock.Abstractions;
using UnionBlock.Frozen;
using UnionBlock.Store;

namespace UnionBlock.Tests.Store;

public sealed class LayerStoreTests
{
    private static byte[] ReadAll(IBlockDevice device)
    {
        byte[] all = new byte[device.Size];
        Assert.Equal(BlockError.None, device.Read(0, all));
        return all;
    }

    private static void Write(IBlockDevice device, long offset, int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        Assert.Equal(BlockError.None, device.Write(offset, new ReadOnlySequence<byte>(data)));
    }

    [Fact]
    public async Task Freeze_while_a_writer_runs_keeps_the_disk_the_node_sees()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        var device = fixture.Open();
        Write(device, 0, 256 * 1024, 1);
        using var stop = new CancellationTokenSource();
        int written = 0;
        Task writer = Task.Run(() =>
        {
            var random = new Random(2);
            while (!stop.IsCancellationRequested)
            {
                Write(device, random.Next(256) * 4096L, 4096, written++);
            }
        });
        SpinWait.SpinUntil(() => Volatile.Read(ref written) > 50);
        fixture.Store.Freeze("node", "frozen");
        stop.Cancel();
        await writer;
        byte[] seen = ReadAll(device);
        Assert.True(seen.AsSpan().SequenceEqual(ReadAll(fixture.Reopen())), "the disk changed across freeze and reopen");
        Assert.Equal("frozen", fixture.Store.Parent(fixture.Store.Get("node"))!.Name);
    }

    [Fact]
    public void Frozen_branch_holds_what_the_leaf_held_at_the_freeze()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        var device = fixture.Open();
        Write(device, 8192, 64 * 1024, 3);
        byte[] before = ReadAll(device);
        fixture.Store.Freeze("node", "frozen");
        Write(device, 8192, 4096, 4); // lands in the fresh leaf only
        using DeviceLease branch = fixture.Store.OpenDevice("frozen");
        Assert.True(before.AsSpan().SequenceEqual(ReadAll(branch.Device)));
        Assert.Equal(1, fixture.Store.OwnBlocksOf(fixture.Store.Get("node")).Count);
    }

    [Fact]
    public void Compaction_drops_dead_records_and_keeps_the_disk()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        var device = fixture.Open();
        for (int round = 0; round < 10; round++)
        {
            Write(device, 0, 64 * 1024, round);
        }
        byte[] before = ReadAll(device);
        CompactionResult result = fixture.Store.Compact("node");
        Assert.True(result.BytesAfter < result.BytesBefore / 5, $"{result.BytesBefore} -> {result.BytesAfter}");
        Assert.True(before.AsSpan().SequenceEqual(ReadAll(fixture.Open())));
        Assert.True(before.AsSpan().SequenceEqual(ReadAll(fixture.Reopen())));
    }

    [Fact]
    public void A_corrupt_branch_block_faults_the_device_and_serves_nothing()
    {
        using var fixture = new UnionFixture(2, 1 << 20);
        var device = fixture.Open();
        LayerRecord branch = fixture.Store.Get(fixture.TopFrozen);
        string data = Path.Combine(fixture.DataDirectory, "layers", branch.Id.ToString("N"), FrozenIndexFile.DataFileName);
        byte[] bytes = File.ReadAllBytes(data);
        bytes[10] ^= 0x55;
        File.WriteAllBytes(data, bytes);
        byte[] all = new byte[device.Size];
        Assert.Equal(BlockError.Io, device.Read(0, all));
        Assert.Contains("checksum mismatch", device.Fault);
        Assert.Equal(BlockError.Io, device.Read(device.Size - 4096, new byte[4096]));
    }

    [Fact]
    public void Names_that_could_escape_a_folder_or_an_export_are_refused()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        foreach (string bad in new[] { "../x", "a/b", "", " x", "x y", new string('a', 200), ".hidden" })
        {
            var error = Assert.Throws<StoreException>(() => fixture.Store.CreateLeaf(bad, "root"));
            Assert.Equal(StoreErrorKind.InvalidArgument, error.Kind);
        }
        Assert.Equal(StoreErrorKind.AlreadyExists, Assert.Throws<StoreException>(() => fixture.Store.CreateLeaf("node", "root")).Kind);
        Assert.Equal(StoreErrorKind.WrongKind, Assert.Throws<StoreException>(() => fixture.Store.CreateLeaf("x", "node")).Kind);
        Assert.Equal(StoreErrorKind.NotFound, Assert.Throws<StoreException>(() => fixture.Store.CreateLeaf("x", "nope")).Kind);
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_data_directory()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        var error = Assert.Throws<StoreException>(() => TestStore.Open(fixture.DataDirectory));
        Assert.Equal(StoreErrorKind.InUse, error.Kind);
    }

    [Fact]
    public void Files_of_uncommitted_layers_are_removed_on_open()
    {
        using var fixture = new UnionFixture(1, 1 << 20);
        string orphan = Path.Combine(fixture.DataDirectory, "layers", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(orphan);
        File.WriteAllText(Path.Combine(orphan, "branch.dat"), "left by a crash before the catalog commit");
        fixture.Reopen();
        Assert.False(Directory.Exists(orphan));
    }
}
