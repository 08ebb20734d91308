using System.Collections.Concurrent;

namespace DeployDirector.ServiceGroups;

/// <summary>Fences kept in memory only.</summary>
public sealed class MemoryStorageFence : IStorageFence
{
    private readonly ConcurrentDictionary<string, string> _fenced = new(StringComparer.Ordinal);

    public bool IsFenced(string mac) => _fenced.ContainsKey(mac);

    public void Fence(string mac, string reason) => _fenced[mac] = reason;

    public void Unfence(string mac) => _fenced.TryRemove(mac, out _);
}
