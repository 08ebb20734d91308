using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using UnionBlock.Abstractions;
using UnionBlock.Union;

namespace UnionBlock.Tests.Properties;

/// <summary>
/// Random sequences of writes, zeroing, trims, flushes, freezes, compactions, clean reopens and
/// crashes, checked after every step against a byte-array model. A crash cuts the leaf log at a
/// point between what was flushed and what was written: afterwards every block must hold a version
/// it really had since the last flush, and exactly the flushed state when nothing unflushed survived.
/// The root image and a sibling leaf must never change.
/// </summary>
public sealed class UnionModelProperties
{
    private const long DeviceSize = 64 * Blocks.Size;
    private const int Sectors = (int)(DeviceSize / 512);

    public abstract record Op;

    public sealed record WriteOp(int Sector, int Count, int Seed) : Op;

    public sealed record ZeroOp(int Sector, int Count, bool NoHole) : Op;

    public sealed record TrimOp(int Sector, int Count) : Op;

    public sealed record FlushOp : Op;

    public sealed record FreezeOp : Op;

    public sealed record CompactOp : Op;

    public sealed record ReopenOp : Op;

    /// <summary>Mode 0 keeps only flushed records, 1 keeps everything, 2 cuts at a random byte.</summary>
    public sealed record CrashOp(int Mode, int CutSeed) : Op;

    private static Gen<Op> OpGen()
    {
        Gen<int> sector = Gen.Choose(0, Sectors - 1);
        Gen<Op> write = from s in sector from c in Gen.Choose(1, 24) from seed in Gen.Choose(0, 1 << 20) select (Op)new WriteOp(s, c, seed);
        Gen<Op> zero = from s in sector from c in Gen.Choose(1, 40) from h in Gen.Elements(true, false) select (Op)new ZeroOp(s, c, h);
        Gen<Op> trim = from s in sector from c in Gen.Choose(1, 40) select (Op)new TrimOp(s, c);
        Gen<Op> crash = from m in Gen.Choose(0, 2) from seed in Gen.Choose(0, 1 << 20) select (Op)new CrashOp(m, seed);
        return Gen.Frequency(
            (10, write),
            (3, zero),
            (2, trim),
            (3, Gen.Constant<Op>(new FlushOp())),
            (1, Gen.Constant<Op>(new FreezeOp())),
            (1, Gen.Constant<Op>(new CompactOp())),
            (1, Gen.Constant<Op>(new ReopenOp())),
            (2, crash));
    }

    [Fact]
    public void Union_device_matches_the_model_through_freezes_reopens_and_crashes()
    {
        Gen<(int Depth, List<Op> Ops)> scenario =
            from depth in Gen.Choose(1, 3)
            from ops in Gen.ListOf(OpGen())
            select (depth, ops.ToList());
        Prop.ForAll(Arb.From(scenario), s => Run(s.Depth, s.Ops)).Check(Config.QuickThrowOnFailure.WithMaxTest(100).WithEndSize(40));
    }

    private static void Run(int depth, List<Op> ops)
    {
        using var fixture = new UnionFixture(depth, DeviceSize, seed: ops.Count + depth);
        fixture.Store.CreateLeaf("sibling", fixture.TopFrozen);
        byte[] siblingBefore = ReadAll(fixture.Store.OpenDevice("sibling").Device);
        byte[] rootBefore = File.ReadAllBytes(fixture.TempFile("root.img"));
        var model = new Model(ReadAll(fixture.Open()));
        int branch = 0;
        foreach (Op op in ops)
        {
            UnionDevice device = fixture.Open();
            switch (op)
            {
                case WriteOp w:
                    byte[] data = new byte[w.Count * 512];
                    new Random(w.Seed).NextBytes(data);
                    int count = Math.Min(w.Count, Sectors - w.Sector);
                    Assert.Equal(BlockError.None, device.Write(w.Sector * 512L, new ReadOnlySequence<byte>(data, 0, count * 512)));
                    model.Apply(w.Sector * 512L, data.AsSpan(0, count * 512));
                    break;
                case ZeroOp z:
                    int zeroCount = Math.Min(z.Count, Sectors - z.Sector);
                    Assert.Equal(BlockError.None, device.WriteZeroes(z.Sector * 512L, zeroCount * 512L, z.NoHole ? ZeroFlags.NoHole : ZeroFlags.None));
                    model.Apply(z.Sector * 512L, new byte[zeroCount * 512]);
                    break;
                case TrimOp t:
                    int trimCount = Math.Min(t.Count, Sectors - t.Sector);
                    Assert.Equal(BlockError.None, device.Trim(t.Sector * 512L, trimCount * 512L));
                    long start = (t.Sector * 512L + Blocks.Mask) & ~Blocks.Mask; // a trim is a hint: whole blocks only
                    long end = (t.Sector * 512L + trimCount * 512L) & ~Blocks.Mask;
                    if (start < end)
                    {
                        model.Apply(start, new byte[end - start]);
                    }
                    break;
                case FlushOp:
                    Assert.Equal(BlockError.None, device.FlushAsync().AsTask().GetAwaiter().GetResult());
                    model.MarkDurable();
                    break;
                case FreezeOp:
                    fixture.Store.Freeze("node", $"frozen{++branch}");
                    model.MarkDurable();
                    break;
                case CompactOp:
                    fixture.Store.Compact("node");
                    model.MarkDurable();
                    break;
                case ReopenOp:
                    fixture.Reopen();
                    model.MarkDurable();
                    break;
                case CrashOp c:
                    Crash(fixture, model, c);
                    break;
            }
            Assert.True(model.Current.AsSpan().SequenceEqual(ReadAll(fixture.Open())), $"device differs from the model after {op}");
        }
        Assert.True(rootBefore.AsSpan().SequenceEqual(File.ReadAllBytes(fixture.TempFile("root.img"))), "the root image changed");
        using var sibling = fixture.Store.OpenDevice("sibling");
        Assert.True(siblingBefore.AsSpan().SequenceEqual(ReadAll(sibling.Device)), "a sibling leaf changed");
    }

