using DeployDirector.Contracts;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tests.Director;
using ImageTree.Operations;
using UnionBlock;

namespace DeployDirector.Tests.Rollouts;

/// <summary>
/// Rollouts with fake agents: a deployment of a backend and three web nodes on stemcell@1 moves onto
/// stemcell@2 (a delta with one changed block) as its update block says — canaries first, batches of
/// max_in_flight, a pause after the canaries until an operator resumes, on_failure halt or rollback,
/// leaf_policy keep or reset, and a director restart in the middle.
/// </summary>
public sealed class RolloutTests
{
    private const string Pause = "pause_after_canaries: true, ";

    [Fact]
    public async Task Plan_shows_the_batches_and_the_blocks_nodes_wrote_that_the_edition_also_changes_and_writes_nothing()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1));
        string web1 = Node(rig, "web", 1);
        rig.WriteLeafBlock(web1, 10); // the block stemcell@2 changes

        RolloutPlan plan = rig.Deployer.PlanRollout("demo", "stemcell@2");

        Assert.Equal("stemcell@1", plan.From["default"]);
        Assert.Equal("stemcell@2", plan.To["default"]);
        RolloutGroupPlan web = plan.Groups.Single(g => g.Group == "web");
        Assert.Equal([true, false, false], web.Batches.Select(b => b.Canary));
        Assert.Equal([$"web/0@{Node(rig, "web", 0)}"], web.Batches[0].Instances);
        LeafConflict conflict = Assert.Single(plan.Conflicts);
        Assert.Equal(("web/1", web1, Blocks.Size), (conflict.Instance, conflict.Node, conflict.Bytes));
        Assert.All(rig.Agents, a => Assert.Equal("stemcell@1", rig.Tree.Node(a.Mac).Edition));
        Assert.Equal(1, rig.Store.Deployment("demo")!.Revision);
        Assert.DoesNotContain(rig.Agents.SelectMany(a => a.Received), c => c.Kind == CommandKind.Reboot);
    }

    [Fact]
    public async Task A_rollout_that_would_hide_the_patch_behind_a_kept_leaf_is_refused_before_anything_moves_unless_accepted()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 3));
        string web1 = Node(rig, "web", 1);
        rig.WriteLeafBlock(web1, 10); // the block stemcell@2 changes

        DirectorException refused = Assert.Throws<DirectorException>(() => rig.Deployer.Rollout("demo", "stemcell@2"));

        Assert.Equal(DirectorError.Conflict, refused.Kind);
        Assert.Contains($"web/1 on {web1} (1 extent(s), {Blocks.Size} bytes)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("leaf_policy: reset", refused.Message, StringComparison.Ordinal);
        Assert.Equal("stemcell@1", rig.Store.Deployment("demo")!.Stemcells["default"]);
        Assert.DoesNotContain(rig.Agents.SelectMany(a => a.Received), c => c.Kind == CommandKind.Reboot);

        DirectorTaskRecord accepted = await rig.WaitAsync(rig.Deployer.Rollout("demo", "stemcell@2", acceptConflicts: true));

        Assert.True(accepted.State == DirectorTaskState.Done, accepted.Error);
        Assert.Contains(accepted.Events, e => e.Stage == "conflicts" && e.Message.StartsWith($"web/1 on {web1}: 1 extent(s)", StringComparison.Ordinal));
        Assert.Equal("stemcell@2", rig.Tree.Node(web1).Edition);
    }

    [Fact]
    public async Task A_rollout_updates_the_canary_first_pauses_after_it_and_goes_on_when_resumed()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1, update: Pause));
        Dictionary<string, int> before = rig.Agents.ToDictionary(a => a.Mac, a => a.ReceivedCount);

        DirectorTaskRecord task = rig.Deployer.Rollout("demo", "stemcell@2");
        await DirectorRig.WaitUntilAsync(() => rig.Director.Context.Tasks.Find(task.Id)!.State == DirectorTaskState.Paused, "the rollout pauses after the web canary");

        // backend (its own single canary, nothing after it) and web/0 moved; web/1 and web/2 not yet.
        Assert.Equal("stemcell@2", Edition(rig, "backend", 0));
        Assert.Equal("stemcell@2", Edition(rig, "web", 0));
        Assert.Equal("stemcell@1", Edition(rig, "web", 1));
        Assert.Equal("stemcell@1", Edition(rig, "web", 2));
        await Task.Delay(300);
        Assert.Equal("stemcell@1", Edition(rig, "web", 1)); // still paused
        Assert.Contains(rig.Director.Context.Tasks.Find(task.Id)!.Events, e => e.Stage == "paused" && e.Message.Contains("pause_after_canaries", StringComparison.Ordinal));

        Assert.True(rig.Director.Context.Tasks.Resume(task.Id));
        DirectorTaskRecord done = await rig.WaitAsync(task);

        Assert.True(done.State == DirectorTaskState.Done, done.Error);
        Assert.All(rig.Store.Instances("demo"), i => Assert.Equal("stemcell@2", rig.Tree.Node(i.Node!).Edition));
        Assert.All(rig.Store.Instances("demo"), i => Assert.Equal(InstanceStatus.Running, i.Status));
        // max_in_flight 1: web/1 and web/2 each rebooted in a batch of its own, after the canary.
        var result = System.Text.Json.JsonDocument.Parse(done.Result!).RootElement;
        Assert.Equal(4, result.GetProperty("moved").GetInt32());
        Assert.Equal(["backend/0", "web/0", "web/1", "web/2"], result.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("instances")[0].GetString()));
        Assert.Equal("stemcell@1", rig.Store.Deployment("demo")!.Previous!.Stemcells["default"]);
        // Per node: drained and stopped, rebooted onto the edition, then prepared, applied and started again.
        string web2 = Node(rig, "web", 2);
        Assert.Equal([CommandKind.Stop, CommandKind.Reboot, CommandKind.Prepare, CommandKind.Apply, CommandKind.Start],
            rig.Agent(web2).Received.Skip(before[web2]).Select(c => c.Kind));
    }

    [Fact]
    public async Task A_rollout_paused_by_an_operator_stops_before_its_next_batch_and_a_cancel_leaves_the_rest_untouched()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1));
        FakeAgent web0 = rig.Agent(Node(rig, "web", 0));
        var hold = new TaskCompletionSource();
        web0.HoldStart = hold; // the canary's start waits, so the pause lands while a batch runs
        int before = web0.ReceivedCount;
        DirectorTaskRecord task = rig.Deployer.Rollout("demo", "stemcell@2");
        await DirectorRig.WaitUntilAsync(() => web0.Received.Skip(before).Any(c => c.Kind == CommandKind.Start), "the web canary is starting");

        Assert.True(rig.Director.Context.Tasks.Pause(task.Id));
        hold.SetResult();
        await DirectorRig.WaitUntilAsync(() => rig.Director.Context.Tasks.Find(task.Id)!.State == DirectorTaskState.Paused, "the rollout pauses before its next batch");
        Assert.Equal("stemcell@2", Edition(rig, "web", 0));
        Assert.True(rig.Director.Context.Tasks.Cancel(task.Id));
        DirectorTaskRecord cancelled = await rig.WaitAsync(task);

        Assert.Equal(DirectorTaskState.Cancelled, cancelled.State);
        Assert.Equal("stemcell@1", Edition(rig, "web", 1));
        Assert.Equal("stemcell@1", Edition(rig, "web", 2));
        Assert.Equal(InstanceStatus.Running, rig.Store.Instance("demo", "web", 0)!.Status);
        Assert.False(rig.Director.Context.Tasks.Resume(task.Id));
    }

    [Theory]
    [InlineData("halt")]
    [InlineData("rollback")]
    public async Task A_canary_that_fails_on_the_new_edition_halts_the_rollout_or_rolls_it_back(string onFailure)
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1, update: $"on_failure: {onFailure}, "));
        // The new edition breaks the web job: on stemcell@2 its start fails (a health check that never passes).
        foreach (FakeAgent agent in rig.Store.Instances("demo").Where(i => i.Group == "web").Select(i => rig.Agent(i.Node!)))
        {
            agent.OnBoot = () => agent.FailStart = rig.Tree.Node(agent.Mac).EditionSetting == "stemcell@2";
        }
        Dictionary<string, int> before = rig.Agents.ToDictionary(a => a.Mac, a => a.ReceivedCount);

        DirectorTaskRecord failed = await rig.WaitAsync(rig.Deployer.Rollout("demo", "stemcell@2"));

        Assert.Equal(DirectorTaskState.Error, failed.State);
        Assert.Contains("web/0", failed.Error, StringComparison.Ordinal);
        string canary = Node(rig, "web", 0);
        // The other web nodes were never touched.
        foreach (string other in new[] { Node(rig, "web", 1), Node(rig, "web", 2) })
        {
            Assert.Equal(before[other], rig.Agent(other).ReceivedCount);
            Assert.Equal("stemcell@1", rig.Tree.Node(other).Edition);
        }
        if (onFailure == "halt")
        {
            Assert.Equal("stemcell@2", rig.Tree.Node(canary).Edition);
            Assert.Equal(InstanceStatus.Failed, rig.Store.Instance("demo", "web", 0)!.Status);
            Assert.DoesNotContain("Rolled back", failed.Error, StringComparison.Ordinal);
            Assert.Equal("stemcell@2", rig.Store.Deployment("demo")!.Stemcells["default"]);
        }
        else
        {
            Assert.Contains("Rolled back to revision 1", failed.Error, StringComparison.Ordinal);
            Assert.Equal("stemcell@1", rig.Tree.Node(canary).Edition);
            Assert.Equal(InstanceStatus.Running, rig.Store.Instance("demo", "web", 0)!.Status);
            Assert.Equal("stemcell@1", Edition(rig, "backend", 0)); // moved before the web canary, and back
            Assert.Equal(2, rig.Agent(canary).Received.Skip(before[canary]).Count(c => c.Kind == CommandKind.Reboot)); // there and back
            Assert.Equal("stemcell@1", rig.Store.Deployment("demo")!.Stemcells["default"]);
        }
    }

    [Theory]
    [InlineData("keep")]
    [InlineData("reset")]
    public async Task The_leaf_policy_decides_whether_a_node_keeps_its_writes_on_the_new_edition(string policy)
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 3, leafPolicy: policy));
        string node = Node(rig, "web", 2);
        string leaf = rig.Tree.Node(node).Leaf;
        rig.WriteLeafBlock(node, 20);
        Guid before = rig.Tree.Resolve(leaf).Id;

        DirectorTaskRecord done = await rig.WaitAsync(rig.Deployer.Rollout("demo", "stemcell"));

        Assert.True(done.State == DirectorTaskState.Done, done.Error);
        Assert.Equal("stemcell@2", rig.Tree.Node(node).Edition);
        long written = rig.Tree.Space(leaf).WrittenBytes;
        if (policy == "keep")
        {
            Assert.Equal(before, rig.Tree.Resolve(leaf).Id);
            Assert.Equal(Blocks.Size, written);
        }
        else
        {
            Assert.NotEqual(before, rig.Tree.Resolve(leaf).Id);
            Assert.Equal(0, written);
            Assert.Contains(done.Events, e => e.Stage == "conflicts" && e.Message.Contains("leaf_policy reset", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_rollout_paused_when_the_director_restarts_resumes_paused_and_finishes_with_its_rollback_target_kept()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1, update: Pause));
        DirectorTaskRecord task = rig.Deployer.Rollout("demo", "stemcell@2");
        await DirectorRig.WaitUntilAsync(() => rig.Director.Context.Tasks.Find(task.Id)!.State == DirectorTaskState.Paused, "the rollout pauses after its canary");

        await rig.RestartDirectorAsync();
        await rig.ReviveAgentsAsync();

        DirectorTaskRecord resumed = rig.Director.Context.Tasks.List("demo").First(t => t.Kind == "rollout" && t.Id != task.Id);
        Assert.Contains($"resumed after a director restart (task {task.Id})", resumed.Description, StringComparison.Ordinal);
        await DirectorRig.WaitUntilAsync(() => rig.Director.Context.Tasks.Find(resumed.Id)!.State == DirectorTaskState.Paused, "the resumed rollout starts paused, as it was");
        Assert.Equal("stemcell@1", Edition(rig, "web", 2));
        Assert.True(rig.Director.Context.Tasks.Resume(resumed.Id));
        DirectorTaskRecord done;
        try
        {
            done = await rig.WaitAsync(resumed);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException("the resumed rollout did not end:\n" + string.Join("\n", rig.Director.Context.Tasks.Find(resumed.Id)!.Events.Select(e => $"{e.Stage}: {e.Message}")));
        }

        Assert.True(done.State == DirectorTaskState.Done, done.Error);
        Assert.All(rig.Store.Instances("demo"), i => Assert.Equal("stemcell@2", rig.Tree.Node(i.Node!).Edition));
        // The agents were revived after the restart: the canary, moved before it, is not moved again.
        Assert.Equal(0, rig.Agent(Node(rig, "web", 0)).Received.Count(c => c.Kind == CommandKind.Reboot));
        Assert.Equal(1, rig.Agent(Node(rig, "web", 2)).Received.Count(c => c.Kind == CommandKind.Reboot));
        Assert.DoesNotContain(done.Events, e => e.Message.Contains("(canary)", StringComparison.Ordinal)); // its canaries were done before the restart
        Assert.Equal("stemcell@1", rig.Store.Deployment("demo")!.Previous!.Stemcells["default"]);
    }

    [Fact]
    public async Task A_rollout_onto_a_lineage_the_deployment_does_not_boot_is_refused()
    {
        await using var rig = await DeployedAsync(Manifest(maxInFlight: 1));
        string other = Path.Combine(rig.Data, "..", "other.img");
        File.WriteAllBytes(other, new byte[1 << 20]);
        rig.Tree.Import("other", other, ImageFormat.Raw, null);

        DirectorException refused = Assert.Throws<DirectorException>(() => rig.Deployer.Rollout("demo", "other@1"));

        Assert.Equal(DirectorError.Invalid, refused.Kind);
        Assert.Contains("boots no edition of 'other'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(DirectorError.NotFound, Assert.Throws<DirectorException>(() => rig.Deployer.Rollout("nosuch", "stemcell@2")).Kind);
    }

    /// <summary>The demo deployment (or its web group alone) on stemcell@1 with three web nodes, and stemcell@2 published beside it.</summary>
    private static async Task<DirectorRig> DeployedAsync(string manifest)
    {
        var rig = new DirectorRig();
        rig.Boot(4);
        DirectorTaskRecord deployed = await rig.DeployAsync(manifest);
        Assert.True(deployed.State == DirectorTaskState.Done, deployed.Error);
        rig.PublishStemcell("stemcell@1", block: 10, value: 0x42);
        return rig;
    }

    private static string Manifest(int maxInFlight, string update = "", string leafPolicy = "keep") =>
        DirectorRig.Demo(web: 3, maxInFlight: maxInFlight, update: update, leafPolicy: leafPolicy);

    private static string Node(DirectorRig rig, string group, int index) => rig.Store.Instance("demo", group, index)!.Node!;

    private static string? Edition(DirectorRig rig, string group, int index) => rig.Tree.Node(Node(rig, group, index)).Edition;
}
