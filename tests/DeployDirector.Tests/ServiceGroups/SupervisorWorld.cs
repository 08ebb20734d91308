using DeployDirector.ServiceGroups;
using DeployDirector.State;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>
/// A simple model of a cluster around the real <see cref="SupervisorCore"/>: nodes whose agents
/// heartbeat, die, get partitioned (their agent runs on, unseen), heal, reboot; agents that keep the
/// highest epoch per instance and stop their jobs once their lease passes without the director; a
/// storage fence that makes a node's jobs unable to write; and an executor that applies decisions the
/// way the director's does (write-ahead record with a new epoch, then the start on the target; a live
/// holder stops first). Invariants are checked after every step.
/// </summary>
public sealed class SupervisorWorld
{
    public const int HeartbeatMs = 1000;

    public sealed class Node(string mac)
    {
        public string Mac { get; } = mac;
        public bool Up { get; set; } = true;
        public bool Partitioned { get; set; }
        public bool Fenced { get; set; }
        public bool Quiesced { get; set; }
        public double Load { get; set; }
        public string? SpareFor { get; set; }
        /// <summary>The director process's last contact (null: none since it started).</summary>
        public DateTimeOffset? SeenByDirector { get; set; }
        /// <summary>The agent's last contact with the director (its lease runs from here).</summary>
        public DateTimeOffset AgentContact { get; set; }
        /// <summary>What the agent runs: instance key → epoch.</summary>
        public Dictionary<string, long> Running { get; } = new(StringComparer.Ordinal);
        /// <summary>Highest epoch the agent holds per instance.</summary>
        public Dictionary<string, long> Epochs { get; } = new(StringComparer.Ordinal);

        public bool Reachable => Up && !Partitioned;
    }

    public sealed class Record(string key, int index)
    {
        public string Key { get; } = key;
        public int Index { get; } = index;
        public string? Node { get; set; }
        public long Epoch { get; set; }
        public InstanceStatus Status { get; set; } = InstanceStatus.Running;
        public string? Preferred { get; set; }
        public DateTimeOffset? OrphanedAt { get; set; }
    }

    private readonly List<(MoveInstance Move, long Epoch)> _pendingStops = [];
    private SupervisorCore _core = new();
    private DateTimeOffset _directorStarted;
    private long _epoch = 100;
    private int _servableAtRound;
    private string? _leader;
    private List<(string Mac, bool Quiesced, bool Fenced)> _advertisedOn = [];

    public SupervisorWorld(GroupPolicy policy, int nodes)
    {
        Policy = policy;
        Now = DateTimeOffset.UnixEpoch.AddHours(1);
        _directorStarted = Now;
        for (int i = 0; i < nodes; i++)
        {
            Nodes.Add(new Node($"52:54:00:00:00:{i:x2}") { SeenByDirector = Now, AgentContact = Now });
        }
        for (int i = 0; i < policy.Instances; i++)
        {
            var record = new Record($"d/g/{i}", i) { Node = Nodes[i].Mac, Epoch = ++_epoch, Preferred = Nodes[i].Mac };
            Records.Add(record);
            Nodes[i].Running[record.Key] = record.Epoch;
            Nodes[i].Epochs[record.Key] = record.Epoch;
        }
    }

    public GroupPolicy Policy { get; }

    public DateTimeOffset Now { get; private set; }

    public List<Node> Nodes { get; } = [];

    public List<Record> Records { get; } = [];

    public List<string> Log { get; } = [];

    public IReadOnlyList<string> Endpoints => _core.Endpoints("d/g");

    public bool Meltdown => _core.Meltdowns.Contains("d/g");

    /// <summary>Time passes: reachable agents heartbeat; agents past their lease stop their jobs; one round.</summary>
    public void Tick(int ms)
    {
        Now += TimeSpan.FromMilliseconds(ms);
        foreach (Node node in Nodes.Where(n => n.Reachable))
        {
            node.SeenByDirector = Now;
            node.AgentContact = Now;
        }
        foreach (Node node in Nodes.Where(n => n.Up && Now - n.AgentContact >= TimeSpan.FromMilliseconds(Policy.LeaseMs)))
        {
            node.Running.Clear(); // the agent's own lease expiry
        }
        FinishPendingStops();
        Round();
    }

    /// <summary>An operator resumes the group (its meltdown guard lets moves go again).</summary>
    public void Resume() => _core.Resume("d/g");

    public void DirectorRestart()
    {
        _core = new SupervisorCore();
        _directorStarted = Now;
        foreach (Node node in Nodes)
        {
            node.SeenByDirector = null;
        }
        Log.Add("director restarted");
    }

