using DeployDirector.Providers.Qemu;
using System.Text.Json;
using Ubd.Cli;

namespace Ubd.Nodes;

/// <summary>Starts emulated nodes, waits for each to reach init, and reports what the server saw.</summary>
internal sealed class NodeLauncher(string server, string advertise, string consoleDirectory, int memoryMiB)
{
    public async Task<JsonElement> RunAsync(ApiClient api, int count, int first, TimeSpan timeout, bool keepRunning, bool quiet)
    {
        if (count is < 1 or > 64)
        {
            throw new ApiException(400, "usage", $"launch between 1 and 64 nodes (asked for {count})");
        }
        Directory.CreateDirectory(consoleDirectory);
        var bootUri = new UriBuilder(server) { Host = advertise, Path = "/boot/ipxe" };
        var nodes = new List<QemuNode>();
        try
        {
            for (int i = first; i < first + count; i++)
            {
                string mac = $"52:54:00:0b:00:{i:x2}";
                nodes.Add(QemuNode.Start(mac, bootUri.Uri.ToString(), Path.Combine(consoleDirectory, $"node-{i:d2}.log"), memoryMiB));
            }
            double?[] seconds = await Output.WithProgressAsync($"booting {count} node(s)", count, quiet, async progress =>
            {
                int done = 0;
                return await Task.WhenAll(nodes.Select(async node =>
                {
                    double? at = await node.WaitForAsync(QemuNode.InitMarker, timeout).ConfigureAwait(false);
                    progress?.Report(Interlocked.Increment(ref done));
                    return at;
                })).ConfigureAwait(false);
            }).ConfigureAwait(false);
            JsonElement known = await api.Get("/nodes").ConfigureAwait(false);
            var report = nodes.Select((node, i) =>
            {
                JsonElement? info = known.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(n => n!.Value.Str("mac") == node.Mac);
                return new
                {
                    mac = node.Mac,
                    leaf = info?.Str("leaf"),
                    secondsToInit = seconds[i] is { } s ? Math.Round(s, 1) : (double?)null,
                    bytesRead = info?.Long("bytesRead") ?? 0,
                    bytesReadFromShared = info?.Long("bytesReadFromShared") ?? 0,
                    bytesWritten = info?.Long("bytesWritten") ?? 0,
                    console = node.ConsolePath,
                };
            }).ToList();
            if (keepRunning && seconds.All(s => s is not null))
            {
                System.Console.Error.WriteLine("nodes running; Ctrl-C stops them");
                var stopped = new TaskCompletionSource();
                System.Console.CancelKeyPress += (_, e) =>
                {
                    e.Cancel = true;
                    stopped.TrySetResult();
                };
                await stopped.Task.ConfigureAwait(false);
            }
            if (seconds.Any(s => s is null))
            {
                string failed = string.Join(", ", nodes.Where((_, i) => seconds[i] is null).Select(n => $"{n.Mac} (console {n.ConsolePath})"));
                throw new ApiException(500, "boot failed", $"not every node reached init within {timeout.TotalSeconds:0} s: {failed}");
            }
            return JsonSerializer.SerializeToElement(new { nodes = report }, Api.ApiJson.Options);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }
}
