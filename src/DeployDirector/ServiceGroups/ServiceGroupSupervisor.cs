using System.Collections.Concurrent;
using DeployDirector.Contracts;
using DeployDirector.Live;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.Running;
using DeployDirector.State;
using Microsoft.Extensions.Logging;

namespace DeployDirector.ServiceGroups;

/// <summary>
/// Runs the service groups: every <see cref="Interval"/> it takes a view (records from the store,
/// liveness and load from the agent hub, fences from the storage path), asks the
/// <see cref="SupervisorCore"/> what to do, and does it — fences, write-ahead reassignments with new
/// epochs, then the moves themselves as "failover" tasks (prepare is skipped where a hot spare holds
/// the archive already), spares kept prepared, leaders and endpoint lists pushed to members. Rounds
/// never wait on agents: everything slow runs beside them.
/// </summary>
public sealed partial class ServiceGroupSupervisor : IDisposable
{
    private readonly DirectorContext _director;
    private readonly Deployer _deployer;
    private readonly InstanceApplier _applier;
    private readonly GroupPushes _pushes;
    private readonly SupervisorCore _core = new();
    private readonly ConcurrentDictionary<string, byte> _moving = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Key, long Epoch), DateTimeOffset> _failingSince = new();
    private readonly ConcurrentDictionary<string, (string Node, DateTimeOffset Until)> _avoid = new(StringComparer.Ordinal);
    private readonly Lock _round = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTimeOffset _started;
    private Task? _loop;

    public ServiceGroupSupervisor(DirectorContext director, Deployer deployer, TimeSpan? interval = null)
    {
        _director = director;
        _deployer = deployer;
        _applier = new InstanceApplier(director);
        _pushes = new GroupPushes(director.Hub);
        _started = director.Clock.GetUtcNow();
        Interval = interval ?? TimeSpan.FromMilliseconds(200);
        Events = new GroupEvents(director.Clock);
        Events.Added += e => director.Log.LogGroupEvent(e.Group, e.Kind, e.Message);
    }

    public TimeSpan Interval { get; }

    public GroupEvents Events { get; }

    /// <summary>Starts the rounds in the background (the host stops them with <see cref="Dispose"/>).</summary>
    public void Start() => _loop ??= Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval, _director.Clock);
        while (await WaitAsync(timer).ConfigureAwait(false))
        {
            try
            {
                RunRound();
            }
            catch (Exception e) when (e is DirectorException or IOException or InvalidOperationException or UnionBlock.Store.StoreException)
            {
                _director.Log.LogRoundFailed(e.Message);
            }
        }
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One round: view, decide, act. Returns what was decided (tests drive rounds directly).</summary>
    public IReadOnlyList<SupervisorDecision> RunRound()
    {
        lock (_round)
        {
            SupervisorView view = View(out Dictionary<string, InstanceGroup> groups);
            IReadOnlyList<SupervisorDecision> decisions = _core.Decide(view);
            Execute(decisions, groups);
            KeepSparesPrepared(view, groups);
            ReleaseScaledIn(view, groups);
            AskForHeartbeats(view);
            PublishDirectory(view, groups);
            return decisions;
        }
    }

    private SupervisorView View(out Dictionary<string, InstanceGroup> manifestGroups)
    {
        DateTimeOffset now = _director.Clock.GetUtcNow();
        manifestGroups = new Dictionary<string, InstanceGroup>(StringComparer.Ordinal);
        IReadOnlyList<InstanceRecord> allInstances = _director.Store.AllInstances();
        var held = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (InstanceRecord instance in allInstances)
        {
            if (instance.Node is { } holder)
            {
                held.TryAdd(holder, instance.Key);
            }
        }
        var nodes = new List<NodeView>();
        foreach (NodeAgentRecord node in _director.Nodes.All())
        {
            LiveAgent? live = _director.Hub.Find(node.Mac);
            if (live is null && node.RegisteredAt is null && !held.ContainsKey(node.Mac))
            {
                continue; // never booted: nothing to judge, nothing it could take
            }
            // A node this director process has not heard from yet is given the time since the
            // process started: a director restart must not declare every node dead at once.
            TimeSpan since = _director.Hub.SinceLastSeen(node.Mac) ?? (now - _started);
            nodes.Add(new NodeView(node.Mac, since, node.Quiesced || node.Worker, _director.Fence.IsFenced(node.Mac), Load(live), node.Labels, node.Cores, node.MemoryBytes,
                held.GetValueOrDefault(node.Mac), node.SpareFor,
                PreparedOn(live))
            {
                Registered = live is not null,
                Address = node.Address,
            });
        }
        HashSet<string> busy = [.. _director.Tasks.Active().Where(t => t.Kind is "deploy" or "delete" or "rollout").Select(t => t.Deployment)];
        var groups = new List<GroupView>();
        ILookup<(string Deployment, string Group), InstanceRecord> byGroup = allInstances.ToLookup(i => (i.Deployment, i.Group));
        foreach (DeploymentRecord deployment in _director.Store.Deployments())
        {
            foreach (InstanceGroup group in _deployer.ServiceGroups(deployment.Name))
            {
                GroupRecord? record = _director.Store.Group(deployment.Name, group.Name);
                string key = $"{deployment.Name}/{group.Name}";
                manifestGroups[key] = group;
                GroupPolicy policy = Deployer.Policy(group);
                groups.Add(new GroupView(deployment.Name, group.Name, policy, n => Planning.Placement.Fits(group, new NodeFacts(n.Mac, n.Labels, n.Cores, n.MemoryBytes, true, null)),
                    [.. byGroup[(deployment.Name, group.Name)].Select(i => Instance(i, now))], record?.Leader, busy.Contains(deployment.Name)));
            }
        }
        return new SupervisorView(now, groups, nodes) { IntakeLag = IntakeLag.Estimate(LiveSilences(nodes)) };
    }

    /// <summary>The instance keys a node holds prepared copies of (a spare's); most nodes hold none, and a
    /// round asks of every node, so none costs nothing.</summary>
    private static IReadOnlyCollection<string> PreparedOn(LiveAgent? live)
    {
        List<string>? prepared = null;
        foreach (InstanceState state in live?.Instances ?? [])
        {
            if (state.Phase == InstancePhase.Prepared)
            {
                (prepared ??= []).Add($"{state.Instance.Deployment}/{state.Instance.Group}/{state.Instance.Index}");
            }
        }
        return prepared ?? (IReadOnlyCollection<string>)[];
    }

    /// <summary>Each registered, unfenced node's silence and the interval it was asked to beat at.</summary>
    private List<(TimeSpan Since, TimeSpan Interval)> LiveSilences(List<NodeView> nodes) =>
        [.. nodes.Where(n => n.Registered && !n.Fenced && n.SinceLastSeen is not null).Select(n => (n.SinceLastSeen!.Value, _director.Hub.HeartbeatInterval(n.Mac)))];

    /// <summary>A member heartbeats at the fastest interval any of its groups asks for (a node may belong
    /// to several: its instance's group and the one it is a spare of).</summary>
    private void AskForHeartbeats(SupervisorView view)
    {
        var groupOf = view.Groups.ToDictionary(g => g.Key, StringComparer.Ordinal);
        // An instance key is GROUP/INDEX: its group is looked up by a slice, without a string per node.
        Dictionary<string, GroupView>.AlternateLookup<ReadOnlySpan<char>> groupOfSlice = groupOf.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (NodeView node in view.Nodes)
        {
            int? fastest = null;
            if (node.HeldBy is { } held && groupOfSlice.TryGetValue(held.AsSpan(0, held.LastIndexOf('/')), out GroupView? holding))
            {
                fastest = holding.Policy.HeartbeatMs;
            }
            if (node.SpareFor is { } spareFor && groupOf.TryGetValue(spareFor, out GroupView? sparing))
            {
                fastest = Math.Min(fastest ?? int.MaxValue, sparing.Policy.HeartbeatMs);
            }
            _director.Hub.SetHeartbeatInterval(node.Mac, fastest);
        }
    }

    private InstanceView Instance(InstanceRecord record, DateTimeOffset now)
    {
        LiveAgent? holder = record.Node is null ? null : _director.Hub.Find(record.Node);
        string? phase = null;
        foreach (InstanceState state in holder?.Instances ?? [])
        {
            if (state.Instance.Id == record.Id && state.Phase is InstancePhase.Running or InstancePhase.Failing)
            {
                phase = phase == InstancePhase.Failing ? phase : state.Phase; // failing anywhere counts as failing
            }
        }
        // Not running where the record says it runs: the node came back from a reboot (its agent starts
        // nothing by itself then) or lost the instance's files.
        bool lost = holder is not null && record.Status == InstanceStatus.Running && phase is null;
        string key = record.Key;
        DateTimeOffset? failingSince = null;
        if (phase == InstancePhase.Failing)
        {
            failingSince = _failingSince.GetOrAdd((key, record.Epoch), now);
        }
        else if (!_failingSince.IsEmpty)
        {
            _failingSince.TryRemove((key, record.Epoch), out _);
        }
        string? avoid = _avoid.TryGetValue(key, out (string Node, DateTimeOffset Until) a) && a.Until > now ? a.Node : null;
        return new InstanceView(key, record.Index, record.Node, record.Epoch, record.Status, record.PreferredNode, record.OrphanedAt, _moving.ContainsKey(key), failingSince)
        {
            Avoid = avoid,
            Lost = lost,
        };
    }

    private static Utilization Load(LiveAgent? live) => live?.Load is not { } load ? Utilization.Idle : new Utilization(
        Math.Clamp(load.CpuLoad, 0, 1),
        load.MemoryTotalBytes > 0 ? Math.Clamp((double)load.MemoryUsedBytes / load.MemoryTotalBytes, 0, 1) : 0,
        load.JobLoad is { } job ? Math.Clamp(job, 0, 1) : null);

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}

internal static partial class SupervisorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "group {Group}: {Kind}: {Message}")]
    public static partial void LogGroupEvent(this ILogger log, string group, string kind, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "service-group round failed (the next one retries): {Message}")]
    public static partial void LogRoundFailed(this ILogger log, string message);
}
