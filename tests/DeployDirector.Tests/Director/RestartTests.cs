using DeployDirector.Contracts;
using DeployDirector.State;

namespace DeployDirector.Tests.Director;

/// <summary>The director stops (as a crash would) in the middle of a deploy, or a node is away while
/// its instance moves: after it, no instance is held twice and deploying again converges.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_restart_mid_deploy_fails_the_old_task_and_deploying_again_converges()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        var hold = new TaskCompletionSource();
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.HoldStart = hold;
        }
        DirectorTaskRecord task = rig.StartDeploy(DirectorRig.Demo());
        await DirectorRig.WaitUntilAsync(() => rig.Agents.Any(a => a.Received.Any(c => c.Kind == CommandKind.Start)), "a start is held");
        FakeAgent holding = rig.Agents.Single(a => a.Received.Any(c => c.Kind == CommandKind.Start));
        await rig.RestartDirectorAsync();

        DirectorTaskRecord old = rig.Director.Context.Tasks.Find(task.Id)!;
        Assert.Equal(DirectorTaskState.Error, old.State);
        Assert.Contains("the director stopped while this task ran", old.Error, StringComparison.Ordinal);
        AssertNoNodeHoldsTwo(rig.Store.AllInstances());

        // The held start finishes on the agent (it never stopped); the agents then find the new director.
        hold.SetResult();
        await DirectorRig.WaitUntilAsync(() => holding.Timeline.Any(s => s.Command.Kind == CommandKind.Start), "the held start ends on its agent");
        await rig.ReviveAgentsAsync();
        InstanceState held = Assert.Single(rig.Agent(holding.Mac).Instances);
        InstanceRecord record = rig.Store.Instance("demo", held.Instance.Group, held.Instance.Index)!;
        Assert.Equal((holding.Mac, record.Epoch), (record.Node, held.Instance.Epoch));

        DirectorTaskRecord again = await rig.DeployAsync(DirectorRig.Demo());
        Assert.True(again.State == DirectorTaskState.Done, again.Error);
        IReadOnlyList<InstanceRecord> instances = rig.Store.Instances("demo");
        Assert.All(instances, i => Assert.Equal(InstanceStatus.Running, i.Status));
        AssertNoNodeHoldsTwo(instances);
        Assert.DoesNotContain(rig.Agents.SelectMany(a => a.Received), c => c.Kind == CommandKind.Stop);
        AssertEachInstanceReportedOnceWhereItsRecordSays(rig, instances);
    }

    [Fact]
    public async Task A_node_that_comes_back_with_an_instance_moved_elsewhere_is_told_to_stop_and_remove_it()
    {
        await using var rig = new DirectorRig();
        rig.Boot(2);
        foreach (FakeAgent agent in rig.Agents)
        {
            rig.Deployer.Label(agent.Mac, new Dictionary<string, string?> { ["role"] = "db" });
        }
        DirectorTaskRecord first = await rig.DeployAsync(Db);
        Assert.True(first.State == DirectorTaskState.Done, first.Error);
        InstanceRecord before = rig.Store.Instance("demo", "db", 0)!;
        FakeAgent away = rig.Agent(before.Node!);
        await away.DieAsync();
        await DirectorRig.WaitUntilAsync(() => !rig.Director.Context.Hub.IsAlive(away.Mac), "the director counts the node dead");
        rig.Deployer.Label(away.Mac, new Dictionary<string, string?> { ["role"] = null });

        DirectorTaskRecord moved = await rig.DeployAsync(Db);
        Assert.True(moved.State == DirectorTaskState.Done, moved.Error);
        InstanceRecord after = rig.Store.Instance("demo", "db", 0)!;
        Assert.NotEqual(away.Mac, after.Node);
        Assert.True(after.Epoch > before.Epoch, $"epoch {after.Epoch} after the move, {before.Epoch} before");

        await rig.ReviveAgentsAsync(a => a.Mac == away.Mac);
        FakeAgent back = rig.Agent(away.Mac);
        await DirectorRig.WaitUntilAsync(() => back.Instances.Count == 0, "the returning node drops the instance");
        AgentCommand stop = Assert.Single(back.Received);
        Assert.Equal((CommandKind.Stop, true), (stop.Kind, stop.Remove));
        Assert.Equal((before.Id, before.Epoch), (stop.Instance!.Id, stop.Instance.Epoch));
        AssertEachInstanceReportedOnceWhereItsRecordSays(rig, rig.Store.Instances("demo"));
    }

    [Fact]
    public async Task A_node_away_while_its_deployment_is_deleted_removes_the_instance_when_it_comes_back()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        DirectorTaskRecord first = await rig.DeployAsync(DirectorRig.Demo());
        Assert.True(first.State == DirectorTaskState.Done, first.Error);
        InstanceRecord backend = rig.Store.Instance("demo", "backend", 0)!;
        FakeAgent away = rig.Agent(backend.Node!);
        await away.DieAsync();
        await DirectorRig.WaitUntilAsync(() => !rig.Director.Context.Hub.IsAlive(away.Mac), "the director counts the node dead");
        DirectorTaskRecord deleted = await rig.WaitAsync(rig.Deployer.Delete("demo"));
        Assert.True(deleted.State == DirectorTaskState.Done, deleted.Error);
        Assert.Contains(deleted.Events, e => e.Message.Contains($"node {away.Mac} is not answering", StringComparison.Ordinal));
        Assert.Empty(rig.Store.AllInstances());

        await rig.ReviveAgentsAsync(a => a.Mac == away.Mac);
        FakeAgent back = rig.Agent(away.Mac);
        await DirectorRig.WaitUntilAsync(() => back.Instances.Count == 0, "the returning node drops the deleted instance");
        AgentCommand stop = Assert.Single(back.Received);
        Assert.Equal((CommandKind.Stop, true, backend.Id), (stop.Kind, stop.Remove, stop.Instance!.Id));
    }

    internal const string Db = """
        name: demo
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 1, canary_watch_time: 0-5000, update_watch_time: 0-5000 }
        instance_groups:
          - name: db
            instances: 1
            stemcell: default
            placement: { labels: { role: db } }
            jobs:
              - { name: backend, release: demo }
        """;

    private static void AssertNoNodeHoldsTwo(IReadOnlyList<InstanceRecord> instances)
    {
        List<string> nodes = [.. instances.Where(i => i.Node is not null).Select(i => i.Node!)];
        Assert.Equal(nodes.Count, nodes.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>Each record's instance is reported by its own node, with its epoch, and by no other node.</summary>
    private static void AssertEachInstanceReportedOnceWhereItsRecordSays(DirectorRig rig, IReadOnlyList<InstanceRecord> instances)
    {
        foreach (InstanceRecord instance in instances)
        {
            (string Mac, InstanceState State) only = Assert.Single(rig.Reported(), r => r.State.Instance.Id == instance.Id);
            Assert.Equal((instance.Node, instance.Epoch), (only.Mac, only.State.Instance.Epoch));
        }
        Assert.Equal(instances.Count, rig.Reported().Count());
    }
}