    /// <summary>The node powers back on: a fresh boot (nothing runs), its PXE boot lifts the fence.</summary>
    public void Reboot(Node node)
    {
        node.Up = true;
        node.Partitioned = false;
        node.Fenced = false;
        node.Running.Clear();
        node.Epochs.Clear();
        node.AgentContact = Now;
        node.SeenByDirector = Now;
        // Registration: the director stops instances the node holds that are no longer its own (none after a fresh boot).
    }

    /// <summary>A healed partition: the agent is seen again and told to stop what is not its own any more.</summary>
    public void Heal(Node node)
    {
        node.Partitioned = false;
        foreach (string key in node.Running.Keys.ToList())
        {
            Record record = Records.First(r => r.Key == key);
            if (record.Node != node.Mac || record.Epoch > node.Running[key])
            {
                node.Running.Remove(key);
            }
        }
    }

    private void Round()
    {
        var view = new SupervisorView(Now,
            [new GroupView("d", "g", Policy, _ => true, [.. Records.Select(r => new InstanceView(r.Key, r.Index, r.Node, r.Epoch, r.Status, r.Preferred, r.OrphanedAt,
                _pendingStops.Any(p => p.Move.Instance == r.Key), null)
            {
                Lost = r.Status == InstanceStatus.Running && r.Node is { } mac && Nodes.First(n => n.Mac == mac) is { SeenByDirector: not null } holder && !holder.Running.ContainsKey(r.Key),
            })], _leader)],
            [.. Nodes.Select(n => new NodeView(n.Mac, n.SeenByDirector is { } seen ? Now - seen : Now - _directorStarted, n.Quiesced, n.Fenced, new Utilization(n.Load, 0, null),
                new Dictionary<string, string>(), 1, 1L << 30, Records.FirstOrDefault(r => r.Node == n.Mac)?.Key, n.SpareFor, [])
            {
                Registered = n.SeenByDirector is not null,
            })]);
        _servableAtRound = Records.Count(r => r.Status == InstanceStatus.Running && r.Node is { } mac && Nodes.First(n => n.Mac == mac) is { Fenced: false, Quiesced: false, SeenByDirector: { } seen }
            && Now - seen < Policy.SuspectTime);
        IReadOnlyList<SupervisorDecision> decisions = _core.Decide(view);
        _advertisedOn = [.. Endpoints.Select(e => Nodes.First(n => n.Mac == Records.First(r => r.Key == e).Node))
            .Select(n => (n.Mac, n.Quiesced, n.Fenced))];
        foreach (SupervisorDecision decision in decisions)
        {
            Log.Add($"{Now:HH:mm:ss.fff} {decision.GetType().Name}: {decision.Reason}");
            Apply(decision);
        }
    }

    private void Apply(SupervisorDecision decision)
    {
        switch (decision)
        {
            case FenceNode fence:
                Nodes.First(n => n.Mac == fence.Mac).Fenced = true;
                break;
            case MoveInstance move:
                Record record = Records.First(r => r.Key == move.Instance);
                if (record.Node != move.From)
                {
                    return;
                }
                Node target = Nodes.First(n => n.Mac == move.To);
                Invariant(!target.Fenced, $"{move.Instance} assigned to fenced {move.To}");
                // A quiesced node keeps what it holds: only bringing back its own instance may land there.
                Invariant(!target.Quiesced || move.Kind == MoveKind.Restore, $"{move.Instance} assigned to quiesced {move.To}");
                record.Node = move.To;
                record.Epoch = ++_epoch;
                record.Status = InstanceStatus.Assigning;
                record.Preferred ??= move.From ?? move.To;
                record.OrphanedAt = null;
                target.SpareFor = null;
                if (move.From is { } from && move.Kind is not (MoveKind.Failover or MoveKind.Restore))
                {
                    _pendingStops.Add((move, record.Epoch));
                    FinishPendingStops();
                }
                else
                {
                    Start(record, move.To);
                }
                break;
            case OrphanInstance orphan when orphan.From is null:
                Record orphaned = Records.First(r => r.Key == orphan.Instance);
                orphaned.Node = null;
                orphaned.Epoch = ++_epoch;
                orphaned.Status = InstanceStatus.Orphaned;
                orphaned.OrphanedAt ??= Now;
                break;
            case RebootNode reboot when Nodes.First(n => n.Mac == reboot.Mac) is { Reachable: true } fenced:
                Reboot(fenced);
                break;
            case AssignLeader leader:
                _leader = leader.Instance;
                break;
            case DesignateSpare spare:
                Nodes.First(n => n.Mac == spare.Mac).SpareFor = spare.Group;
                break;
            case ReleaseSpare release:
                Nodes.First(n => n.Mac == release.Mac).SpareFor = null;
                break;
        }
    }

