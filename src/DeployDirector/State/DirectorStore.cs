using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImageTree.Metadata;

namespace DeployDirector.State;

/// <summary>
/// The director's desired state in its own key-value store (RocksDB under DATA/director): deployments,
/// instances with their assignments and epochs, nodes' credentials and labels, tasks, variables.
/// Each change that must hold together is one synced batch. Readable JSON values, keys by kind.
/// Instances and nodes — what the supervisor reads every round, 10,000 of each in a large cluster —
/// are also kept decoded in memory, written through by every commit in the order commits reach disk.
/// The store keeps one rule itself: a node holds at most one instance. Deploys and failover moves choose
/// nodes from views that may be a moment old and run side by side, so the check is made where their
/// choices meet, at commit (<see cref="NodeTakenException"/>).
/// </summary>
public sealed class DirectorStore : IDisposable
{
    private const string DeploymentPrefix = "deployment/";
    private const string InstancePrefix = "instance/";
    private const string NodePrefix = "node/";
    private const string TaskPrefix = "task/";
    private const string VariablePrefix = "variable/";
    private const string GroupPrefix = "group/";
    private const string EpochKey = "counter/epoch";
    private const string TaskCounterKey = "counter/task";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly IKeyValueStore _store;
    private readonly Lock _counters = new();
    private readonly RecordCache _instances;
    private readonly RecordCache _nodes;

    /// <summary>Which instance (by key) each node holds; read and written under <see cref="_counters"/>.</summary>
    private readonly Dictionary<string, string> _holders = new(StringComparer.Ordinal);
    private long _epoch;
    private long _task;

    public DirectorStore(IKeyValueStore store)
    {
        _store = store;
        _epoch = ReadCounter(EpochKey);
        _task = ReadCounter(TaskCounterKey);
        _instances = new RecordCache(Load<InstanceRecord>(InstancePrefix));
        _nodes = new RecordCache(Load<NodeAgentRecord>(NodePrefix));
        foreach (InstanceRecord instance in _instances.Scan<InstanceRecord>(InstancePrefix).Where(i => i.Node is not null))
        {
            _holders[instance.Node!] = InstanceKey(instance.Deployment, instance.Group, instance.Index);
        }
    }

    public IKeyValueStore Raw => _store;

    public void Dispose() => _store.Dispose();

    // Deployments.
    public DeploymentRecord? Deployment(string name) => Get<DeploymentRecord>(DeploymentPrefix + name);

    public IReadOnlyList<DeploymentRecord> Deployments() => Scan<DeploymentRecord>(DeploymentPrefix);

    // Instances, keyed deployment/group/index so one scan lists a deployment's in order.
    public IReadOnlyList<InstanceRecord> Instances(string deployment) => _instances.Scan<InstanceRecord>($"{InstancePrefix}{deployment}/");

    public IReadOnlyList<InstanceRecord> AllInstances() => _instances.Scan<InstanceRecord>(InstancePrefix);

    public InstanceRecord? Instance(string deployment, string group, int index) => _instances.Get<InstanceRecord>(InstanceKey(deployment, group, index));

    // Nodes.
    public NodeAgentRecord? Node(string mac) => _nodes.Get<NodeAgentRecord>(NodePrefix + mac);

    public IReadOnlyList<NodeAgentRecord> Nodes() => _nodes.Scan<NodeAgentRecord>(NodePrefix);

    // Service groups, keyed deployment/group.
    public GroupRecord? Group(string deployment, string group) => Get<GroupRecord>($"{GroupPrefix}{deployment}/{group}");

    public IReadOnlyList<GroupRecord> Groups(string deployment) => Scan<GroupRecord>($"{GroupPrefix}{deployment}/");

    public IReadOnlyList<GroupRecord> AllGroups() => Scan<GroupRecord>(GroupPrefix);

    // Tasks, keyed by a zero-padded id so they scan in creation order.
    public DirectorTaskRecord? Task(long id) => Get<DirectorTaskRecord>(TaskKey(id));

    public IReadOnlyList<DirectorTaskRecord> Tasks() => Scan<DirectorTaskRecord>(TaskPrefix);

    public IReadOnlyDictionary<string, string> Variables(string deployment) =>
        _store.Scan(Key($"{VariablePrefix}{deployment}/"))
            .ToDictionary(e => Encoding.UTF8.GetString(e.Key)[($"{VariablePrefix}{deployment}/").Length..], e => Encoding.UTF8.GetString(e.Value), StringComparer.Ordinal);

    /// <summary>The next fencing token: strictly greater than every one handed out before, across restarts.
    /// Persisted in the batch that uses it (see <see cref="Change.UseEpoch"/>).</summary>
    public long NextEpoch()
    {
        lock (_counters)
        {
            return ++_epoch;
        }
    }

    public long NextTaskId()
    {
        lock (_counters)
        {
            return ++_task;
        }
    }

    /// <summary>Starts a batch of changes applied at once by <see cref="Commit"/>.</summary>
    public Change Begin() => new(this);

