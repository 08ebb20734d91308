using DeployDirector.Contracts;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>
/// A <see cref="DirectorRig"/> on a <see cref="SteppedClock"/> whose supervisor rounds the test runs
/// itself (the timer is never started): time passes only when the test says so, and the live fake
/// agents heartbeat right after each step, so only the agents a test stopped look silent.
/// </summary>
public sealed class GroupRig : IAsyncDisposable
{
    public GroupRig()
    {
        Rig = new DirectorRig(clock: Clock);
    }

    public SteppedClock Clock { get; } = new();

    public DirectorRig Rig { get; }

    public DirectorSetup Director => Rig.Director;

    public ServiceGroupSupervisor Supervisor => Rig.Director.Supervisor;

    public DirectorStore Store => Rig.Store;

    /// <summary>Time passes; every agent still running reports in at once afterwards.</summary>
    public void Pass(TimeSpan time)
    {
        Clock.Advance(time);
        BeatAll();
    }

    public void BeatAll()
    {
        foreach (FakeAgent agent in Rig.Agents.Where(a => !a.Stopped))
        {
            agent.Beat();
        }
    }

    /// <summary>One supervisor round, after the live agents reported in.</summary>
    public IReadOnlyList<SupervisorDecision> Round()
    {
        BeatAll();
        return Supervisor.RunRound();
    }

    /// <summary>Runs rounds (no time passes) until <paramref name="condition"/> holds, letting the tasks
    /// they start run; fails the test after 30 s of real time.</summary>
    public async Task<List<SupervisorDecision>> RoundsUntilAsync(Func<bool> condition, string what)
    {
        var decided = new List<SupervisorDecision>();
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            decided.AddRange(Round());
            if (condition())
            {
                return decided;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}; decided: {string.Join(" | ", decided.Select(d => d.Reason))}\n{Story()}");
            await Task.Delay(20);
        }
    }

    /// <summary>What the supervisor said and how the tasks ended, for a failure's message.</summary>
    public string Story() =>
        string.Join("\n", Supervisor.Events.List().TakeLast(30).Select(e => $"event {e.Kind}: {e.Message}"))
        + "\n" + string.Join("\n", Director.Context.Tasks.List(limit: 50).Select(t => $"task {t.Kind} {t.State}: {t.Error}"))
        + "\n" + string.Join("\n", Rig.Agents.Select(a => $"agent {a.Mac}: {string.Join(", ", a.Instances.Select(i => $"{i.Instance.Id}@{i.Instance.Epoch} {i.Phase}"))}"));

    /// <summary>Waits until every director task has ended (failovers, deploys a round started).</summary>
    public Task TasksEndedAsync() => DirectorRig.WaitUntilAsync(() => Director.Context.Tasks.List(limit: 200).All(t => t.Ended), "every director task ended");

    public async Task<DirectorTaskRecord> DeployAsync(string manifest)
    {
        DirectorTaskRecord task = await Rig.DeployAsync(manifest);
        Assert.True(task.State == DirectorTaskState.Done, task.Error);
        return task;
    }

    public InstanceRecord Instance(int index, string group = "db") => Store.Instance("demo", group, index)!;

    public FakeAgent Holder(int index, string group = "db") => Rig.Agent(Instance(index, group).Node!);

    /// <summary>Event kinds of the group, in order.</summary>
    public IReadOnlyList<GroupEvent> Events(string group = "db") => Supervisor.Events.List(group: "demo/" + group);

    /// <summary>The instance is running on <paramref name="mac"/> as the director and that agent both say.</summary>
    public bool RunsOn(int index, string mac, string group = "db") =>
        Instance(index, group) is { Status: InstanceStatus.Running } record && record.Node == mac
        && Rig.Agent(mac).Instances.Any(i => i.Instance.Id == record.Id && i.Instance.Epoch == record.Epoch && i.Phase == InstancePhase.Running);

    /// <summary>A deployment of one service group <c>db</c> (the demo backend job) with the given extra lines.</summary>
    public static string Manifest(int instances, string extra = "") => $$"""
        name: demo
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 2, canary_watch_time: 0-5000, update_watch_time: 0-5000 }
        instance_groups:
          - name: db
            instances: {{instances}}
            stemcell: default
        {{Indent(extra)}}
            jobs:
              - { name: backend, release: demo }
        """;

    private static string Indent(string extra) => string.Join("\n", extra.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "    " + l.Trim()));

    public async ValueTask DisposeAsync() => await Rig.DisposeAsync();
}
