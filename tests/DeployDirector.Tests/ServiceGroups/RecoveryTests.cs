using DeployDirector.Contracts;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>The real director after failures other than a single death: a meltdown, a fenced node that
/// talks again, a preferred owner coming back, jobs crash-looping on a live host.</summary>
public sealed class RecoveryTests
{
    [Fact]
    public async Task Two_of_three_members_dying_at_once_move_nothing_until_an_operator_resumes_the_group()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(5);
        await g.DeployAsync(GroupRig.Manifest(3));
        FakeAgent[] dead = [g.Holder(0), g.Holder(1)];
        long[] epochs = [g.Instance(0).Epoch, g.Instance(1).Epoch];
        foreach (FakeAgent agent in dead)
        {
            await agent.DieAsync();
        }
        g.Pass(FailoverTests.DeadTime);
        var decided = new List<SupervisorDecision>();
        for (int i = 0; i < 5; i++)
        {
            decided.AddRange(g.Round());
        }
        // The guard holds every move, so it fences nobody either: a fence guards a move.
        Assert.DoesNotContain(decided, d => d is MoveInstance or OrphanInstance or FenceNode);
        Assert.All(dead, d => Assert.Null(g.Rig.Tree.FenceOf(d.Mac)));
        Assert.Single(decided, d => d is RaiseAlert { Alert: "meltdown" });
        Assert.Equal((epochs[0], epochs[1]), (g.Instance(0).Epoch, g.Instance(1).Epoch));
        GroupStatus status = g.Supervisor.Status("demo", "db");
        Assert.True(status.Meltdown);
        Assert.Contains(status.Alerts, e => e.Kind == "alert:meltdown" && e.Message.Contains("2 of 3 members", StringComparison.Ordinal));

