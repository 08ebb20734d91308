using DeployDirector.Planning;
using DeployDirector.Running;
using DeployDirector.State;

namespace DeployDirector.Tests.Director;

/// <summary>The planner through <see cref="Deployer.Plan"/> (the real renderer, links and placement)
/// after a first deploy of the demo: backend ×1 providing the backend link, web ×2 consuming it.</summary>
public sealed class DeployPlannerTests
{
    [Fact]
    public async Task An_unchanged_manifest_keeps_every_instance()
    {
        await using DirectorRig rig = await DeployedAsync(nodes: 3);
        DeployPlan plan = Plan(rig, DirectorRig.Demo());
        Assert.True(plan.ChangesNothing);
        Assert.Equal(3, plan.Changes.Count);
        Assert.All(plan.Changes, c => Assert.Equal(ChangeAction.Keep, c.Action));
    }

    [Fact]
    public async Task A_property_change_updates_exactly_the_group_it_is_in()
    {
        await using DirectorRig rig = await DeployedAsync(nodes: 3);
        DeployPlan plan = Plan(rig, DirectorRig.Demo(title: "Changed"));
        Assert.Equal(["web/0", "web/1"], Where(plan, ChangeAction.Update));
        Assert.Equal(["backend/0"], Where(plan, ChangeAction.Keep));
        Assert.All(plan.Changes.Where(c => c.Group == "web"), c => Assert.Contains("properties", c.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Link_consumers_update_when_the_provider_group_grows()
    {
        await using DirectorRig rig = await DeployedAsync(nodes: 4);
        DeployPlan plan = Plan(rig, DirectorRig.Demo(backend: 2));
        Assert.Equal(["backend/1"], Where(plan, ChangeAction.Create));
        Assert.Equal(["web/0", "web/1"], Where(plan, ChangeAction.Update));
        Assert.Equal(["backend/0"], Where(plan, ChangeAction.Keep));
    }

    [Fact]
    public async Task Counting_down_deletes_the_highest_indexes()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        Assert.Equal(DirectorTaskState.Done, (await rig.DeployAsync(DirectorRig.Demo(web: 3))).State);
        DeployPlan plan = Plan(rig, DirectorRig.Demo(web: 1));
        Assert.Equal(["web/1", "web/2"], Where(plan, ChangeAction.Delete));
        Assert.Equal(["backend/0", "web/0"], Where(plan, ChangeAction.Keep));
        Assert.All(plan.Changes.Where(c => c.Action == ChangeAction.Delete), c => Assert.Equal(rig.Store.Instance("demo", c.Group, c.Index)!.Node, c.Node));
    }

    [Fact]
    public async Task A_group_left_out_of_the_manifest_is_deleted_whole()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        const string errand = """
              - name: smoke
                instances: 1
                lifecycle: errand
                stemcell: default
                jobs:
                  - { name: backend, release: demo, provides: { backend: { as: smoke } } }
            """;
        DirectorTaskRecord first = await rig.DeployAsync(DirectorRig.Demo(extra: errand));
        Assert.True(first.State == DirectorTaskState.Done, first.Error);
        DeployPlan plan = Plan(rig, DirectorRig.Demo());
        InstanceChange deleted = Assert.Single(plan.Changes, c => c.Action == ChangeAction.Delete);
        Assert.Equal(("smoke", 0), (deleted.Group, deleted.Index));
        Assert.Contains("no longer in the manifest", deleted.Reason, StringComparison.Ordinal);
    }

    private static async Task<DirectorRig> DeployedAsync(int nodes)
    {
        var rig = new DirectorRig();
        rig.Boot(nodes);
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.Demo());
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        return rig;
    }

    private static DeployPlan Plan(DirectorRig rig, string manifest)
    {
        PlanOutcome outcome = rig.Deployer.Plan(manifest, "manifest.yml", null);
        Assert.True(outcome.Plan is not null, string.Join("\n", outcome.Errors));
        return outcome.Plan;
    }

    private static string[] Where(DeployPlan plan, ChangeAction action) =>
        [.. plan.Changes.Where(c => c.Action == action).Select(c => $"{c.Group}/{c.Index}").Order(StringComparer.Ordinal)];
}
