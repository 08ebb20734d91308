using System.Collections.Concurrent;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.Running;
using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

public sealed partial class ServiceGroupSupervisor
{
    /// <summary>Most instances of a group a spare holds prepared copies of.</summary>
    public const int MaxPreparedPerSpare = 8;

    /// <summary>Most spare copies prepared at once, over all groups: copies are a background nicety,
    /// and thousands at once (a large deploy ending) would starve the rounds and the moves.</summary>
    private const int MaxPreparingAtOnce = 16;

    /// <summary>Copies asked for and not yet past their heartbeat's grace (see the task's end).</summary>
    private readonly ConcurrentDictionary<string, byte> _preparing = new(StringComparer.Ordinal);

    /// <summary>Copies being rendered and sent now (what <see cref="MaxPreparingAtOnce"/> bounds).</summary>
    private int _preparingNow;

    /// <summary>
    /// Level-triggered: each live spare should hold a prepared copy of (up to
    /// <see cref="MaxPreparedPerSpare"/>) instances of its group, rendered for the spare's own address,
    /// so a failover applies and starts without fetching anything. Missing copies are prepared beside
    /// the rounds.
    /// </summary>
    private void KeepSparesPrepared(SupervisorView view, Dictionary<string, InstanceGroup> groups)
    {
        foreach (NodeView spare in view.Nodes.Where(n => n.SpareFor is not null && n.Registered && n.HeldBy is null && !n.Fenced))
        {
            // While its deployment deploys, a copy would be of an archive about to change.
            if (view.Groups.FirstOrDefault(g => g.Key == spare.SpareFor) is not { Busy: false } group || Round.HealthOf(spare, group.Policy, view.IntakeLag) != Health.Alive)
            {
                continue;
            }
            // The same first instances of the group every round (not "the next missing ones"), so a spare
            // holds at most MaxPreparedPerSpare copies however often copies come and go.
            foreach (InstanceView instance in group.Instances.OrderBy(i => i.Index).Take(MaxPreparedPerSpare).Where(i => !spare.Prepared.Contains(i.Key)))
            {
                string key = spare.Mac + " " + instance.Key;
                if (Volatile.Read(ref _preparingNow) >= MaxPreparingAtOnce)
                {
                    return;
                }
                if (!_preparing.TryAdd(key, 0))
                {
                    continue;
                }
                Interlocked.Increment(ref _preparingNow);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        (string deployment, string name, int index) = Split(instance.Key);
                        // An instance that moved since the view (perhaps onto this very spare) is not copied:
                        // a copy under its new epoch would race the move's own prepare and apply.
                        if (_director.Store.Instance(deployment, name, index) is not { } record || record.Epoch != instance.Epoch
                            || _deployer.RenderAt(record, spare.Mac) is not { Archive: { } archive })
                        {
                            return;
                        }
                        CommandResult result = await _applier.PrepareAsync(spare.Mac, archive.Spec.Instance with { Epoch = record.Epoch }, archive, _stop.Token).ConfigureAwait(false);
                        Events.Add(group.Key, result.Ok ? "spare-prepared" : "spare-prepare-failed",
                            result.Ok ? $"hot spare {spare.Mac} holds {instance.Key} prepared" : $"hot spare {spare.Mac} could not prepare {instance.Key}: {result.Error}");
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _preparingNow);
                        // Let the next rounds see the heartbeat that reports the copy before trying again.
                        await Task.Delay(TimeSpan.FromSeconds(5), _director.Clock).ConfigureAwait(false);
                        _preparing.TryRemove(key, out _);
                    }
                });
            }
        }
    }

    /// <summary>A spare no more: its prepared copies are removed there.</summary>
    private void ReleaseSpareNode(string mac, string group)
    {
        _director.Nodes.Update(mac, n => n.SpareFor == group ? n with { SpareFor = null } : n);
        foreach (InstanceState copy in _director.Hub.Find(mac)?.Instances.Where(i => i.Phase == InstancePhase.Prepared) ?? [])
        {
            _ = _director.Hub.SendAsync(mac, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Stop, Instance = copy.Instance, Remove = true },
                TimeSpan.FromMinutes(1), CancellationToken.None);
        }
    }

    /// <summary>Operators quiesce a node: it keeps what it holds, takes nothing new, leaves endpoint lists.</summary>
    public NodeAgentRecord Quiesce(string mac, bool quiesced)
    {
        NodeAgentRecord node = _director.Nodes.Update(mac, n => n with { Quiesced = quiesced });
        Events.Add(node.SpareFor ?? "-", quiesced ? "quiesced" : "unquiesced", quiesced
            ? $"{mac} is quiesced: it keeps serving what it holds, takes no new instance and leaves endpoint lists"
            : $"{mac} is unquiesced: it takes instances and joins endpoint lists again");
        return node;
    }

    /// <summary>Operators make a node a hot spare of a group (null: no longer a spare).</summary>
    public NodeAgentRecord Spare(string mac, string? group)
    {
        if (group is not null)
        {
            (string deployment, string name) = SplitGroup(group.Contains('/', StringComparison.Ordinal) ? group : throw Invalid(group));
            if (!_deployer.ServiceGroups(deployment).Any(g => g.Name == name))
            {
                throw new DirectorException(DirectorError.NotFound, $"no service group {group}; 'ubd group status' lists them");
            }
            if (_director.Store.AllInstances().Any(i => i.Node == mac))
            {
                throw new DirectorException(DirectorError.Conflict, $"{mac} holds an instance; a spare is an idle node");
            }
        }
        NodeAgentRecord node = _director.Nodes.Update(mac, n => n with { SpareFor = group });
        Events.Add(group ?? "-", "spare", group is null ? $"{mac} is no longer a hot spare (operator)" : $"{mac} is a hot spare of {group} (operator)");
        return node;
    }

    /// <summary>A node asks for its boot script: whatever it ran before is gone, so a fence on it is lifted.</summary>
    public void NodeBooting(string mac)
    {
        if (_director.Fence.IsFenced(mac))
        {
            _director.Fence.Unfence(mac);
            Events.Add("-", "unfenced", $"{mac} is booting: its previous run is over, so its fence is lifted");
        }
    }

    /// <summary>Lets a group held back by its meltdown guard move work again.</summary>
    public void Resume(string group)
    {
        lock (_round)
        {
            _core.Resume(group);
        }
        Events.Add(group, "resumed", $"an operator resumed {group}: its moves go again");
    }

    private static DirectorException Invalid(string group) => new(DirectorError.Invalid, $"'{group}' is not DEPLOYMENT/GROUP");

    /// <summary>Pushes the group's leader and members to every member (agents ignore older versions).</summary>
    private void PushGroup(string groupKey)
    {
        (string deployment, string group) = SplitGroup(groupKey);
        GroupRecord record = _director.Store.Group(deployment, group) ?? new GroupRecord(deployment, group, null, 0, null, _director.Clock.GetUtcNow());
        record = record with { Version = record.Version + 1, UpdatedAt = _director.Clock.GetUtcNow() };
        _director.Store.Begin().Put(record).Commit(durable: false); // a lost version only makes the next push look newer
        GroupInfo info = Info(record);
        foreach (InstanceRecord member in _director.Store.Instances(deployment).Where(i => i.Group == group && i.Node is not null && _director.Hub.IsAlive(i.Node)))
        {
            _pushes.Push(member.Node!, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.UpdateGroup, Instance = Reference(member), Group = info, TimeoutMs = 10_000 });
        }
    }

    private GroupInfo Info(GroupRecord record)
    {
        string key = record.Key;
        IReadOnlyList<string> available = _core.Endpoints(key);
        var members = _director.Store.Instances(record.Deployment).Where(i => i.Group == record.Group).OrderBy(i => i.Index)
            .Select(i => new GroupMember(i.Key, i.Index, i.Node is null ? "" : _director.Nodes.Find(i.Node)?.Address ?? "", available.Contains(i.Key)))
            .ToList();
        string? leaderAddress = members.FirstOrDefault(m => m.Instance == record.Leader)?.Address;
        return new GroupInfo(record.Deployment, record.Group, record.Version, record.Leader, leaderAddress, members);
    }
}
