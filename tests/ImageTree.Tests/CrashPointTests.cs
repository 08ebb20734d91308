using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>
/// Each tree operation is stopped at each of its fault points (as kill -9 would: nothing after the
/// point runs, nothing is closed cleanly), the tree is reopened, and then: every layer that existed
/// before shows the same disk, and the operation either happened completely or not at all.
/// </summary>
public sealed class CrashPointTests
{
    private sealed class CrashHere : Exception;

    public static TheoryData<string> Operations => [.. s_operations.Keys];

    private static readonly Dictionary<string, Func<ImageTreeService, string>> s_operations = new()
    {
        ["import-delta"] = t => t.Import("base", PatchedImage(t), ImageFormat.Raw, "base@1").Layer.Name,
        ["create-branch"] = t => t.CreateBranch("web", "base@1").Name,
        ["freeze"] = t => t.Freeze("n1", "web").Name,
        ["reconcile"] = t => t.Reconcile("n1").Name,
        ["refresh"] = t => t.Refresh("n2", "base@1", false, new RefreshOptions { OtherLineage = true }).Layer,
        ["flatten-branch"] = t => t.Flatten("mid@1", null).Layer.Name,
        ["flatten-leaf"] = t => t.Flatten("n1", "n1-base").NewBase!.Name,
        ["hoist"] = t => t.Hoist("base@1", 60).Branch.Name,
        ["delete"] = t => string.Join(',', t.Delete("mid@1", recursive: true).Deleted),
        ["compact"] = t => t.Compact("n1").BytesAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void A_crash_at_any_point_of_an_operation_leaves_a_consistent_tree(string operation)
    {
        List<string> points = [];
        using (var probe = Prepare())
        {
            Fault.Crash = points.Add;
            s_operations[operation](probe.Tree);
            Fault.Crash = null;
        }
        Assert.NotEmpty(points);
        for (int hit = 0; hit < points.Count; hit++)
        {
            using TreeFixture f = Prepare();
            Dictionary<string, byte[]> before = f.Tree.Layers.Layers.ToDictionary(l => l.Name, l => f.View(l.Name));
            int seen = 0;
            int stopAt = hit;
            Fault.Crash = point =>
            {
                if (seen++ == stopAt)
                {
                    throw new CrashHere();
                }
            };
            try
            {
                Assert.Throws<CrashHere>(() => s_operations[operation](f.Tree));
            }
            finally
            {
                Fault.Crash = null;
            }
            f.Reopen(crash: true);
            foreach ((string name, byte[] view) in before)
            {
                if (f.Tree.Layers.Find(name) is not null)
                {
                    Assert.True(view.AsSpan().SequenceEqual(f.View(name)), $"{name} changed after a crash at {points[hit]} of {operation}");
                }
                else
                {
                    Assert.Equal("delete", operation); // only a delete may remove a layer
                }
            }
            foreach (LayerRecord layer in f.Tree.Layers.Layers)
            {
                f.View(layer.Name); // every layer the catalog names opens and reads
            }
            Assert.Empty(Directory.EnumerateFiles(f.DataDirectory, "*.tmp", SearchOption.AllDirectories));
            // The operation can run (again) after the crash, or has run: the tree accepts more work.
            f.Tree.CreateLeaf("after", "base@1");
        }
    }

    /// <summary>base@1 root; mid@1 a branch with one block; n1 (written) and n2 over base@1; n3 over mid@1.</summary>
    private static TreeFixture Prepare()
    {
        var f = new TreeFixture();
        f.Tree.Import("base", f.Root, ImageFormat.Raw, null);
        f.Tree.CreateLeaf("m", "base@1");
        f.Write("m", 9, 0x99);
        f.Tree.Freeze("m", "mid");
        f.Tree.CreateLeaf("n1", "base@1");
        f.Tree.CreateLeaf("n2", "mid@1");
        f.Tree.CreateLeaf("n3", "mid@1");
        f.Tree.CreateLeaf("n4", "base@1");
        f.Write("n1", 1, 0x11);
        f.Write("n1", 2, 0x12);
        f.Write("n1", 1, 0x13);
        f.Write("n4", 2, 0x12);
        f.Write("n2", 4, 0x44);
        return f;
    }

    private static string PatchedImage(ImageTreeService tree)
    {
        string path = Path.Combine(tree.Layers.Directory, "..", "patched.img");
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, TreeFixture.Size);
        RandomAccess.Write(file, TreeFixture.Fill(0x77), 0);
        return path;
    }
}