    public void Commit(Change change, bool durable = true)
    {
        var batch = new KeyValueBatch { Durable = durable };
        foreach ((byte[] key, byte[]? value, _, _) in change.Operations)
        {
            if (value is null)
            {
                batch.Delete(key);
            }
            else
            {
                batch.Put(key, value);
            }
        }
        lock (_counters)
        {
            // Counters only ever grow on disk, whatever order batches commit in.
            Dictionary<string, string?> holders = HoldersAfter(change);
            batch.Put(Key(EpochKey), BitConverter.GetBytes(_epoch));
            batch.Put(Key(TaskCounterKey), BitConverter.GetBytes(_task));
            _store.Write(batch);
            foreach ((_, _, string text, object? record) in change.Operations)
            {
                (text.StartsWith(InstancePrefix, StringComparison.Ordinal) ? _instances : text.StartsWith(NodePrefix, StringComparison.Ordinal) ? _nodes : null)?.Set(text, record);
            }
            foreach ((string mac, string? key) in holders)
            {
                if (key is null)
                {
                    _holders.Remove(mac);
                }
                else
                {
                    _holders[mac] = key;
                }
            }
        }
    }

    /// <summary>The holders the batch changes (null: the node is let go), or <see cref="NodeTakenException"/>
    /// when an instance would come to a node another instance keeps. Only an instance that changes node
    /// is checked, so records written before this rule still update in place.</summary>
    private Dictionary<string, string?> HoldersAfter(Change change)
    {
        var after = new Dictionary<string, string?>(StringComparer.Ordinal);
        var arriving = new List<(string Mac, string Key)>();
        foreach ((_, _, string text, object? record) in change.Operations)
        {
            if (!text.StartsWith(InstancePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            string? from = _instances.Get<InstanceRecord>(text)?.Node;
            string? to = (record as InstanceRecord)?.Node;
            if (from == to)
            {
                continue;
            }
            if (from is not null && _holders.GetValueOrDefault(from) == text && !after.ContainsKey(from))
            {
                after[from] = null;
            }
            if (to is not null)
            {
                arriving.Add((to, text));
            }
        }
        foreach ((string mac, string key) in arriving)
        {
            string? holder = after.TryGetValue(mac, out string? changed) ? changed : _holders.GetValueOrDefault(mac);
            if (holder is not null && holder != key)
            {
                throw new NodeTakenException(mac, key[InstancePrefix.Length..], holder[InstancePrefix.Length..]);
            }
            after[mac] = key;
        }
        return after;
    }

    /// <summary>A set of puts and deletes to commit together.</summary>
    public sealed class Change(DirectorStore owner)
    {
        private readonly List<(byte[] Key, byte[]? Value, string Text, object? Record)> _operations = [];

        /// <summary>Each operation: the key, the encoded value (null: delete), the key as text and the record.</summary>
        internal IReadOnlyList<(byte[] Key, byte[]? Value, string Text, object? Record)> Operations => _operations;

        public Change Put(DeploymentRecord deployment) => Put(DeploymentPrefix + deployment.Name, deployment);

        public Change Delete(DeploymentRecord deployment) => Remove(DeploymentPrefix + deployment.Name);

        public Change Put(InstanceRecord instance) => Put(InstanceKey(instance.Deployment, instance.Group, instance.Index), instance);

        public Change Delete(InstanceRecord instance) => Remove(InstanceKey(instance.Deployment, instance.Group, instance.Index));

        public Change Put(NodeAgentRecord node) => Put(NodePrefix + node.Mac, node);

        public Change Delete(NodeAgentRecord node) => Remove(NodePrefix + node.Mac);

        public Change Put(GroupRecord group) => Put($"{GroupPrefix}{group.Deployment}/{group.Group}", group);

        public Change Delete(GroupRecord group) => Remove($"{GroupPrefix}{group.Deployment}/{group.Group}");

        public Change Put(DirectorTaskRecord task) => Put(TaskKey(task.Id), task);

        public Change Delete(DirectorTaskRecord task) => Remove(TaskKey(task.Id));

        public Change PutVariable(string deployment, string name, string value)
        {
            string key = $"{VariablePrefix}{deployment}/{name}";
            _operations.Add((Key(key), Encoding.UTF8.GetBytes(value), key, null));
            return this;
        }

        public Change DeleteVariables(string deployment)
        {
            foreach (KeyValuePair<byte[], byte[]> entry in owner._store.Scan(Key($"{VariablePrefix}{deployment}/")))
            {
                _operations.Add((entry.Key, null, Encoding.UTF8.GetString(entry.Key), null));
            }
            return this;
        }

        public void Commit(bool durable = true) => owner.Commit(this, durable);

        private Change Put<T>(string key, T value)
        {
            _operations.Add((Key(key), JsonSerializer.SerializeToUtf8Bytes(value, Json), key, value));
            return this;
        }

        private Change Remove(string key)
        {
            _operations.Add((Key(key), null, key, null));
            return this;
        }
    }

    private static string InstanceKey(string deployment, string group, int index) => $"{InstancePrefix}{deployment}/{group}/{index:D6}";

    private static string TaskKey(long id) => $"{TaskPrefix}{id:D12}";

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    private long ReadCounter(string key) => _store.Get(Key(key)) is { Length: 8 } value ? BitConverter.ToInt64(value) : 0;

    private T? Get<T>(string key) where T : class =>
        _store.Get(Key(key)) is { } value ? JsonSerializer.Deserialize<T>(value, Json) : null;

    private IEnumerable<KeyValuePair<string, object>> Load<T>(string prefix) =>
        _store.Scan(Key(prefix)).Select(e => new KeyValuePair<string, object>(Encoding.UTF8.GetString(e.Key), JsonSerializer.Deserialize<T>(e.Value, Json)!));

    private List<T> Scan<T>(string prefix) =>
        [.. _store.Scan(Key(prefix)).Select(e => JsonSerializer.Deserialize<T>(e.Value, Json)!)];
}
