using System.Collections.Concurrent;

namespace DeployDirector.Live;

/// <summary>
/// Which instance archives each node may fetch: only those the director has sent it in a prepare
/// command (an archive carries rendered configuration, possibly secrets, of one instance).
/// </summary>
public sealed class ArchiveGrants(Func<string, Stream?> open)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byNode = new(StringComparer.Ordinal);

    public void Grant(string mac, string sha256) =>
        _byNode.GetOrAdd(mac, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[sha256] = 0;

    public void Revoke(string mac, string sha256)
    {
        if (_byNode.TryGetValue(mac, out ConcurrentDictionary<string, byte>? granted))
        {
            granted.TryRemove(sha256, out _);
        }
    }

    /// <summary>A readable stream of the archive when <paramref name="mac"/> may have it, else null.</summary>
    public Stream? Open(string mac, string sha256) =>
        _byNode.TryGetValue(mac, out ConcurrentDictionary<string, byte>? granted) && granted.ContainsKey(sha256) ? open(sha256) : null;
}
