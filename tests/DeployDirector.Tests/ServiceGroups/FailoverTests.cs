using DeployDirector.Contracts;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>A holder dies: the real director fences it, then moves its instance to a hot spare, to the
/// least-utilized idle node, or nowhere (orphaned) until a node appears.</summary>
public sealed class FailoverTests
{
    /// <summary>Past dead_after (3 × 1000 ms by default).</summary>
    internal static readonly TimeSpan DeadTime = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_dead_holder_is_fenced_and_its_instance_starts_on_the_hot_spare_from_the_prepared_copy()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(2, "spares: 1"));
        FakeAgent spare = g.Rig.Agents.Single(a => a.Instances.Count == 0);
        await g.RoundsUntilAsync(() => g.Director.Context.Nodes.Find(spare.Mac)?.SpareFor == "demo/db"
            && g.Director.Context.Hub.Find(spare.Mac)!.Instances.Count(i => i.Phase == InstancePhase.Prepared && i.ArchiveSha256 is not null) == 2,
            "the spare reports both instances prepared");
        Assert.Equal([spare.Mac], g.Supervisor.Status("demo", "db").Spares);

        InstanceRecord before = g.Instance(0);
        FakeAgent dead = g.Holder(0);
        await dead.DieAsync();
        g.Pass(DeadTime);
        // One round fences the node and moves its instance; the fence comes first and is in place
        // before the move starts.
        IReadOnlyList<SupervisorDecision> first = g.Round();
        int fenceAt = first.ToList().FindIndex(d => d is FenceNode f && f.Mac == dead.Mac);
        int moveAt = first.ToList().FindIndex(d => d is MoveInstance { Kind: MoveKind.Failover } m && m.From == dead.Mac);
        Assert.True(fenceAt >= 0 && moveAt > fenceAt, string.Join("; ", first));
        Assert.NotNull(g.Rig.Tree.FenceOf(dead.Mac));

        await g.RoundsUntilAsync(() => g.RunsOn(0, spare.Mac), "instance 0 runs on the spare");
        InstanceRecord after = g.Instance(0);
        Assert.True(after.Epoch > before.Epoch, $"epoch {after.Epoch} after the failover, {before.Epoch} before");
        Assert.Equal(before.Id, after.Id);
        AgentCommand prepared = Assert.Single(spare.Received, c => c.Kind == CommandKind.Prepare && c.Instance!.Id == before.Id);
        Assert.Equal(before.Epoch, prepared.Instance!.Epoch);
        Assert.Contains(spare.Received, c => c.Kind == CommandKind.Start && c.Instance!.Id == before.Id && c.Instance.Epoch == after.Epoch);
        Assert.Null(g.Director.Context.Nodes.Find(spare.Mac)!.SpareFor);
        await DirectorRig.WaitUntilAsync(() => spare.Instances.Count == 1, "the former spare drops its copy of the other instance");
        Assert.Equal(after.Id, spare.Instances.Single().Instance.Id);

        GroupStatus status = g.Supervisor.Status("demo", "db");
        GroupMemberStatus member = status.Members.Single(m => m.Index == 0);
        Assert.Equal((spare.Mac, after.Epoch, "running"), (member.Node, member.Epoch, member.Status));
        List<string> kinds = [.. g.Events().Select(e => e.Kind)];
        int fenced = kinds.IndexOf("fenced");
        int failover = kinds.IndexOf("failover");
        int running = kinds.LastIndexOf("running");
        Assert.True(fenced >= 0 && fenced < failover && failover < running, string.Join(", ", kinds));
        GroupEvent fence = g.Events()[fenced];
        Assert.Contains($"{dead.Mac} missed 3 heartbeats", fence.Message, StringComparison.Ordinal);
        Assert.Contains($"hot spare {spare.Mac}", g.Events()[failover].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_spare_the_instance_goes_to_the_least_utilized_idle_node()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(1));
        FakeAgent dead = g.Holder(0);
        List<FakeAgent> idle = [.. g.Rig.Agents.Where(a => a != dead).OrderBy(a => a.Mac, StringComparer.Ordinal)];
        idle[0].CpuLoad = 0.6;
        idle[1].CpuLoad = 0.2;
        await dead.DieAsync();
        g.Pass(DeadTime);
        List<SupervisorDecision> decided = [.. g.Round()];
        Assert.Contains(decided, d => d is FenceNode f && f.Mac == dead.Mac);

        decided.AddRange(await g.RoundsUntilAsync(() => g.RunsOn(0, idle[1].Mac), "instance 0 runs on the idler node"));
        MoveInstance move = Assert.Single(decided.OfType<MoveInstance>());
        Assert.Equal((MoveKind.Failover, dead.Mac, idle[1].Mac), (move.Kind, move.From, move.To));
        Assert.Contains("least utilized", move.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(idle[0].Received, c => c.Instance?.Id == g.Instance(0).Id);
    }

    [Fact]
    public async Task With_no_eligible_node_the_instance_is_orphaned_on_its_holder_unfenced_then_fenced_and_moved_when_a_node_registers()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(1);
        await g.DeployAsync(GroupRig.Manifest(1));
        FakeAgent dead = g.Holder(0);
        long epoch = g.Instance(0).Epoch;
        await dead.DieAsync();
        g.Pass(DeadTime);
        List<SupervisorDecision> decided = [.. g.Round()];
        decided.AddRange(await g.RoundsUntilAsync(() => g.Supervisor.Status("demo", "db").Orphans.Count == 1, "instance 0 is orphaned"));
        Assert.Single(decided, d => d is OrphanInstance o && o.From == dead.Mac);
        Assert.DoesNotContain(decided, d => d is FenceNode);
        // Nothing moves, so nothing is fenced or written: the orphan waits on its holder at its epoch.
        Assert.Equal((dead.Mac, epoch), (g.Instance(0).Node, g.Instance(0).Epoch));
        Assert.Null(g.Rig.Tree.FenceOf(dead.Mac));
        Assert.Equal(["demo/db/0"], g.Supervisor.Status("demo", "db").Orphans);
        Assert.Contains(g.Events(), e => e.Kind == "orphaned");
        Assert.DoesNotContain(g.Round(), d => d is OrphanInstance); // reported once

        FakeAgent fresh = g.Rig.Boot(1)[0];
        decided = await g.RoundsUntilAsync(() => g.RunsOn(0, fresh.Mac), "instance 0 runs on the new node");
        int fence = decided.FindIndex(d => d is FenceNode f && f.Mac == dead.Mac);
        int move = decided.FindIndex(d => d is MoveInstance { Kind: MoveKind.Failover } m && m.From == dead.Mac && m.To == fresh.Mac);
        Assert.True(fence >= 0 && move > fence, "the holder is fenced before its orphan moves");
        Assert.NotNull(g.Rig.Tree.FenceOf(dead.Mac));
        Assert.Empty(g.Supervisor.Status("demo", "db").Orphans);
    }

    [Fact]
    public async Task An_orphan_whose_holder_answers_again_is_reclaimed_there_with_its_disk_never_fenced()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(1);
        await g.DeployAsync(GroupRig.Manifest(1));
        FakeAgent late = g.Holder(0);
        long epoch = g.Instance(0).Epoch;
        late.Muted = true;
        g.Pass(DeadTime);
        await g.RoundsUntilAsync(() => g.Supervisor.Status("demo", "db").Orphans.Count == 1, "instance 0 is orphaned");
        late.Muted = false;
        List<SupervisorDecision> decided = await g.RoundsUntilAsync(() => g.Supervisor.Status("demo", "db").Orphans.Count == 0, "instance 0 is no longer orphaned");
        Assert.Contains(decided, d => d is ReclaimInstance r && r.Holder == late.Mac);
        Assert.Equal((late.Mac, epoch, InstanceStatus.Running), (g.Instance(0).Node, g.Instance(0).Epoch, g.Instance(0).Status));
        Assert.Null(g.Rig.Tree.FenceOf(late.Mac));
        Assert.Contains(g.Events(), e => e.Kind == "reclaimed");
        Assert.Empty(g.Supervisor.Status("demo", "db").Orphans);
    }

    [Fact]
    public async Task Without_fencing_the_move_waits_until_the_lease_has_passed()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(2);
        await g.DeployAsync(GroupRig.Manifest(1, "failover: { fence: false, lease: 6s }"));
        InstanceRecord before = g.Instance(0);
        FakeAgent dead = g.Holder(0);
        FakeAgent other = g.Rig.Agents.Single(a => a != dead);
        await dead.DieAsync();
        g.Pass(DeadTime);
        for (int i = 0; i < 3; i++)
        {
            Assert.DoesNotContain(g.Round(), d => d is FenceNode or MoveInstance or OrphanInstance);
        }
        Assert.Null(g.Rig.Tree.FenceOf(dead.Mac));
        Assert.Equal((dead.Mac, before.Epoch), (g.Instance(0).Node, g.Instance(0).Epoch));
        Assert.DoesNotContain(other.Received, c => c.Instance?.Id == before.Id);

        g.Pass(TimeSpan.FromSeconds(3));
        List<SupervisorDecision> decided = await g.RoundsUntilAsync(() => g.RunsOn(0, other.Mac), "instance 0 runs on the other node once the lease passed");
        Assert.Contains(decided, d => d is MoveInstance { Kind: MoveKind.Failover } m && m.Reason.Contains("lease ran out", StringComparison.Ordinal));
        Assert.DoesNotContain(decided, d => d is FenceNode);
        Assert.Null(g.Rig.Tree.FenceOf(dead.Mac));
    }
}
