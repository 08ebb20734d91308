using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using NbdServer.Exports;
using NbdServer.Hosting;
using UnionBlock.Abstractions;

namespace NbdServer.Tests;

/// <summary>
/// The real listener on a loopback port of its own, serving "disk" (1 MiB, writable, its first
/// half filled with a pattern) and "ro" (read-only).
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const long DiskSize = 1 << 20;
    private readonly NbdListener _listener;

    public TestServer(NbdServerOptions? options = null, INbdExportGate? gate = null)
    {
        Disk = new MemoryBlockDevice(DiskSize);
        byte[] pattern = Pattern(0, (int)(DiskSize / 2));
        Disk.Write(0, new System.Buffers.ReadOnlySequence<byte>(pattern));
        Disk.WriteZeroes(DiskSize / 2, DiskSize / 2, ZeroFlags.None);
        ReadOnly = new MemoryBlockDevice(DiskSize, readOnly: true);
        var exports = new DeviceExportProvider(new Dictionary<string, IBlockDevice> { ["disk"] = Disk, ["ro"] = ReadOnly }, defaultExportName: "disk");
        _listener = new NbdListener(new IPEndPoint(IPAddress.Loopback, 0), exports, options ?? new NbdServerOptions(), NullLogger.Instance, gate);
        _listener.Start();
    }

    public MemoryBlockDevice Disk { get; }

    public MemoryBlockDevice ReadOnly { get; }

    public NbdListener Listener => _listener;

    public static byte[] Pattern(long offset, int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)((offset + i) * 7 / 512 + 1);
        }
        return data;
    }

    public async Task<RawNbdClient> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_listener.LocalEndPoint);
        return new RawNbdClient(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>A client already in transmission on <paramref name="export"/>.</summary>
    public async Task<RawNbdClient> ConnectToAsync(string export = "disk", bool structured = false, params string[] contexts)
    {
        RawNbdClient client = await ConnectAsync();
        await client.StartAsync();
        await client.GoAsync(export, structured, contexts);
        return client;
    }

    public ValueTask DisposeAsync()
    {
        Disk.Dispose();
        return _listener.DisposeAsync();
    }
}
