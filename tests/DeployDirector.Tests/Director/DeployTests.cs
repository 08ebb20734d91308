using DeployDirector.Contracts;
using DeployDirector.State;

namespace DeployDirector.Tests.Director;

public sealed class DeployTests
{
    private static readonly Dictionary<string, string> Title = new() { ["title"] = "Hello" };

    [Fact]
    public async Task A_deploy_places_every_instance_on_its_own_node_and_runs_it()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.TwoGroups, Title);
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        IReadOnlyList<InstanceRecord> instances = rig.Store.Instances("demo");
        Assert.Equal(3, instances.Count);
        Assert.All(instances, i => Assert.Equal(InstanceStatus.Running, i.Status));
        Assert.Equal(3, instances.Select(i => i.Node).Distinct().Count());
        Assert.All(rig.Agents, a => Assert.Single(a.Instances, s => s.Phase == InstancePhase.Running));
    }

    [Fact]
    public async Task Deploying_the_same_manifest_again_sends_no_command()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        Assert.Equal(DirectorTaskState.Done, (await rig.DeployAsync(DirectorRig.TwoGroups, Title)).State);
        int before = rig.Agents.Sum(a => a.ReceivedCount);
        DirectorTaskRecord again = await rig.DeployAsync(DirectorRig.TwoGroups, Title);
        Assert.Equal(DirectorTaskState.Done, again.State);
        Assert.Equal(before, rig.Agents.Sum(a => a.ReceivedCount));
    }
}
