using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using DeployDirector.Contracts;
using DeployDirector.State;

namespace DeployDirector.Live;

/// <summary>
/// Stem-cell nodes: the credential each gets at PXE registration (a fresh one every boot; only its
/// SHA-256 is stored), the labels operators give them, and what their agents report. Registration
/// and heartbeats land in the <see cref="AgentHub"/>.
/// </summary>
public sealed class NodeRegistry
{
    private readonly DirectorStore _store;
    private readonly AgentHub _hub;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, string> _macByCredential = new(StringComparer.Ordinal);
    private readonly Lock _writes = new();

    public NodeRegistry(DirectorStore store, AgentHub hub, TimeProvider clock)
    {
        _store = store;
        _hub = hub;
        _clock = clock;
        foreach (NodeAgentRecord node in store.Nodes())
        {
            _macByCredential[node.CredentialSha256] = node.Mac;
        }
    }

    /// <summary>Issues the credential a booting node's agent will present (replacing its previous one).</summary>
    public string IssueCredential(string mac, string provider = "pxe")
    {
        string credential = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        string hash = Hash(credential);
        lock (_writes)
        {
            NodeAgentRecord? node = _store.Node(mac);
            if (node is not null)
            {
                _macByCredential.TryRemove(node.CredentialSha256, out _);
            }
            node = node is null
                ? new NodeAgentRecord(mac, hash, new Dictionary<string, string>(), provider, 0, 0, null, null, null, null, null)
                : node with { CredentialSha256 = hash };
            _store.Begin().Put(node).Commit();
            _macByCredential[hash] = mac;
        }
        return credential;
    }

    /// <summary>Records a node a provider is bringing up, with its labels, before it first boots.</summary>
    /// <param name="worker">A patch worker: it is never placed on, never a spare.</param>
    public NodeAgentRecord Prepare(string mac, string provider, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> endpoints, bool worker = false)
    {
        var node = new NodeAgentRecord(mac, "", labels, provider, 0, 0, null, null, null, null, null) { Endpoints = endpoints, Worker = worker };
        lock (_writes)
        {
            _store.Begin().Put(node).Commit();
        }
        return node;
    }

    /// <summary>The node a credential belongs to, or null.</summary>
    public string? Authenticate(string credential) =>
        credential.Length is > 0 and <= 256 && _macByCredential.TryGetValue(Hash(credential), out string? mac) ? mac : null;

    public RegistrationAck Register(string mac, AgentRegistration registration)
    {
        lock (_writes)
        {
            NodeAgentRecord node = _store.Node(mac)!;
            _store.Begin().Put(node with
            {
                Cores = registration.Cores,
                MemoryBytes = registration.MemoryBytes,
                Address = registration.Address,
                BootId = registration.BootId,
                Leaf = registration.Leaf,
                Edition = registration.Edition,
                RegisteredAt = _clock.GetUtcNow(),
            }).Commit(durable: false); // what the agent reports, it reports again: a power cut may lose it, a crash not
        }
        return _hub.Register(mac, registration);
    }

    public NodeAgentRecord? Find(string mac) => _store.Node(mac);

    public IReadOnlyList<NodeAgentRecord> All() => _store.Nodes();

    /// <summary>Sets labels (null value removes one); returns the node.</summary>
    public NodeAgentRecord SetLabels(string mac, IReadOnlyDictionary<string, string?> changes)
    {
        lock (_writes)
        {
            NodeAgentRecord node = _store.Node(mac) ?? throw new DirectorException(DirectorError.NotFound, $"no stem-cell node {mac}; 'ubd stemcell list' shows the known ones");
            var labels = new Dictionary<string, string>(node.Labels, StringComparer.Ordinal);
            foreach ((string key, string? value) in changes)
            {
                if (!LabelPattern.IsValid(key) || (value is not null && !LabelPattern.IsValid(value)))
                {
                    throw new DirectorException(DirectorError.Invalid, $"label '{key}={value}': names and values are 1-63 characters of letters, digits, '-', '_', '.'");
                }
                if (value is null)
                {
                    labels.Remove(key);
                }
                else
                {
                    labels[key] = value;
                }
            }
            node = node with { Labels = labels };
            _store.Begin().Put(node).Commit();
            return node;
        }
    }

    /// <summary>Changes what the director keeps of a node (quiesce, spare); returns the node.</summary>
    public NodeAgentRecord Update(string mac, Func<NodeAgentRecord, NodeAgentRecord> change)
    {
        lock (_writes)
        {
            NodeAgentRecord node = _store.Node(mac) ?? throw new DirectorException(DirectorError.NotFound, $"no stem-cell node {mac}; 'ubd stemcell list' shows the known ones");
            NodeAgentRecord changed = change(node);
            _store.Begin().Put(changed).Commit();
            return changed;
        }
    }

    /// <summary>Forgets a node (its provider deleted it).</summary>
    public void Remove(string mac)
    {
        lock (_writes)
        {
            if (_store.Node(mac) is { } node)
            {
                _macByCredential.TryRemove(node.CredentialSha256, out _);
                _store.Begin().Delete(node).Commit();
            }
        }
        _hub.Remove(mac);
    }

    private static string Hash(string credential) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential)));
}
