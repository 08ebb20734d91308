using System.Diagnostics;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace UnionBlock.Benchmarks;

/// <summary>
/// Random 4 KiB reads for a fixed time from several threads, straight on the union device and on
/// the raw root file: the in-process rungs of the ceiling ladder. Prints "union IOPS" and "rawfile IOPS".
/// </summary>
public static class Ladder
{
    public static int Run(string[] args)
    {
        string Arg(string name, string fallback)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }
        string data = Arg("--data", "");
        string layer = Arg("--layer", "node");
        string raw = Arg("--raw", "");
        var duration = TimeSpan.FromSeconds(double.Parse(Arg("--seconds", "5"), System.Globalization.CultureInfo.InvariantCulture));
        int threads = int.Parse(Arg("--threads", "4"), System.Globalization.CultureInfo.InvariantCulture);
        using (ImageTree.Tree.ImageTreeService tree = ImageTree.Tree.ImageTreeService.Open(data))
        using (DeviceLease lease = tree.Layers.OpenDevice(layer))
        {
            IBlockDevice device = lease.Device;
            Console.WriteLine($"union {Measure(threads, duration, device.Size, (offset, buffer) => device.Read(offset, buffer)):0}");
            Console.WriteLine($"union-seq-1m-MBps {SequentialMegabytes(duration, device.Size, (offset, buffer) => device.Read(offset, buffer)):0}");
        }
        if (raw.Length > 0)
        {
            using var file = File.OpenHandle(raw);
            long size = RandomAccess.GetLength(file);
            Console.WriteLine($"rawfile {Measure(threads, duration, size, (offset, buffer) => RandomAccess.Read(file, buffer, offset)):0}");
        }
        return 0;
    }

    private delegate void ReadAt(long offset, Span<byte> buffer);

    private static double SequentialMegabytes(TimeSpan duration, long size, ReadAt read)
    {
        byte[] buffer = new byte[1 << 20];
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        for (long offset = 0; clock.Elapsed < duration; offset = (offset + buffer.Length) % size)
        {
            read(offset, buffer);
            bytes += buffer.Length;
        }
        return bytes / clock.Elapsed.TotalSeconds / 1e6;
    }

    private static double Measure(int threads, TimeSpan duration, long size, ReadAt read)
    {
        long total = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            byte[] buffer = new byte[4096];
            long blocks = size / 4096;
            long count = 0;
            while (clock.Elapsed < duration)
            {
                for (int i = 0; i < 256; i++)
                {
                    read(random.NextInt64(blocks) * 4096, buffer);
                }
                count += 256;
            }
            Interlocked.Add(ref total, count);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        return total / clock.Elapsed.TotalSeconds;
    }
}
