using ImageTree.Operations;
using ImageTree.Streams;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>`image send` / `image receive`: the received edition shows the sender's disk byte for byte,
/// and a damaged, truncated or misapplied stream publishes nothing.</summary>
public sealed class StreamTests : IDisposable
{
    private readonly TreeFixture _sender = new();
    private readonly TreeFixture _receiver = new();

    public StreamTests()
    {
        _sender.Tree.Import("base", _sender.Root, ImageFormat.Raw, null);
        _sender.Tree.CreateLeaf("n1", "base");
        _sender.Write("n1", 1, 0x11);
        _sender.Write("n1", 40, 0x40);
        using (DeviceLease lease = _sender.Tree.Layers.OpenDevice("n1"))
        {
            Assert.Equal(BlockError.None, lease.Device.WriteZeroes(5L * Blocks.Size, 2 * Blocks.Size, ZeroFlags.None)); // blocks 5-6 become zeros
            Assert.Equal(BlockError.None, lease.Device.FlushAsync().AsTask().Result);
        }
        _sender.Tree.Freeze("n1", "base", allowEmpty: false); // → base@2
    }

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    private string StreamPath(string name) => Path.Combine(_sender.Directory.FullName, name);

    private string SendBoth()
    {
        _sender.Tree.Send("base@1", null, StreamPath("full.ubs"));
        _sender.Tree.Send("base@2", "base@1", StreamPath("inc.ubs"));
        return StreamPath("inc.ubs");
    }

    [Fact]
    public void A_full_then_an_incremental_stream_give_byte_identical_editions()
    {
        SendBoth();
        ReceiveResult full = _receiver.Tree.Receive(StreamPath("full.ubs"), null, null);
        ReceiveResult inc = _receiver.Tree.Receive(StreamPath("inc.ubs"), null, null);
        _receiver.Reopen(crash: true);

        Assert.Equal(("base@1", "base@2", LayerKind.Branch), (full.Layer.Name, inc.Layer.Name, _receiver.Tree.Resolve("base@2").Kind));
        Assert.Equal((2L, 2L), (inc.DataBlocks, inc.ZeroBlocks));
        Assert.Equal(_sender.View("base@1"), _receiver.View("base@1"));
        Assert.Equal(_sender.View("base@2"), _receiver.View("base@2"));
        byte[] expected = TreeFixture.RootView();
        (expected[1], expected[40], expected[5], expected[6]) = (0x11, 0x40, 0, 0);
        Assert.Equal(expected, _receiver.View("base@2"));
    }

    [Fact]
    public void Every_damaged_byte_or_cut_is_refused_and_leaves_nothing()
    {
        _sender.Tree.Send("base@1", null, StreamPath("full.ubs"));
        byte[] good = File.ReadAllBytes(StreamPath("full.ubs"));
        var random = new Random(7);
        for (int i = 0; i < 40; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bool cut = i % 4 == 3;
            if (cut)
            {
                Array.Resize(ref bad, random.Next(0, good.Length));
            }
            else
            {
                bad[random.Next(good.Length)] ^= (byte)(1 << random.Next(8));
            }
            File.WriteAllBytes(StreamPath("bad.ubs"), bad);
            Assert.Throws<DamagedStreamException>(() => _receiver.Tree.Receive(StreamPath("bad.ubs"), null, null));
            Assert.Empty(_receiver.Tree.Layers.Layers);
            string layers = Path.Combine(_receiver.DataDirectory, "layers");
            Assert.True(!Directory.Exists(layers) || !Directory.EnumerateDirectories(layers).Any(), "a refused stream left files behind");
        }
        File.WriteAllBytes(StreamPath("bad.ubs"), [.. good, 0]);
        Assert.Throws<DamagedStreamException>(() => _receiver.Tree.Receive(StreamPath("bad.ubs"), null, null));
    }

    [Fact]
    public void A_stream_whose_records_check_but_whose_disk_does_not_is_refused()
    {
        var header = new StreamHeader("base@1", "base", TreeFixture.Size, Blocks.Size, null, 0, null, DateTimeOffset.UtcNow);
        using (var file = File.Create(StreamPath("forged.ubs")))
        {
            var writer = new EditionStreamWriter(file, header);
            writer.AddData(2, TreeFixture.Fill(9));
            writer.Finish(new byte[32]); // every CRC and the stream hash are right; the disk digest is not
        }
        Assert.Throws<DamagedStreamException>(() => _receiver.Tree.Receive(StreamPath("forged.ubs"), null, null));
        Assert.Empty(_receiver.Tree.Layers.Layers);
    }

    [Fact]
    public void An_incremental_stream_goes_only_onto_the_disk_it_was_made_against()
    {
        SendBoth();
        Assert.Equal(StoreErrorKind.NotFound, Assert.Throws<StoreException>(() => _receiver.Tree.Receive(StreamPath("inc.ubs"), null, null)).Kind);

        _receiver.Tree.Import("base", _receiver.Root, ImageFormat.Raw, null);
        _receiver.Tree.CreateLeaf("other", "base");
        _receiver.Write("other", 9, 0x99);
        _receiver.Tree.Freeze("other", "mine", allowEmpty: false); // mine@1: not the sender's base@1
        Assert.Equal(StoreErrorKind.Mismatch, Assert.Throws<StoreException>(() => _receiver.Tree.Receive(StreamPath("inc.ubs"), null, "mine@1")).Kind);

        // The root is the sender's base@1 byte for byte, so the stream applies over it.
        ReceiveResult applied = _receiver.Tree.Receive(StreamPath("inc.ubs"), null, "base@1");
        Assert.Equal(_sender.View("base@2"), _receiver.View(applied.Layer.Name));
    }

    [Fact]
    public void Send_refuses_a_base_that_is_not_below_the_edition_and_a_live_leaf()
    {
        _sender.Tree.CreateLeaf("n2", "base@2");
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => _sender.Tree.Send("base@1", "base@2", StreamPath("x.ubs"))).Kind);
        Assert.Equal(StoreErrorKind.WrongKind, Assert.Throws<StoreException>(() => _sender.Tree.Send("n2", null, StreamPath("x.ubs"))).Kind);
        Assert.False(File.Exists(StreamPath("x.ubs")));
        Assert.False(File.Exists(StreamPath("x.ubs.partial")));
    }
}
