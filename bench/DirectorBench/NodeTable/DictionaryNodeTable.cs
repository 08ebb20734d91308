using System.Collections.Concurrent;

namespace DirectorBench.NodeTable;

/// <summary>What the AgentHub does now: a concurrent dictionary from MAC to a live entry whose fields a
/// heartbeat overwrites in place.</summary>
internal sealed class DictionaryNodeTable : INodeTable
{
    private readonly string[] _macs;
    private readonly ConcurrentDictionary<string, Entry> _nodes = new(StringComparer.Ordinal);

    public DictionaryNodeTable(int nodes)
    {
        _macs = [.. Enumerable.Range(0, nodes).Select(BenchHost.Mac)];
        foreach (string mac in _macs)
        {
            _nodes[mac] = new Entry();
        }
    }

    public string Name => "ConcurrentDictionary (in memory, as AgentHub)";

    public void Update(int node, NodeBeat beat)
    {
        Entry entry = _nodes[_macs[node]];
        entry.LastSeen = beat.LastSeen;
        entry.Sequence = beat.Sequence;
        entry.CpuLoad = beat.CpuLoad;
    }

    public NodeBeat? Read(int node) => _nodes.TryGetValue(_macs[node], out Entry? e) ? new NodeBeat(e.LastSeen, e.Sequence, e.CpuLoad) : null;

    public void Tick()
    {
    }

    public bool Reopen() => false;

    public void Dispose()
    {
    }

    private sealed class Entry
    {
        public long LastSeen;
        public long Sequence;
        public double CpuLoad;
    }
}
