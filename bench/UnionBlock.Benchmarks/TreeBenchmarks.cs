using System.Diagnostics;
using System.Net.Http.Json;
using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Store;

namespace UnionBlock.Benchmarks;

/// <summary>
/// The image tree's benchmarks (bench/run-tree.sh): a delta import of a patched 1 GiB image against a
/// full import; a reconcile of 100 leaves that share half their writes; 10,000 leaves created through
/// the HTTP API of a running `ubd serve`. Prints a markdown table.
/// </summary>
internal static class TreeBenchmarks
{
    public static int Run(string[] args)
    {
        string work = Argument(args, "--work");
        Directory.CreateDirectory(work);
        Console.WriteLine("| benchmark | result |");
        Console.WriteLine("|---|---|");
        if (!args.Contains("--api-only"))
        {
            DeltaImport(work, Argument(args, "--size-mib", "1024"));
            Reconcile(work);
        }
        if (args.Contains("--server"))
        {
            LeavesThroughApi(Argument(args, "--server"), Argument(args, "--token"), int.Parse(Argument(args, "--leaves", "10000"), System.Globalization.CultureInfo.InvariantCulture));
        }
        return 0;
    }

    private static void DeltaImport(string work, string sizeMiB)
    {
        long size = long.Parse(sizeMiB, System.Globalization.CultureInfo.InvariantCulture) << 20;
        string basePath = Path.Combine(work, "base.img");
        string patchedPath = Path.Combine(work, "patched.img");
        var random = new Random(42);
        byte[] chunk = new byte[1 << 20];
        using (var image = new FileStream(basePath, FileMode.Create))
        {
            for (long done = 0; done < size; done += chunk.Length)
            {
                random.NextBytes(chunk);
                image.Write(chunk);
            }
        }
        File.Copy(basePath, patchedPath, overwrite: true);
        long blocks = size / Blocks.Size;
        long changed = blocks / 50; // 2%
        using (var patched = File.OpenHandle(patchedPath, FileMode.Open, FileAccess.Write))
        {
            byte[] block = new byte[Blocks.Size];
            foreach (long b in Enumerable.Range(0, (int)blocks).OrderBy(_ => random.Next()).Take((int)changed))
            {
                random.NextBytes(block);
                RandomAccess.Write(patched, block, b * Blocks.Size);
            }
        }
        string data = Path.Combine(work, "delta-data");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
        using var tree = ImageTreeService.Open(data);
        tree.Import("base", basePath, ImageFormat.Raw, null);
        var clock = Stopwatch.StartNew();
        ImportResult delta = tree.Import("base", patchedPath, ImageFormat.Raw, "base@1");
        double deltaSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        ImportResult full = tree.Import("full", patchedPath, ImageFormat.Raw, null);
        double fullSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"| delta import, {size >> 20} MiB image, {changed} of {blocks} blocks changed (2%) | {delta.StoredBytes / 1048576.0:0.0} MiB stored in {deltaSeconds:0.00} s |");
        Console.WriteLine($"| full import of the same image | {full.StoredBytes / 1048576.0:0.0} MiB stored in {fullSeconds:0.00} s |");
        Console.WriteLine($"| delta vs full: bytes stored | {100.0 * delta.StoredBytes / full.StoredBytes:0.00}% |");
    }

    private static void Reconcile(string work)
    {
        const int Leaves = 100;
        const int SharedBlocks = 256;
        const int OwnBlocks = 256;
        string data = Path.Combine(work, "reconcile-data");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
        string image = Path.Combine(work, "small.img");
        using (var file = new FileStream(image, FileMode.Create))
        {
            file.SetLength((SharedBlocks + (long)Leaves * OwnBlocks) * Blocks.Size); // room for every leaf's own blocks
        }
        using var tree = ImageTreeService.Open(data);
        tree.Import("base", image, ImageFormat.Raw, null);
        var random = new Random(7);
        byte[] shared = new byte[SharedBlocks * Blocks.Size];
        random.NextBytes(shared);
        byte[] own = new byte[OwnBlocks * Blocks.Size];
        for (int n = 0; n < Leaves; n++)
        {
            tree.CreateLeaf($"node{n}", "base@1");
            using DeviceLease lease = tree.Layers.OpenDevice($"node{n}");
            random.NextBytes(own);
            lease.Device.Write(0, new System.Buffers.ReadOnlySequence<byte>(shared));
            lease.Device.Write((SharedBlocks + (long)n * OwnBlocks) * Blocks.Size, new System.Buffers.ReadOnlySequence<byte>(own));
        }
        var clock = Stopwatch.StartNew();
        HoistResult result = tree.Hoist("base@1", 50);
        double seconds = clock.Elapsed.TotalSeconds;
        long branch = tree.Space(result.Branch.Name).WrittenBytes;
        Console.WriteLine($"| reconcile (hoist) of {Leaves} leaves sharing half their writes | leaves {result.LeafBytesBefore / 1048576.0:0.0} MiB → {result.LeafBytesAfter / 1048576.0:0.0} MiB, new edition {branch / 1048576.0:0.0} MiB, total {(result.LeafBytesBefore) / 1048576.0:0.0} → {(result.LeafBytesAfter + branch) / 1048576.0:0.0} MiB, {seconds:0.00} s |");
    }

    private static void LeavesThroughApi(string server, string token, int count)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        int next = -1;
        var clock = Stopwatch.StartNew();
        Task[] workers = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                using HttpResponseMessage response = await http.PostAsJsonAsync("/api/v1/leaves", new { name = $"api-node-{n}", parent = "base" });
                response.EnsureSuccessStatusCode();
            }
        }))];
        Task.WaitAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"| {count} leaves created through the HTTP API (8 concurrent clients) | {seconds:0.00} s ({count / seconds:0} leaves/s; target < 10 s) |");
    }

    private static string Argument(string[] args, string name, string? fallback = null)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1]
            : fallback ?? throw new ArgumentException($"{name} is required");
    }
}
