using DeployDirector.Contracts;
using DeployDirector.State;

namespace DeployDirector.Tests.Director;

/// <summary>Epochs are the fencing tokens: every command carries its instance's, a move takes a newer
/// one, and a restarted director never hands out one it gave before.</summary>
public sealed class EpochTests
{
    [Fact]
    public async Task Every_command_for_an_instance_carries_its_record_s_epoch()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.Demo(web: 2));
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        task = await rig.DeployAsync(DirectorRig.Demo(web: 3, title: "Changed"));
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        var records = rig.Store.Instances("demo").ToDictionary(i => i.Id);
        List<AgentCommand> commands = [.. rig.Agents.SelectMany(a => a.Received).Where(c => c.Instance is not null)];
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal(records[c.Instance!.Id].Epoch, c.Instance.Epoch));
        Assert.Equal(records.Count, records.Values.Select(r => r.Epoch).Distinct().Count());
    }

    [Fact]
    public async Task A_moved_instance_takes_a_greater_epoch_and_its_old_node_is_told_to_remove_it()
    {
        await using var rig = new DirectorRig();
        rig.Boot(2);
        foreach (FakeAgent agent in rig.Agents)
        {
            rig.Deployer.Label(agent.Mac, new Dictionary<string, string?> { ["role"] = "db" });
        }
        DirectorTaskRecord task = await rig.DeployAsync(RestartTests.Db);
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        InstanceRecord before = rig.Store.Instance("demo", "db", 0)!;
        rig.Deployer.Label(before.Node!, new Dictionary<string, string?> { ["role"] = null });
        task = await rig.DeployAsync(RestartTests.Db);
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        InstanceRecord after = rig.Store.Instance("demo", "db", 0)!;
        Assert.NotEqual(before.Node, after.Node);
        Assert.Equal(before.Id, after.Id);
        Assert.True(after.Epoch > before.Epoch, $"epoch {after.Epoch} after the move, {before.Epoch} before");
        AgentCommand stop = Assert.Single(rig.Agent(before.Node!).Received, c => c.Kind == CommandKind.Stop);
        Assert.True(stop.Remove);
        Assert.Empty(rig.Agent(before.Node!).Instances);
        Assert.All(rig.Agent(after.Node!).Received, c => Assert.Equal(after.Epoch, c.Instance!.Epoch));
        Assert.Equal(after.Epoch, Assert.Single(rig.Agent(after.Node!).Instances).Instance.Epoch);
    }

    [Fact]
    public async Task Epochs_never_decrease_across_a_director_restart()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.Demo(web: 2));
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        long highest = rig.Store.AllInstances().Max(i => i.Epoch);
        await rig.RestartDirectorAsync();
        await rig.ReviveAgentsAsync();
        task = await rig.DeployAsync(DirectorRig.Demo(web: 3));
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        InstanceRecord added = rig.Store.Instance("demo", "web", 2)!;
        Assert.True(added.Epoch > highest, $"new instance epoch {added.Epoch} after a restart; {highest} was handed out before it");
        await rig.RestartDirectorAsync();
        Assert.True(rig.Store.NextEpoch() > added.Epoch);
    }
}
