using DeployDirector.ServiceGroups;
using DeployDirector.Tests.Director;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>
/// The director doubts itself before it doubts its nodes: a stall of its own (every heartbeat taken in
/// late together) kills nobody, nodes that truly die are still judged dead on time, and a fleet that
/// goes silent all at once is judged dead once the lag the director may blame on itself runs out.
/// </summary>
public sealed class IntakeLagTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>A fleet of live nodes beating every second at random phases, all heard <paramref name="stallMs"/> late.</summary>
    private static List<(TimeSpan Since, TimeSpan Interval)> Stalled(double[] phases, int stallMs) =>
        [.. phases.Select(p => (TimeSpan.FromMilliseconds(stallMs) + p * Second, Second))];

    private static Gen<double[]> Phases(int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 999).Select(ms => ms / 1000.0), n));

    [Fact]
    public void A_stall_of_the_directors_own_up_to_the_cap_leaves_every_live_node_alive()
    {
        Prop.ForAll(Arb.From(Phases(IntakeLag.MinNodes, 400)), Arb.From(Gen.Choose(0, (int)(IntakeLag.Cap - Second).TotalMilliseconds)), (phases, stall) =>
        {
            List<(TimeSpan Since, TimeSpan Interval)> fleet = Stalled(phases, stall);
            TimeSpan lag = IntakeLag.Estimate(fleet);
            var policy = new GroupPolicy();
            foreach ((TimeSpan since, _) in fleet)
            {
                Assert.Equal(Health.Alive, Round.HealthOf(Node(since), policy, lag));
            }
        }).Check(Runs);
    }

    [Fact]
    public void Nodes_that_truly_die_are_judged_dead_within_dead_time_and_one_interval_while_most_of_the_fleet_lives()
    {
        Gen<(double[] Live, int Dead, int SilentMs)> cases =
            from live in Phases(IntakeLag.MinNodes, 300)
            from dead in Gen.Choose(0, live.Length * 2) // up to two thirds of the fleet dies at once
            from silent in Gen.Choose(0, 30_000)
            select (live, dead, silent);
        Prop.ForAll(Arb.From(cases), c =>
        {
            var policy = new GroupPolicy();
            TimeSpan silent = TimeSpan.FromMilliseconds(c.SilentMs);
            List<(TimeSpan Since, TimeSpan Interval)> fleet = [.. Stalled(c.Live, 0), .. Enumerable.Repeat((silent, Second), c.Dead)];
            TimeSpan lag = IntakeLag.Estimate(fleet);
            Assert.True(lag <= 0.75 * Second, $"lag {lag} with {c.Dead} of {fleet.Count} dead");
            if (c.Dead > 0 && silent >= policy.DeadTime + 0.75 * Second)
            {
                Assert.Equal(Health.Dead, Round.HealthOf(Node(silent), policy, lag));
            }
        }).Check(Runs);
    }

    [Fact]
    public void The_lag_is_never_more_than_the_cap_nor_judged_from_a_handful_of_nodes()
    {
        Assert.Equal(IntakeLag.Cap, IntakeLag.Estimate(Stalled(new double[100], 60_000)));
        Assert.Equal(TimeSpan.Zero, IntakeLag.Estimate(Stalled(new double[IntakeLag.MinNodes - 1], 5_000)));
        Assert.Equal(TimeSpan.Zero, IntakeLag.Estimate([]));
    }

    [Fact]
    public async Task A_director_that_heard_nobody_for_seconds_fences_nobody_and_says_why()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(24);
        await g.DeployAsync(GroupRig.Manifest(20));
        g.Round();
        // The director stalls: time passes and it takes in no heartbeat and no poll, from anyone (the fake
        // agents beat and poll in real time by themselves, so they are muted for the stall).
        foreach (FakeAgent agent in g.Rig.Agents)
        {
            agent.Muted = true;
        }
        g.Clock.Advance(TimeSpan.FromSeconds(6));
        IReadOnlyList<SupervisorDecision> stalled = g.Supervisor.RunRound();
        foreach (FakeAgent agent in g.Rig.Agents)
        {
            agent.Muted = false;
        }
        Assert.DoesNotContain(stalled, d => d is FenceNode or MoveInstance or OrphanInstance);
        RaiseAlert alert = Assert.Single(stalled.OfType<RaiseAlert>(), a => a.Alert == "intake-lag");
        Assert.Contains("heartbeats in 5.", alert.Reason, StringComparison.Ordinal);
        // The stall ends: every beat comes in, the alert clears, and a node that really died is fenced.
        Assert.Contains(g.Round(), d => d is RaiseAlert { Alert: "intake-lag-over" });
        FakeAgent dead = g.Holder(3);
        await dead.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        IReadOnlyList<SupervisorDecision> after = g.Round();
        FenceNode fence = Assert.Single(after.OfType<FenceNode>());
        Assert.Equal(dead.Mac, fence.Mac);
    }

    [Fact]
    public async Task A_fleet_that_goes_silent_all_at_once_is_judged_dead_once_the_cap_has_run_out()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(21);
        await g.DeployAsync(GroupRig.Manifest(20, "failover: { meltdown: off }"));
        g.Round();
        FakeAgent[] holders = [.. Enumerable.Range(0, 20).Select(i => g.Holder(i))];
        foreach (FakeAgent agent in holders)
        {
            await agent.DieAsync();
        }
        g.Pass(FailoverTests.DeadTime);
        Assert.DoesNotContain(g.Round(), d => d is FenceNode or MoveInstance or OrphanInstance);
        g.Pass(IntakeLag.Cap);
        IReadOnlyList<SupervisorDecision> judged = g.Round();
        // The one node left alive takes one instance (its holder fenced first); the rest wait on their
        // holders, unfenced, until a node can take them.
        Assert.Single(judged.OfType<FenceNode>());
        Assert.Single(judged.OfType<MoveInstance>(), m => m.Kind == MoveKind.Failover);
        Assert.Equal(19, judged.OfType<OrphanInstance>().Count());
        Assert.Contains("of it the director's own intake lag", judged.OfType<FenceNode>().Single().Reason, StringComparison.Ordinal);
        Assert.All(judged.OfType<OrphanInstance>(), o => Assert.Contains("of it the director's own intake lag", o.Reason, StringComparison.Ordinal));
    }

    private static NodeView Node(TimeSpan since) =>
        new("52:54:00:00:00:01", since, false, false, Utilization.Idle, new Dictionary<string, string>(), 1, 1L << 30, null, null, []);
}