    /// <summary>A move off a live holder: stop there (when reachable, or once its lease has passed), then start.</summary>
    private void FinishPendingStops()
    {
        foreach ((MoveInstance move, long epoch) in _pendingStops.ToList())
        {
            Node old = Nodes.First(n => n.Mac == move.From);
            if (old.Reachable)
            {
                old.Running.Remove(move.Instance);
            }
            else if (old.Up && Now - old.AgentContact < TimeSpan.FromMilliseconds(Policy.LeaseMs))
            {
                continue;
            }
            _pendingStops.Remove((move, epoch));
            Record record = Records.First(r => r.Key == move.Instance);
            if (record.Epoch == epoch)
            {
                Start(record, move.To);
            }
        }
    }

    /// <summary>The executor's apply + start; an unreachable target fails the move and orphans the instance.</summary>
    private void Start(Record record, string mac)
    {
        Node node = Nodes.First(n => n.Mac == mac);
        if (!node.Reachable)
        {
            record.Node = null;
            record.Epoch = ++_epoch;
            record.Status = InstanceStatus.Orphaned;
            record.OrphanedAt ??= Now;
            return;
        }
        Invariant(!node.Epochs.TryGetValue(record.Key, out long held) || held <= record.Epoch, $"{record.Key}: epoch {record.Epoch} sent to {mac} holding {held}");
        node.Epochs[record.Key] = record.Epoch;
        node.Running[record.Key] = record.Epoch;
        record.Status = InstanceStatus.Running;
    }

    /// <summary>Holders that can still serve and write: up, unfenced, inside their lease.</summary>
    public IEnumerable<Node> LiveHolders(string key) =>
        Nodes.Where(n => n.Up && !n.Fenced && n.Running.ContainsKey(key) && Now - n.AgentContact < TimeSpan.FromMilliseconds(Policy.LeaseMs));

    public string Describe() =>
        string.Join("\n", Nodes.Select(n => $"{n.Mac[^2..]} up={n.Up} part={n.Partitioned} fenced={n.Fenced} q={n.Quiesced} load={n.Load} spare={n.SpareFor} seen={n.SeenByDirector:HH:mm:ss.fff} contact={n.AgentContact:HH:mm:ss.fff} runs=[{string.Join(",", n.Running.Select(r => r.Key + "@" + r.Value))}]"))
        + "\n" + string.Join("\n", Records.Select(r => $"{r.Key} node={r.Node?[^2..]} epoch={r.Epoch} {r.Status} pref={r.Preferred?[^2..]}"))
        + $"\npending stops: {string.Join(", ", _pendingStops.Select(p => p.Move.Instance + " from " + p.Move.From))}; meltdown={Meltdown}; now={Now:HH:mm:ss.fff}";

    public void CheckInvariants()
    {
        foreach (Record record in Records)
        {
            List<Node> live = [.. LiveHolders(record.Key)];
            Invariant(live.Count <= 1, $"{record.Key} has {live.Count} live holders: {string.Join(", ", live.Select(n => n.Mac))}");
            foreach (Node holder in live)
            {
                // A live holder other than the record's is only the old end of a move in flight: the
                // new holder starts once it has stopped there (or its lease has passed).
                Invariant((holder.Running[record.Key] == record.Epoch && holder.Mac == record.Node)
                    || _pendingStops.Any(p => p.Move.Instance == record.Key && p.Move.From == holder.Mac),
                    $"{record.Key} runs on {holder.Mac} at epoch {holder.Running[record.Key]} but the record gives {record.Node} epoch {record.Epoch}");
                Invariant(holder.Running[record.Key] <= record.Epoch, $"{record.Key} runs on {holder.Mac} at epoch {holder.Running[record.Key]}, newer than its record's {record.Epoch}");
            }
        }
    }

    /// <summary>Right after a round: the endpoint list it published keeps min_available of the members the
    /// director could see serving, and never names a quiesced or fenced node.</summary>
    public void CheckEndpoints()
    {
        int servable = _servableAtRound;
        Invariant(Endpoints.Count >= Math.Min(Policy.MinAvailable, servable), $"{Endpoints.Count} endpoints advertised with {servable} servable and min_available {Policy.MinAvailable}");
        foreach ((string mac, bool quiesced, bool fenced) in _advertisedOn)
        {
            Invariant(!quiesced && !fenced, $"an endpoint advertised on {(quiesced ? "quiesced" : "fenced")} {mac}");
        }
    }

    private void Invariant(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException(what + "\n" + Describe() + "\n" + string.Join("\n", Log.TakeLast(40)));
        }
    }
}
