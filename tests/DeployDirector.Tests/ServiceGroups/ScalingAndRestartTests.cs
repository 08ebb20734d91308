using DeployDirector.Contracts;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>Autoscaling through a redeploy, and a director restart: a grace while agents come back,
/// and an interrupted failover finished by the next deploy.</summary>
public sealed class ScalingAndRestartTests
{
    [Fact]
    public async Task A_loaded_group_without_spares_scales_out_and_the_redeploy_places_the_new_instance()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(1, "autoscale: { min: 1, max: 3, scale_out_above: 50%, cooldown: 1s }"));
        g.Holder(0).CpuLoad = 0.9;
        Assert.DoesNotContain(g.Round(), d => d is ScaleGroup);
        Assert.DoesNotContain(g.Round(), d => d is ScaleGroup);
        g.Pass(TimeSpan.FromSeconds(2));
        ScaleGroup scale = Assert.Single(g.Round().OfType<ScaleGroup>());
        Assert.Equal(2, scale.Instances);
        Assert.Equal(2, g.Store.Group("demo", "db")!.ScaledInstances);
        await g.TasksEndedAsync();
        DirectorTaskRecord redeploy = g.Director.Context.Tasks.List(limit: 200).Where(t => t.Kind == "deploy").OrderBy(t => t.CreatedAt).Last();
        Assert.True(redeploy.State == DirectorTaskState.Done, redeploy.Error);
        Assert.NotNull(g.Store.Instance("demo", "db", 1));
        Assert.True(g.RunsOn(1, g.Instance(1).Node!));
        Assert.NotEqual(g.Instance(0).Node, g.Instance(1).Node);
        Assert.Contains(g.Events(), e => e.Kind == "scale");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_idle_group_scales_in_drains_the_freed_node_and_gives_it_back(bool restartBeforeTheRelease)
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(2, "autoscale: { min: 1, max: 3, scale_out_above: 80%, scale_in_below: 30%, cooldown: 1s }"));
        string freed = g.Instance(1).Node!;
        string kept = g.Instance(0).Node!;
        Assert.DoesNotContain(g.Round(), d => d is ScaleGroup);
        g.Pass(TimeSpan.FromSeconds(2));
        ScaleGroup scale = Assert.Single(g.Round().OfType<ScaleGroup>());
        Assert.Equal(1, scale.Instances);

        // The leaving instance's node drains at once: quiesced, so it leaves endpoint lists and takes
        // nothing new; the nodes to give back are on disk.
        Assert.True(g.Store.Node(freed)!.Quiesced);
        Assert.Equal([freed], g.Store.Group("demo", "db")!.Releasing);
        if (restartBeforeTheRelease)
        {
            // Rounds are what give nodes back, and none ran since the decision: the new director must.
            await g.Rig.RestartDirectorAsync();
            await g.Rig.ReviveAgentsAsync();
            await g.DeployAsync(GroupRig.Manifest(2, "autoscale: { min: 1, max: 3, scale_out_above: 80%, scale_in_below: 30%, cooldown: 1s }"));
        }
        else
        {
            g.Round();
            Assert.DoesNotContain(freed, g.Supervisor.Endpoints("demo", "db").Select(e => e.Node));
        }
        await g.RoundsUntilAsync(() => g.Events().Any(e => e.Kind == "node-released"), "the freed node was given back");
        await g.TasksEndedAsync();

        Assert.Null(g.Store.Instance("demo", "db", 1));
        Assert.True(g.RunsOn(0, kept));
        Assert.Empty(g.Rig.Agent(freed).Instances);
        NodeAgentRecord node = g.Store.Node(freed)!;
        Assert.False(node.Quiesced, "bare metal goes back to the idle pool unquiesced");
        Assert.Empty(g.Store.Group("demo", "db")!.Releasing);
        Assert.NotNull(g.Rig.Tree.Node(freed).Leaf);
        Assert.Contains("power it off", g.Events().Last(e => e.Kind == "node-released").Message, StringComparison.Ordinal);
        if (!restartBeforeTheRelease)
        {
            Assert.Contains(g.Rig.Agent(freed).Received, c => c.Kind == CommandKind.Stop);
        }
    }

    [Fact]
    public async Task A_director_restart_fences_and_moves_nothing_while_agents_register_again()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(2));
        (string? Node, long Epoch)[] before = [.. Enumerable.Range(0, 2).Select(i => (g.Instance(i).Node, g.Instance(i).Epoch))];
        await g.Rig.RestartDirectorAsync();
        var decided = new List<SupervisorDecision>(g.Round());
        g.Pass(TimeSpan.FromSeconds(2));
        decided.AddRange(g.Round());
        await g.Rig.ReviveAgentsAsync();
        for (int i = 0; i < 5; i++)
        {
            decided.AddRange(g.Round());
        }
        Assert.DoesNotContain(decided, d => d is FenceNode or MoveInstance or OrphanInstance or RebootNode);
        Assert.All(g.Rig.Agents, a => Assert.Null(g.Rig.Tree.FenceOf(a.Mac)));
        Assert.Equal<(string?, long)>(before, [.. Enumerable.Range(0, 2).Select(i => (g.Instance(i).Node, g.Instance(i).Epoch))]);
        Assert.True(g.RunsOn(0, before[0].Node!) && g.RunsOn(1, before[1].Node!));
    }

    [Fact]
    public async Task A_failover_interrupted_by_a_restart_is_finished_by_the_next_deploy()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(2);
        await g.DeployAsync(GroupRig.Manifest(1));
        FakeAgent dead = g.Holder(0);
        FakeAgent target = g.Rig.Agents.Single(a => a != dead);
        var hold = new TaskCompletionSource();
        target.HoldStart = hold;
        await dead.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        g.Round();
        await g.RoundsUntilAsync(() => target.Received.Any(c => c.Kind == CommandKind.Start), "the failover's start is held on the target");
        InstanceRecord assigned = g.Instance(0);
        Assert.Equal((target.Mac, InstanceStatus.Assigning), (assigned.Node, assigned.Status));

        await g.Rig.RestartDirectorAsync();
        Assert.Contains(g.Director.Context.Tasks.List(limit: 200), t => t.Kind == "failover" && t.State == DirectorTaskState.Error);
        hold.SetResult();
        await DirectorRig.WaitUntilAsync(() => target.Timeline.Any(s => s.Command.Kind == CommandKind.Start), "the held start ends on its agent");
        await g.Rig.ReviveAgentsAsync(a => a.Mac == target.Mac);
        await g.DeployAsync(GroupRig.Manifest(1));
        Assert.True(g.RunsOn(0, target.Mac));
        Assert.Equal(assigned.Epoch, g.Instance(0).Epoch);
        Assert.NotNull(g.Rig.Tree.FenceOf(dead.Mac));
    }
}