    private static void Crash(UnionFixture fixture, Model model, CrashOp crash)
    {
        var leaf = fixture.Open().Leaf!;
        string log = leaf.LogPath;
        long durable = leaf.DurableLength;
        long written = leaf.LogLength;
        fixture.Store.SimulateCrash();
        long cut = crash.Mode switch
        {
            0 => durable,
            1 => written,
            _ => durable + (long)(new Random(crash.CutSeed).NextDouble() * (written - durable)),
        };
        using (var file = File.OpenHandle(log, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.SetLength(file, cut);
        }
        byte[] recovered = ReadAll(fixture.Reopen());
        if (cut == written)
        {
            Assert.True(model.Current.AsSpan().SequenceEqual(recovered), "a crash that lost nothing changed the disk");
        }
        else if (cut == durable)
        {
            Assert.True(model.Durable.AsSpan().SequenceEqual(recovered), "after a crash the disk is not the flushed state");
        }
        else
        {
            model.AssertEveryBlockIsAKnownVersion(recovered);
        }
        model.Reset(recovered);
    }

    private static byte[] ReadAll(IBlockDevice device)
    {
        byte[] all = new byte[device.Size];
        Assert.Equal(BlockError.None, device.Read(0, all));
        return all;
    }

    /// <summary>The expected disk, the disk as of the last flush, and every version each block had since.</summary>
    private sealed class Model(byte[] initial)
    {
        private readonly Dictionary<long, List<byte[]>> _versions = [];

        public byte[] Current { get; private set; } = initial;

        public byte[] Durable { get; private set; } = (byte[])initial.Clone();

        public void Apply(long offset, ReadOnlySpan<byte> data)
        {
            data.CopyTo(Current.AsSpan((int)offset));
            for (long block = offset >> Blocks.Shift; block << Blocks.Shift < offset + data.Length; block++)
            {
                if (!_versions.TryGetValue(block, out List<byte[]>? versions))
                {
                    versions = [Durable.AsSpan((int)(block << Blocks.Shift), Blocks.Size).ToArray()];
                    _versions[block] = versions;
                }
                versions.Add(Current.AsSpan((int)(block << Blocks.Shift), Blocks.Size).ToArray());
            }
        }

        public void MarkDurable()
        {
            Durable = (byte[])Current.Clone();
            _versions.Clear();
        }

        public void Reset(byte[] state)
        {
            Current = state;
            MarkDurable();
        }

        public void AssertEveryBlockIsAKnownVersion(byte[] recovered)
        {
            for (long block = 0; block < recovered.Length / Blocks.Size; block++)
            {
                byte[] actual = recovered.AsSpan((int)(block << Blocks.Shift), Blocks.Size).ToArray();
                bool known = _versions.TryGetValue(block, out List<byte[]>? versions)
                    ? versions.Any(v => v.AsSpan().SequenceEqual(actual))
                    : actual.AsSpan().SequenceEqual(Durable.AsSpan((int)(block << Blocks.Shift), Blocks.Size));
                Assert.True(known, $"block {block} holds data it never had after the crash");
            }
        }
    }
}
