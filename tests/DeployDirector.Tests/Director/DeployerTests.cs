using DeployDirector.Contracts;
using DeployDirector.Running;
using DeployDirector.State;

namespace DeployDirector.Tests.Director;

/// <summary>Deploy, delete and errands against fake agents: who gets which command, in which order, how
/// many at once, and what the records and tasks say after.</summary>
public sealed class DeployerTests
{
    private const string Errand = """
          - name: smoke
            instances: 1
            lifecycle: errand
            stemcell: default
            jobs:
              - { name: backend, release: demo, provides: { backend: { as: smoke } } }
        """;

    [Fact]
    public async Task A_property_change_updates_its_group_and_sends_the_other_group_nothing()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        await DoneAsync(rig, DirectorRig.Demo());
        FakeAgent backend = rig.Agent(rig.Store.Instance("demo", "backend", 0)!.Node!);
        int before = backend.ReceivedCount;
        string[] webNodes = [.. rig.Store.Instances("demo").Where(i => i.Group == "web").Select(i => i.Node!)];
        Dictionary<string, int> webBefore = webNodes.ToDictionary(n => n, n => rig.Agent(n).ReceivedCount);
        await DoneAsync(rig, DirectorRig.Demo(title: "Changed"));
        Assert.Equal(before, backend.ReceivedCount);
        Assert.All(webNodes, n => Assert.Equal(
            [CommandKind.Prepare, CommandKind.Apply, CommandKind.Start],
            rig.Agent(n).Received.Skip(webBefore[n]).Select(c => c.Kind)));
    }

    [Fact]
    public async Task Scaling_down_deletes_the_instance_and_its_node_is_idle_again()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        await DoneAsync(rig, DirectorRig.Demo(web: 2));
        InstanceRecord web1 = rig.Store.Instance("demo", "web", 1)!;
        await DoneAsync(rig, DirectorRig.Demo(web: 1));
        Assert.Null(rig.Store.Instance("demo", "web", 1));
        AgentCommand stop = Assert.Single(rig.Agent(web1.Node!).Received, c => c.Kind == CommandKind.Stop);
        Assert.True(stop.Remove);
        Assert.Equal(web1.Id, stop.Instance!.Id);
        Assert.Empty(rig.Agent(web1.Node!).Instances);
        Assert.Null(rig.Deployer.Stemcells().Single(s => s.Mac == web1.Node).Instance);
        Assert.Equal(2, rig.Deployer.Stemcells().Count(s => s.Instance is not null));
    }

    [Fact]
    public async Task Scaling_up_past_the_idle_nodes_waits_for_a_node_to_boot_and_then_succeeds()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        await DoneAsync(rig, DirectorRig.Demo(web: 2));
        DirectorTaskRecord task = rig.StartDeploy(DirectorRig.Demo(web: 3));
        await DirectorRig.WaitUntilAsync(() => rig.Director.Context.Tasks.Find(task.Id)!.Events.Any(e => e.Stage == "nodes" && e.Message.Contains("power on 1", StringComparison.Ordinal)),
            "the deploy asks for one more node");
        Assert.Equal(DirectorTaskState.Processing, rig.Director.Context.Tasks.Find(task.Id)!.State);
        FakeAgent late = rig.Boot(1)[0];
        DirectorTaskRecord done = await rig.WaitAsync(task);
        Assert.True(done.State == DirectorTaskState.Done, done.Error);
        Assert.Equal(late.Mac, rig.Store.Instance("demo", "web", 2)!.Node);
        Assert.All(rig.Store.Instances("demo"), i => Assert.Equal(InstanceStatus.Running, i.Status));
    }

    [Fact]
    public async Task The_canary_starts_and_completes_before_any_other_instance_of_its_group_starts()
    {
        await using var rig = new DirectorRig();
        rig.Boot(5);
        // The canary's start lasts a while, so a director that starts others beside it is seen doing so.
        int webStarts = 0;
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.OnStart = c => c.Instance?.Group == "web" && Interlocked.Increment(ref webStarts) == 1 ? Task.Delay(300) : Task.CompletedTask;
        }
        await DoneAsync(rig, DirectorRig.Demo(web: 4, canaries: 1, maxInFlight: 3));
        CommandSpan[] starts = [.. WebStarts(rig).OrderBy(s => s.Began)];
        Assert.Equal(4, starts.Length);
        Assert.All(starts.Skip(1), s => Assert.True(starts[0].Ended < s.Began, $"{s.Command.Instance} started before the canary {starts[0].Command.Instance} ended"));
    }

    [Fact]
    public async Task Max_in_flight_bounds_how_many_instances_start_at_once()
    {
        await using var rig = new DirectorRig();
        rig.Boot(5);
        var gauge = new StartGauge(fullAt: 2);
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.OnStart = c => c.Instance?.Group == "web" ? gauge.EnterAsync() : Task.CompletedTask;
        }
        await DoneAsync(rig, DirectorRig.Demo(web: 4, canaries: 0, maxInFlight: 2));
        Assert.Equal(2, gauge.Most);
        Assert.Equal(4, WebStarts(rig).Count());
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData(3, 1)]
    [InlineData(2, 2)]
    public async Task An_update_never_takes_more_running_instances_down_than_min_available_allows(int? minAvailable, int most)
    {
        await using var rig = new DirectorRig();
        rig.Boot(5);
        await DoneAsync(rig, DirectorRig.Demo(web: 4, canaries: 1, maxInFlight: 4));
        int inFlight = 0;
        int seen = 0;
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.OnStart = async c =>
            {
                if (c.Instance?.Group != "web")
                {
                    return;
                }
                int now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref seen, now);
                await Task.Delay(150);
                Interlocked.Decrement(ref inFlight);
            };
        }
        // A new title changes every web archive: all four running instances update; after the canary,
        // max_in_flight alone would let the other three go at once.
        await DoneAsync(rig, DirectorRig.Demo(web: 4, canaries: 1, maxInFlight: 4, title: "Changed", minAvailable: minAvailable));
        Assert.Equal(most, seen);
    }

    [Fact]
    public async Task A_min_available_that_leaves_no_room_fails_the_deploy_before_any_instance_stops()
    {
        await using var rig = new DirectorRig();
        rig.Boot(5);
        await DoneAsync(rig, DirectorRig.Demo(web: 2));
        int commandsBefore = rig.Agents.Sum(a => a.Received.Count(c => c.Kind is CommandKind.Start or CommandKind.Apply));
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.Demo(web: 2, title: "Changed", minAvailable: 2));
        Assert.Equal(DirectorTaskState.Error, task.State);
        Assert.Contains("min_available 2", task.Error, StringComparison.Ordinal);
        Assert.Equal(commandsBefore, rig.Agents.Sum(a => a.Received.Count(c => c.Kind is CommandKind.Start or CommandKind.Apply)));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task A_failing_start_fails_the_task_naming_the_instance_and_marks_it_failed()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.FailStart = true;
        }
        DirectorTaskRecord task = await rig.DeployAsync(DirectorRig.Demo());
        Assert.Equal(DirectorTaskState.Error, task.State);
        InstanceRecord backend = rig.Store.Instance("demo", "backend", 0)!;
        Assert.Contains($"backend/0 on {backend.Node} is not healthy", task.Error, StringComparison.Ordinal);
        Assert.Equal(InstanceStatus.Failed, backend.Status);
        Assert.DoesNotContain(rig.Agents.SelectMany(a => a.Received), c => c.Instance?.Group == "web" && c.Kind == CommandKind.Start);
    }

    [Fact]
    public async Task Deleting_a_deployment_stops_and_removes_every_instance_and_frees_the_nodes()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        await DoneAsync(rig, DirectorRig.Demo());
        IReadOnlyList<InstanceRecord> instances = rig.Store.Instances("demo");
        DirectorTaskRecord deleted = await rig.WaitAsync(rig.Deployer.Delete("demo"));
        Assert.True(deleted.State == DirectorTaskState.Done, deleted.Error);
        foreach (InstanceRecord instance in instances)
        {
            AgentCommand stop = Assert.Single(rig.Agent(instance.Node!).Received, c => c.Kind == CommandKind.Stop);
            Assert.True(stop.Remove);
            Assert.Equal((instance.Id, instance.Epoch), (stop.Instance!.Id, stop.Instance.Epoch));
        }
        Assert.All(rig.Agents, a => Assert.Empty(a.Instances));
        Assert.Empty(rig.Store.AllInstances());
        Assert.Null(rig.Store.Deployment("demo"));
        Assert.All(rig.Deployer.Stemcells(), s => Assert.Null(s.Instance));
    }

    [Fact]
    public async Task An_errand_runs_on_demand_and_its_task_returns_output_and_exit_code()
    {
        await using var rig = new DirectorRig();
        rig.Boot(4);
        await DoneAsync(rig, DirectorRig.Demo(extra: Errand));
        InstanceRecord smoke = rig.Store.Instance("demo", "smoke", 0)!;
        Assert.Equal(InstanceStatus.Ready, smoke.Status);
        Assert.DoesNotContain(rig.Agent(smoke.Node!).Received, c => c.Kind == CommandKind.Start);
        DirectorTaskRecord run = await rig.WaitAsync(rig.Deployer.RunErrand("demo", "smoke"));
        Assert.True(run.State == DirectorTaskState.Done, run.Error);
        using var result = System.Text.Json.JsonDocument.Parse(run.Result!);
        System.Text.Json.JsonElement only = Assert.Single(result.RootElement.EnumerateArray());
        Assert.Equal("errand smoke/0 ran", only.GetProperty("output").GetString());
        Assert.Equal(0, only.GetProperty("exitCode").GetInt32());
        Assert.Throws<DirectorException>(() => rig.Deployer.RunErrand("demo", "web"));
    }

    [Fact]
    public async Task Cancelling_a_running_deploy_ends_it_cancelled_and_sends_nothing_more()
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
        Assert.True(rig.Director.Context.Tasks.Cancel(task.Id));
        DirectorTaskRecord done = await rig.WaitAsync(task);
        hold.SetResult();
        Assert.Equal(DirectorTaskState.Cancelled, done.State);
        Assert.Single(rig.Agents.SelectMany(a => a.Received), c => c.Kind == CommandKind.Start);
        Assert.DoesNotContain(rig.Agents.SelectMany(a => a.Received), c => c.Instance?.Group == "web");
        Assert.False(rig.Director.Context.Tasks.Cancel(task.Id));
    }

    [Fact]
    public async Task A_second_deploy_of_a_deployment_waits_queued_until_the_first_ends()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        var hold = new TaskCompletionSource();
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.HoldStart = hold;
        }
        DirectorTaskRecord first = rig.StartDeploy(DirectorRig.Demo());
        Assert.Equal(DirectorTaskState.Queued, first.State);
        await DirectorRig.WaitUntilAsync(() => rig.Agents.Any(a => a.Received.Any(c => c.Kind == CommandKind.Start)), "the first deploy holds in a start");
        Assert.Equal(DirectorTaskState.Processing, rig.Director.Context.Tasks.Find(first.Id)!.State);
        DirectorTaskRecord second = rig.StartDeploy(DirectorRig.Demo(title: "Second"));
        Assert.Equal(DirectorTaskState.Queued, rig.Director.Context.Tasks.Find(second.Id)!.State);
        hold.SetResult();
        DirectorTaskRecord firstDone = await rig.WaitAsync(first);
        DirectorTaskRecord secondDone = await rig.WaitAsync(second);
        Assert.True(firstDone.State == DirectorTaskState.Done, firstDone.Error);
        Assert.True(secondDone.State == DirectorTaskState.Done, secondDone.Error);
        Assert.True(secondDone.StartedAt >= firstDone.EndedAt, $"the second started at {secondDone.StartedAt:O}, before the first ended at {firstDone.EndedAt:O}");
        Assert.Equal([second.Id, first.Id], rig.Director.Context.Tasks.List("demo").Select(t => t.Id).Take(2));
    }

    [Fact]
    public async Task Cancelling_a_queued_deploy_ends_it_before_it_starts()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        var hold = new TaskCompletionSource();
        foreach (FakeAgent agent in rig.Agents)
        {
            agent.HoldStart = hold;
        }
        DirectorTaskRecord first = rig.StartDeploy(DirectorRig.Demo());
        await DirectorRig.WaitUntilAsync(() => rig.Agents.Any(a => a.Received.Any(c => c.Kind == CommandKind.Start)), "the first deploy holds in a start");
        DirectorTaskRecord second = rig.StartDeploy(DirectorRig.Demo(title: "Second"));
        Assert.True(rig.Director.Context.Tasks.Cancel(second.Id));
        DirectorTaskRecord cancelled = await rig.WaitAsync(second);
        Assert.Equal(DirectorTaskState.Cancelled, cancelled.State);
        Assert.Null(cancelled.StartedAt);
        hold.SetResult();
        DirectorTaskRecord firstDone = await rig.WaitAsync(first);
        Assert.True(firstDone.State == DirectorTaskState.Done, firstDone.Error);
        Assert.Equal(1, rig.Store.Deployment("demo")!.Revision);
        Assert.All(rig.Agents, a => Assert.Single(a.Received, c => c.Kind == CommandKind.Prepare));
    }

    [Fact]
    public async Task A_group_with_a_branch_reboots_its_nodes_onto_it_before_preparing()
    {
        await using var rig = new DirectorRig();
        rig.Boot(3);
        string manifest = DirectorRig.Demo().Replace("  - name: web\n    instances: 2\n", "  - name: web\n    instances: 2\n    branch: webs\n", StringComparison.Ordinal);
        Assert.Contains("branch: webs", manifest, StringComparison.Ordinal);
        await DoneAsync(rig, manifest);
        string edition = rig.Tree.LatestEdition("webs")!.Name;
        foreach (InstanceRecord web in rig.Store.Instances("demo").Where(i => i.Group == "web"))
        {
            Assert.Equal(edition, rig.Tree.Node(web.Node!).Edition);
            Assert.Equal([CommandKind.Reboot, CommandKind.Prepare, CommandKind.Apply, CommandKind.Start], rig.Agent(web.Node!).Received.Select(c => c.Kind));
            Assert.Equal(InstanceStatus.Running, web.Status);
        }
        InstanceRecord backend = rig.Store.Instance("demo", "backend", 0)!;
        Assert.DoesNotContain(rig.Agent(backend.Node!).Received, c => c.Kind == CommandKind.Reboot);
        int before = rig.Agents.Sum(a => a.ReceivedCount);
        await DoneAsync(rig, manifest);
        Assert.Equal(before, rig.Agents.Sum(a => a.ReceivedCount));
    }

    private static async Task DoneAsync(DirectorRig rig, string manifest)
    {
        DirectorTaskRecord task = await rig.DeployAsync(manifest);
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
    }

    private static IEnumerable<CommandSpan> WebStarts(DirectorRig rig) =>
        rig.Agents.SelectMany(a => a.Timeline).Where(s => s.Command.Kind == CommandKind.Start && s.Command.Instance?.Group == "web");
}
