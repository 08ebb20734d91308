using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>A tree in a temporary directory over a small root image whose block b holds the byte
/// (b % 251) + 1 (block 3 is a hole), with helpers to write and read whole blocks by value.</summary>
public sealed class TreeFixture : IDisposable
{
    public const int BlockCount = 64;
    public const long Size = BlockCount * Blocks.Size;

    public TreeFixture()
    {
        Root = Path.Combine(Directory.FullName, "root.img");
        using (var file = File.OpenHandle(Root, FileMode.Create, FileAccess.Write))
        {
            for (int b = 0; b < BlockCount; b++)
            {
                if (b != 3)
                {
                    RandomAccess.Write(file, Fill(RootValue(b)), (long)b * Blocks.Size);
                }
            }
            RandomAccess.SetLength(file, Size);
        }
        Tree = ImageTreeService.Open(DataDirectory);
    }

    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("ubd-tree-");

    public string Root { get; }

    public string DataDirectory => Path.Combine(Directory.FullName, "data");

    public ImageTreeService Tree { get; private set; }

    public static byte RootValue(int block) => block == 3 ? (byte)0 : (byte)((block % 251) + 1);

    public static byte[] Fill(byte value)
    {
        byte[] block = new byte[Blocks.Size];
        Array.Fill(block, value);
        return block;
    }

    public void Reopen(bool crash = false)
    {
        if (crash)
        {
            Tree.SimulateCrash();
        }
        else
        {
            Tree.Dispose();
        }
        Tree = ImageTreeService.Open(DataDirectory);
    }

    public void Write(string leaf, int block, byte value)
    {
        using DeviceLease lease = Tree.Layers.OpenDevice(Tree.Resolve(leaf).Name);
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, lease.Device.Write((long)block * Blocks.Size, new System.Buffers.ReadOnlySequence<byte>(Fill(value))));
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, lease.Device.FlushAsync().AsTask().Result);
    }

    /// <summary>The first byte of every block of the layer's disk (blocks are written whole, one value each).</summary>
    public byte[] View(string layer)
    {
        using DeviceLease lease = Tree.Layers.OpenDevice(Tree.Resolve(layer).Name);
        byte[] all = new byte[Size];
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, lease.Device.Read(0, all));
        byte[] view = new byte[BlockCount];
        for (int b = 0; b < BlockCount; b++)
        {
            view[b] = all[b * Blocks.Size];
            Assert.True(all.AsSpan(b * Blocks.Size, Blocks.Size).IndexOfAnyExcept(view[b]) < 0, $"block {b} of {layer} is not uniform");
        }
        return view;
    }

    public static byte[] RootView() => [.. Enumerable.Range(0, BlockCount).Select(RootValue)];

    public void Dispose()
    {
        Tree.Dispose();
        Directory.Delete(recursive: true);
    }
}
