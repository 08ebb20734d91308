using DeployDirector.State;
using ImageTree.Metadata.RocksDb;

namespace DeployDirector.Tests.Director;

/// <summary>A node holds at most one instance, whoever chose it: the store refuses the commit that would
/// give it a second, and a deploy makes its final choice of nodes from the store as it is when it commits.</summary>
public sealed class OneInstancePerNodeTests
{
    private static InstanceRecord Instance(string deployment, int index, string? node) =>
        new(deployment, "web", index, $"{deployment}-{index}", node, index + 1, null, InstanceStatus.Assigning, "service", DateTimeOffset.UnixEpoch);

    [Fact]
    public void The_store_refuses_a_second_instance_on_a_node_and_writes_nothing_of_that_batch()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("ubd-holders-");
        try
        {
            using (var store = new DirectorStore(new RocksDbStore(directory.FullName)))
            {
                store.Begin().Put(Instance("a", 0, "n1")).Commit();
                NodeTakenException taken = Assert.Throws<NodeTakenException>(() =>
                    store.Begin().Put(Instance("b", 1, "n2")).Put(Instance("b", 0, "n1")).Commit());
                Assert.Equal("n1", taken.Mac);
                Assert.Equal("a/web/000000", taken.Holder);
                Assert.Empty(store.Instances("b"));

                // Leaving and arriving in one batch is a swap, not a conflict; a status update in place is no move.
                store.Begin().Put(Instance("a", 0, "n2")).Put(Instance("b", 0, "n1")).Commit();
                store.Begin().Put(Instance("a", 0, "n2") with { Status = InstanceStatus.Running }).Commit();
                Assert.Throws<NodeTakenException>(() => store.Begin().Put(Instance("c", 0, "n2")).Commit());
                store.Begin().Delete(Instance("a", 0, "n2")).Commit();
                store.Begin().Put(Instance("c", 0, "n2")).Commit();
            }
            using (var reopened = new DirectorStore(new RocksDbStore(directory.FullName)))
            {
                // The rule is rebuilt from the records after a restart.
                Assert.Throws<NodeTakenException>(() => reopened.Begin().Put(Instance("d", 0, "n1")).Commit());
                reopened.Begin().Put(Instance("d", 0, "n3")).Commit();
                Assert.Equal(["n1", "n2", "n3"], reopened.AllInstances().Select(i => i.Node!).Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_deploy_chooses_again_when_its_planned_node_was_taken_meanwhile()
    {
        await using var rig = new DirectorRig();
        rig.Boot(2);
        rig.Boot(2, cores: 4);
        Assert.Equal(DirectorTaskState.Done, (await rig.DeployAsync(Manifest("one", ("a", 2, 0)))).State);
        // "one" drops a/1 and adds b/0 (four cores: not a/1's node): it plans b/0 onto the lowest idle
        // node with four cores, then waits for a/1's stop.
        FakeAgent holder = rig.Agents.Single(a => a.Instances.Any(s => s.Instance.Index == 1));
        holder.HoldStop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DirectorTaskRecord one = rig.StartDeploy(Manifest("one", ("a", 1, 0), ("b", 1, 4)));
        await DirectorRig.WaitUntilAsync(() => holder.Received.Any(c => c.Kind == Contracts.CommandKind.Stop), "the redeploy stops a/1");
        string lowestIdle = rig.Agents.Where(a => a.Instances.Count == 0 && a.Cores == 4).Select(a => a.Mac).Order(StringComparer.Ordinal).First();
        // Meanwhile another deployment takes that very node.
        Assert.Equal(DirectorTaskState.Done, (await rig.DeployAsync(Manifest("two", ("c", 1, 4)))).State);
        Assert.Equal(lowestIdle, rig.Store.Instances("two").Single().Node);
        holder.HoldStop.SetResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        DirectorTaskRecord ended = await rig.Director.Context.Tasks.WaitAsync(one.Id, timeout.Token);
        Assert.True(ended.State == DirectorTaskState.Done, ended.Error);
        IReadOnlyList<InstanceRecord> instances = rig.Store.AllInstances();
        Assert.Equal(3, instances.Count);
        Assert.Equal(3, instances.Select(i => i.Node).Distinct().Count());
        Assert.NotEqual(lowestIdle, rig.Store.Instance("one", "b", 0)!.Node);
        Assert.All(rig.Agents, a => Assert.True(a.Instances.Count <= 1, $"{a.Mac} holds {a.Instances.Count} instances"));
        Assert.Equal(3, rig.Agents.Count(a => a.Instances.Count == 1));
    }

    [Fact]
    public async Task Deployments_deployed_at_once_never_share_a_node()
    {
        await using var rig = new DirectorRig();
        rig.Boot(60);
        DirectorTaskRecord[] started = [.. new[] { "one", "two", "three" }.Select(n => rig.StartDeploy(Manifest(n, ("a", 20, 0))))];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        DirectorTaskRecord[] ended = await Task.WhenAll(started.Select(t => rig.Director.Context.Tasks.WaitAsync(t.Id, timeout.Token)));
        Assert.All(ended, t => Assert.True(t.State == DirectorTaskState.Done, t.Error));
        IReadOnlyList<InstanceRecord> instances = rig.Store.AllInstances();
        Assert.Equal(60, instances.Count);
        Assert.Equal(60, instances.Select(i => i.Node).Distinct().Count());
        Assert.All(rig.Agents, a => Assert.Single(a.Instances));
    }

    private static string Manifest(string name, params (string Group, int Instances, int Cores)[] groups) => $$"""
        name: {{name}}
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 100%, canary_watch_time: 0-5000, update_watch_time: 0-5000 }
        instance_groups:
        """ + string.Concat(groups.Select(g => $$"""

          - name: {{g.Group}}
            instances: {{g.Instances}}
            resources: { cores: {{g.Cores}} }
            stemcell: default
            jobs:
              - { name: backend, release: demo }
        """)) + "\n";
}