        g.Supervisor.Resume("demo/db");
        await g.RoundsUntilAsync(() => g.Instance(0).Node is { } a && g.Instance(1).Node is { } b && g.RunsOn(0, a) && g.RunsOn(1, b)
            && !dead.Any(d => d.Mac == a || d.Mac == b), "both instances run on the idle nodes");
        Assert.False(g.Supervisor.Status("demo", "db").Meltdown);
        Assert.All(dead, d => Assert.NotNull(g.Rig.Tree.FenceOf(d.Mac)));
        Assert.Contains(g.Events(), e => e.Kind == "resumed");
    }

    [Fact]
    public async Task A_fenced_node_that_talks_again_is_rebooted_its_boot_lifts_the_fence_and_it_becomes_a_spare()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(2);
        await g.DeployAsync(GroupRig.Manifest(1, "spares: 1"));
        FakeAgent away = g.Holder(0);
        FakeAgent spare = g.Rig.Agents.Single(a => a != away);
        await g.RoundsUntilAsync(() => g.Director.Context.Nodes.Find(spare.Mac)?.SpareFor == "demo/db", "the other node is a spare");
        await away.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        g.Round();
        Assert.NotNull(g.Rig.Tree.FenceOf(away.Mac));
        await g.RoundsUntilAsync(() => g.RunsOn(0, spare.Mac), "instance 0 runs on the spare");
        await g.TasksEndedAsync();

        await g.Rig.ReviveAgentsAsync(a => a.Mac == away.Mac);
        FakeAgent back = g.Rig.Agent(away.Mac);
        back.OnBoot = () => g.Supervisor.NodeBooting(back.Mac);
        string bootId = back.BootId;
        List<SupervisorDecision> decided = await g.RoundsUntilAsync(() => back.Received.Any(c => c.Kind == CommandKind.Reboot), "the fenced node is told to reboot");
        Assert.Single(decided, d => d is RebootNode r && r.Mac == away.Mac);
        await DirectorRig.WaitUntilAsync(() => g.Director.Context.Hub.Find(away.Mac)?.BootId is { } id && id != bootId, "the node boots again");
        Assert.Null(g.Rig.Tree.FenceOf(away.Mac));
        Assert.Contains(g.Supervisor.Events.List(), e => e.Kind == "unfenced" && e.Message.Contains(away.Mac, StringComparison.Ordinal));

        await g.RoundsUntilAsync(() => g.Director.Context.Nodes.Find(away.Mac)?.SpareFor == "demo/db"
            && back.Instances.Count == 1 && back.Instances.Single().Phase == InstancePhase.Prepared, "the rebooted node is a spare holding a prepared copy");
        Assert.True(g.RunsOn(0, spare.Mac));
        Assert.Equal(1, decided.Count(d => d is RebootNode));
    }

    [Fact]
    public async Task With_give_back_the_holder_stops_first_then_the_instance_runs_on_its_returning_preferred_node()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(2);
        await g.DeployAsync(GroupRig.Manifest(1, "failover: { give_back: true }"));
        FakeAgent preferred = g.Holder(0);
        FakeAgent stand = g.Rig.Agents.Single(a => a != preferred);
        Assert.Equal(preferred.Mac, g.Instance(0).PreferredNode);
        await preferred.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        g.Round();
        await g.RoundsUntilAsync(() => g.RunsOn(0, stand.Mac), "instance 0 runs on the other node");
        await g.TasksEndedAsync();
        long standEpoch = g.Instance(0).Epoch;

        await g.Rig.ReviveAgentsAsync(a => a.Mac == preferred.Mac);
        FakeAgent back = g.Rig.Agent(preferred.Mac);
        back.OnBoot = () => g.Supervisor.NodeBooting(back.Mac);
        List<SupervisorDecision> decided = await g.RoundsUntilAsync(() => g.RunsOn(0, preferred.Mac), "instance 0 runs on its preferred node again");
        MoveInstance move = Assert.Single(decided.OfType<MoveInstance>());
        Assert.Equal((MoveKind.GiveBack, stand.Mac, preferred.Mac), (move.Kind, move.From, move.To));
        CommandSpan stop = Assert.Single(stand.Timeline, s => s.Command.Kind == CommandKind.Stop);
        Assert.Equal((true, standEpoch), (stop.Command.Remove, stop.Command.Instance!.Epoch));
        CommandSpan apply = g.Rig.Agent(preferred.Mac).Timeline.Single(s => s.Command.Kind == CommandKind.Apply && s.Command.Instance!.Epoch == g.Instance(0).Epoch);
        Assert.True(stop.Ended < apply.Began, $"stop ended at {stop.Ended}, apply began at {apply.Began}");
        Assert.Empty(stand.Instances);
    }

    [Fact]
    public async Task An_instance_failing_longer_than_failing_after_moves_and_its_old_holder_stops_it_first()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(2);
        await g.DeployAsync(GroupRig.Manifest(1, "failover: { failing_after: 5s }"));
        InstanceRecord before = g.Instance(0);
        FakeAgent sick = g.Holder(0);
        FakeAgent other = g.Rig.Agents.Single(a => a != sick);
        sick.Crash(before.Id);
        for (int i = 0; i < 3; i++)
        {
            Assert.DoesNotContain(g.Round(), d => d is MoveInstance);
        }
        g.Pass(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(g.Round(), d => d is MoveInstance);

        g.Pass(TimeSpan.FromSeconds(3));
        List<SupervisorDecision> decided = await g.RoundsUntilAsync(() => g.RunsOn(0, other.Mac), "instance 0 runs on the other node");
        MoveInstance move = Assert.Single(decided.OfType<MoveInstance>());
        Assert.Equal((MoveKind.Failing, sick.Mac, other.Mac), (move.Kind, move.From, move.To));
        CommandSpan stop = Assert.Single(sick.Timeline, s => s.Command.Kind == CommandKind.Stop);
        Assert.Equal((true, before.Epoch), (stop.Command.Remove, stop.Command.Instance!.Epoch));
        CommandSpan start = other.Timeline.Single(s => s.Command.Kind == CommandKind.Start);
        Assert.True(stop.Ended < start.Began, $"stop ended at {stop.Ended}, start began at {start.Began}");
        Assert.Null(g.Rig.Tree.FenceOf(sick.Mac));
    }
}
