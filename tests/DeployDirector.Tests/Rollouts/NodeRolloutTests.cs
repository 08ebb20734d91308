using DeployDirector.Contracts;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.Rollouts;

/// <summary>Rollouts of idle nodes (no deployment holds them), by MAC or boot group, with fake agents.</summary>
public sealed class NodeRolloutTests
{
    [Fact]
    public async Task A_boot_group_moves_canary_first_then_in_batches_and_every_node_boots_the_edition()
    {
        await using var rig = new DirectorRig();
        rig.Boot(5);
        rig.PublishStemcell("stemcell@1", block: 2, value: 2);

        DirectorTaskRecord done = await rig.WaitAsync(rig.Director.NodeRollouts.Start(new NodeRolloutRequest("stemcell@2", BootGroup: "stemcell", MaxInFlight: "2", WatchSeconds: 0)));

        Assert.True(done.State == DirectorTaskState.Done, done.Error);
        Assert.All(rig.Agents, a => Assert.Equal("stemcell@2", rig.Tree.EditionOf(a.Mac)));
        Assert.All(rig.Agents, a => Assert.Single(a.Received, c => c.Kind == CommandKind.Reboot));
        var batches = System.Text.Json.JsonDocument.Parse(done.Result!).RootElement.GetProperty("batches").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 2], batches.Select(b => b.GetProperty("instances").GetArrayLength()));
        Assert.True(batches[0].GetProperty("canary").GetBoolean());
    }

    [Theory]
    [InlineData("halt")]
    [InlineData("rollback")]
    public async Task A_node_whose_agent_does_not_come_back_halts_or_rolls_the_moved_back(string onFailure)
    {
        await using var rig = new DirectorRig();
        IReadOnlyList<FakeAgent> agents = rig.Boot(3);
        rig.PublishStemcell("stemcell@1", block: 2, value: 2);
        // The second node's agent dies as it boots stemcell@2: it registers once and then never answers.
        FakeAgent broken = agents[1];
        broken.OnBoot = () => { if (rig.Tree.Node(broken.Mac).EditionSetting == "stemcell@2") { _ = broken.DieAsync(); } };
        var request = new NodeRolloutRequest("stemcell@2", [.. agents.Select(a => a.Mac)], Canaries: 1, MaxInFlight: "1", WatchSeconds: 3, OnFailure: onFailure);

        DirectorTaskRecord failed = await WaitLongAsync(rig, rig.Director.NodeRollouts.Start(request));

        Assert.Equal(DirectorTaskState.Error, failed.State);
        Assert.Contains(broken.Mac, failed.Error, StringComparison.Ordinal);
        Assert.Equal("stemcell@1", rig.Tree.EditionOf(agents[2].Mac)); // never touched
        Assert.DoesNotContain(agents[2].Received, c => c.Kind == CommandKind.Reboot);
        Assert.Equal(onFailure == "halt" ? "stemcell@2" : "stemcell@1", rig.Tree.EditionOf(agents[0].Mac));
        Assert.Equal(onFailure == "rollback", failed.Error!.Contains("Rolled back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nodes_that_hold_an_instance_are_left_to_their_deployment_and_unknown_ones_are_refused()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        DirectorTaskRecord deployed = await rig.DeployAsync(DirectorRig.Demo());
        Assert.True(deployed.State == DirectorTaskState.Done, deployed.Error);
        rig.PublishStemcell("stemcell@1", block: 2, value: 2);
        string holder = rig.Store.Instance("demo", "backend", 0)!.Node!;

        DirectorException held = Assert.Throws<DirectorException>(() => rig.Director.NodeRollouts.Start(new NodeRolloutRequest("stemcell@2", [holder])));
        DirectorException unknown = Assert.Throws<DirectorException>(() => rig.Director.NodeRollouts.Start(new NodeRolloutRequest("stemcell@2", ["52:54:00:ff:ff:ff"])));

        Assert.Equal(DirectorError.Conflict, held.Kind);
        Assert.Contains("ubd rollout start DEPLOYMENT", held.Message, StringComparison.Ordinal);
        Assert.Equal(DirectorError.NotFound, unknown.Kind);
    }

    /// <summary>A rollback moves the canary back too, each move watched for its seconds.</summary>
    private static async Task<DirectorTaskRecord> WaitLongAsync(DirectorRig rig, DirectorTaskRecord task)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await rig.Director.Context.Tasks.WaitAsync(task.Id, timeout.Token);
    }
}
