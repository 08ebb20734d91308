using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace UnionBlock.Benchmarks;

/// <summary>
/// Replays the read trace of a real boot (offset and length per line, in the order the server saw
/// them) from N concurrent NBD clients at once, each on its own export name (a node each), and prints
/// one JSON line: seconds until the last client finished, request latency percentiles, bytes served.
/// Each client reads in trace order, one request at a time, as a booting kernel mostly does.
/// </summary>
internal static class BootStorm
{
    public static int Run(string[] args)
    {
        string trace = Value(args, "--trace");
        string host = Value(args, "--host", "127.0.0.1");
        int port = int.Parse(Value(args, "--port"), System.Globalization.CultureInfo.InvariantCulture);
        string prefix = Value(args, "--export-prefix", "");
        bool shared = args.Contains("--same-export");
        int clients = int.Parse(Value(args, "--clients"), System.Globalization.CultureInfo.InvariantCulture);
        (long Offset, int Length)[] reads = [.. File.ReadLines(trace).Where(l => l.Length > 0).Select(l =>
        {
            string[] parts = l.Split(' ');
            return (long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        })];
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        Parallel.For(0, clients, new ParallelOptions { MaxDegreeOfParallelism = clients }, client =>
        {
            latencies[client] = Replay(host, port, shared ? prefix : $"{prefix}{client}", reads);
        });
        double seconds = clock.Elapsed.TotalSeconds;
        double[] all = [.. latencies.SelectMany(l => l).Order()];
        long bytes = reads.Sum(r => (long)r.Length) * clients;
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
        {
            clients,
            seconds = Math.Round(seconds, 3),
            requests = all.Length,
            bytesServed = bytes,
            p50Ms = Math.Round(all[all.Length / 2], 3),
            p99Ms = Math.Round(all[(int)(all.Length * 0.99)], 3),
        }));
        return 0;
    }

    private static List<double> Replay(string host, int port, string export, (long Offset, int Length)[] reads)
    {
        var latencies = new List<double>(reads.Length);
        using var tcp = new TcpClient { NoDelay = true };
        tcp.Connect(host, port);
        using NetworkStream stream = tcp.GetStream();
        Handshake(stream, export);
        byte[] request = new byte[28];
        byte[] reply = new byte[16];
        byte[] data = new byte[reads.Max(r => r.Length)];
        ulong handle = 0;
        foreach ((long offset, int length) in reads)
        {
            long start = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteUInt32BigEndian(request, 0x25609513);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), 0);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), 0); // READ
            BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(8), ++handle);
            BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(16), (ulong)offset);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), (uint)length);
            stream.Write(request);
            stream.ReadExactly(reply);
            if (BinaryPrimitives.ReadUInt32BigEndian(reply) != 0x67446698 || BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)) != 0)
            {
                throw new InvalidDataException($"read at {offset} failed on {export}");
            }
            stream.ReadExactly(data, 0, length);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), 2); // DISC
        stream.Write(request);
        return latencies;
    }

    /// <summary>Fixed newstyle, NBD_OPT_GO with the export name, simple replies.</summary>
    private static void Handshake(NetworkStream stream, string export)
    {
        byte[] hello = new byte[18];
        stream.ReadExactly(hello);
        byte[] flags = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(flags, hello[17] & 3u);
        stream.Write(flags);
        byte[] name = Encoding.UTF8.GetBytes(export);
        byte[] option = new byte[16 + 4 + name.Length + 2];
        Encoding.ASCII.GetBytes("IHAVEOPT", option);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(8), 7);
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(12), (uint)(4 + name.Length + 2));
        BinaryPrimitives.WriteUInt32BigEndian(option.AsSpan(16), (uint)name.Length);
        name.CopyTo(option, 20);
        stream.Write(option);
        byte[] header = new byte[20];
        while (true)
        {
            stream.ReadExactly(header);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            byte[] body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16))];
            stream.ReadExactly(body);
            if ((type & 0x80000000) != 0)
            {
                throw new InvalidDataException($"the server refused export '{export}': {Encoding.UTF8.GetString(body)}");
            }
            if (type == 1)
            {
                return;
            }
        }
    }

    private static string Value(string[] args, string name, string? fallback = null)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback ?? throw new ArgumentException($"{name} is required");
    }
}
