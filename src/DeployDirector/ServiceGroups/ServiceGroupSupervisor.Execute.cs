using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tasks;

namespace DeployDirector.ServiceGroups;

public sealed partial class ServiceGroupSupervisor
{
    /// <summary>How long a node a move failed on is passed over for that instance.</summary>
    private static readonly TimeSpan AvoidFor = TimeSpan.FromSeconds(60);

    /// <summary>A group's endpoint changes reach its members at most this often (a leader change at once).
    /// Each push is a command to every member; while a rack dies, endpoints change in nearly every round,
    /// and pushing each change to 100 members of each of 100 groups made a storm of commands that kept the
    /// director and its agents too busy to take heartbeats in on time. Agents keep only the newest version,
    /// so the push that goes carries every change before it.</summary>
    internal static readonly TimeSpan PushInterval = TimeSpan.FromSeconds(1);

    // Round thread only (rounds run under the round lock).
    private readonly Dictionary<string, DateTimeOffset> _pushedAt = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pushDue = new(StringComparer.Ordinal);

    private void Execute(IReadOnlyList<SupervisorDecision> decisions, Dictionary<string, InstanceGroup> groups)
    {
        var moves = new List<(MoveInstance Move, InstanceRecord Previous, InstanceRecord Assigned)>();
        foreach (SupervisorDecision decision in decisions)
        {
            switch (decision)
            {
                case FenceNode fence:
                    _director.Fence.Fence(fence.Mac, fence.Reason);
                    Events.Add(fence.Group, "fenced", fence.Reason);
                    break;
                case MoveInstance move when Reassign(move) is { } assigned:
                    moves.Add((move, assigned.Previous, assigned.Assigned));
                    Events.Add(move.Group, move.Kind.ToString().ToLowerInvariant(), move.Reason);
                    break;
                case OrphanInstance orphan:
                    Events.Add(orphan.Group, "orphaned", orphan.Reason); // it waits on its holder: nothing to write
                    break;
                case ReclaimInstance reclaim:
                    Events.Add(reclaim.Group, "reclaimed", reclaim.Reason);
                    break;
                case DesignateSpare spare:
                    _director.Nodes.Update(spare.Mac, n => n with { SpareFor = spare.Group });
                    Events.Add(spare.Group, "spare", spare.Reason);
                    break;
                case ReleaseSpare release:
                    ReleaseSpareNode(release.Mac, release.Group);
                    Events.Add(release.Group, "spare-released", release.Reason);
                    break;
                case AssignLeader leader:
                    SetLeader(leader.Group, leader.Instance);
                    Events.Add(leader.Group, "leader", leader.Reason);
                    _pushDue.Add(leader.Group);
                    _pushedAt.Remove(leader.Group); // members learn of a new leader at once
                    break;
                case EndpointsChanged endpoints:
                    Events.Add(endpoints.Group, "endpoints", endpoints.Reason);
                    _pushDue.Add(endpoints.Group);
                    break;
                case RaiseAlert alert:
                    Events.Add(alert.Group, "alert:" + alert.Alert, alert.Reason);
                    break;
                case ScaleGroup scale:
                    Scale(scale);
                    break;
                case RebootNode reboot:
                    Events.Add(reboot.Group, "reboot", reboot.Reason);
                    _ = _director.Hub.SendAsync(reboot.Mac, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Reboot }, TimeSpan.FromMinutes(1), CancellationToken.None);
                    break;
            }
        }
        foreach (IGrouping<string, (MoveInstance Move, InstanceRecord Previous, InstanceRecord Assigned)> deployment in moves.GroupBy(m => m.Assigned.Deployment))
        {
            StartMoves(deployment.Key, [.. deployment], groups);
        }
        PushDueGroups();
    }

    private void PushDueGroups()
    {
        DateTimeOffset now = _director.Clock.GetUtcNow();
        foreach (string group in _pushDue.ToList())
        {
            if (!_pushedAt.TryGetValue(group, out DateTimeOffset last) || now - last >= PushInterval)
            {
                PushGroup(group);
                _pushedAt[group] = now;
                _pushDue.Remove(group);
            }
        }
    }

    /// <summary>Write-ahead: the new holder and a new epoch are on disk (synced) before any agent hears
    /// of the move; the target stops being a spare in the same batch. Null when the record changed
    /// since the view, or the target was taken since (nothing is done then).</summary>
    private (InstanceRecord Previous, InstanceRecord Assigned)? Reassign(MoveInstance move)
    {
        (string deployment, string group, int index) = Split(move.Instance);
        if (_director.Store.Instance(deployment, group, index) is not { } previous || previous.Node != move.From || !_moving.TryAdd(move.Instance, 0))
        {
            return null;
        }
        InstanceRecord assigned = previous with
        {
            Node = move.To,
            Epoch = _director.Store.NextEpoch(),
            ArchiveSha256 = null,
            Status = InstanceStatus.Assigning,
            PreferredNode = previous.PreferredNode ?? move.From ?? move.To,
            OrphanedAt = null,
            UpdatedAt = _director.Clock.GetUtcNow(),
        };
        DirectorStore.Change change = _director.Store.Begin().Put(assigned);
        if (_director.Nodes.Find(move.To) is { SpareFor: not null } target)
        {
            change.Put(target with { SpareFor = null });
        }
        try
        {
            change.Commit();
        }
        catch (NodeTakenException taken)
        {
            // A deploy placed an instance there since the round's view: the next round chooses again.
            _moving.TryRemove(move.Instance, out _);
            Events.Add(move.Group, "move-deferred", $"{move.Instance} does not move to {move.To}: {taken.Message}; the next round chooses again");
            return null;
        }
        return (previous, assigned);
    }

    /// <summary>One "failover" task per deployment and round; its moves run side by side, and beside the
    /// moves of other rounds (each instance moves at most once at a time).</summary>
    private void StartMoves(string deployment, List<(MoveInstance Move, InstanceRecord Previous, InstanceRecord Assigned)> moves, Dictionary<string, InstanceGroup> groups)
    {
        string what = string.Join("; ", moves.Select(m => $"{m.Move.Instance} → {m.Move.To}"));
        _director.Tasks.Start("failover", deployment, $"service groups: {what}", async task =>
        {
            await Task.WhenAll(moves.Select(m => MoveAsync(m.Move, m.Previous, m.Assigned, groups.GetValueOrDefault(m.Move.Group), task))).ConfigureAwait(false);
            return System.Text.Json.JsonSerializer.Serialize(moves.Select(m => new { instance = m.Move.Instance, from = m.Move.From, to = m.Move.To, kind = m.Move.Kind.ToString().ToLowerInvariant() }), Api.DirectorJson.Options);
        }, exclusive: false); // moves of different instances never wait for each other
    }

    private async Task MoveAsync(MoveInstance move, InstanceRecord previous, InstanceRecord assigned, InstanceGroup? group, TaskContext task)
    {
        try
        {
            // A live holder (failing jobs, give-back, rebalance) stops the instance before the new one
            // starts; a dead one is fenced (or past its lease) already.
            if (move.From is { } from && move.Kind is not (MoveKind.Failover or MoveKind.Restore))
            {
                await _applier.RemoveAsync(from, Reference(previous), task).ConfigureAwait(false);
            }
            InstanceChange change = _deployer.RenderFor(assigned)
                ?? throw new DirectorException(DirectorError.Unavailable, $"{move.Instance} could not be rendered for {move.To} (is the deployment's release still uploaded?)");
            int high = (group?.Update ?? UpdatePolicy.Default).UpdateWatchTime.HighMs;
            await _applier.ApplyAsync(assigned, change, new WatchTime(0, high), Manifest.LeafPolicies.Keep, task).ConfigureAwait(false);
            Events.Add(move.Group, "running", $"{move.Instance} runs on {move.To} (epoch {assigned.Epoch})");
            DropSpareCopies(move.To, assigned.Id);
        }
        catch (Exception e) when (e is DirectorException or OperationCanceledException)
        {
            _avoid[move.Instance] = (move.To, _director.Clock.GetUtcNow() + AvoidFor);
            if (_director.Store.Instance(assigned.Deployment, assigned.Group, assigned.Index) is { } current && current.Epoch == assigned.Epoch)
            {
                Orphan(move.Instance, move.To);
                _ = _director.Hub.SendAsync(move.To, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Stop, Instance = Reference(assigned), Remove = true },
                    TimeSpan.FromMinutes(2), CancellationToken.None);
            }
            Events.Add(move.Group, "move-failed", $"{move.Instance} did not start on {move.To}: {e.Message}; it waits for another node");
            throw;
        }
        finally
        {
            _moving.TryRemove(move.Instance, out _);
        }
    }

    /// <summary>A spare that took an instance is a holder now: its prepared copies of the group's other
    /// instances would only sit there (a node holds one instance), so they are removed.</summary>
    private void DropSpareCopies(string node, string kept)
    {
        foreach (InstanceState copy in _director.Hub.Find(node)?.Instances.Where(i => i.Phase == InstancePhase.Prepared && i.Instance.Id != kept) ?? [])
        {
            _ = _director.Hub.SendAsync(node, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Stop, Instance = copy.Instance, Remove = true },
                TimeSpan.FromMinutes(1), CancellationToken.None);
        }
    }

    /// <summary>No holder: a new epoch makes whatever the old holder still runs stale.</summary>
    private void Orphan(string instance, string? from)
    {
        (string deployment, string group, int index) = Split(instance);
        if (_director.Store.Instance(deployment, group, index) is { } record && record.Node == from)
        {
            _director.Store.Begin().Put(record with
            {
                Node = null,
                Epoch = _director.Store.NextEpoch(),
                ArchiveSha256 = null,
                Status = InstanceStatus.Orphaned,
                OrphanedAt = record.OrphanedAt ?? _director.Clock.GetUtcNow(),
                UpdatedAt = _director.Clock.GetUtcNow(),
            }).Commit();
        }
    }

    private void SetLeader(string groupKey, string? instance)
    {
        (string deployment, string group) = SplitGroup(groupKey);
        GroupRecord record = _director.Store.Group(deployment, group) ?? new GroupRecord(deployment, group, null, 0, null, _director.Clock.GetUtcNow());
        _director.Store.Begin().Put(record with { Leader = instance, Version = record.Version + 1, UpdatedAt = _director.Clock.GetUtcNow() }).Commit();
    }

    private static InstanceRef Reference(InstanceRecord record) => new(record.Deployment, record.Group, record.Index, record.Id, record.Epoch);

    internal static (string Deployment, string Group, int Index) Split(string instance)
    {
        int last = instance.LastIndexOf('/');
        int first = instance.LastIndexOf('/', last - 1);
        return (instance[..first], instance[(first + 1)..last], int.Parse(instance[(last + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    internal static (string Deployment, string Group) SplitGroup(string group)
    {
        int slash = group.LastIndexOf('/');
        return (group[..slash], group[(slash + 1)..]);
    }
}
