using DeployDirector.ServiceGroups;
using DeployDirector.State;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>
/// The service-group decisions against a model cluster (<see cref="SupervisorWorld"/>): random
/// sequences of deaths, partitions, heals, reboots, quiesces, load changes, lease expiries and
/// director restarts. After every step no instance has two live holders, no live holder runs an
/// older epoch than its record, nothing is assigned to a fenced or quiesced node, and endpoint lists
/// keep min_available; once the faults stop, every instance runs again on a live node within the bound.
/// </summary>
public sealed class SupervisorModelProperties
{
    private static readonly Config Runs = Replay(Config.QuickThrowOnFailure.WithMaxTest(300));

    /// <summary>UBD_REPLAY="seed,gamma,size" replays one failing case (FsCheck prints the triple).</summary>
    private static Config Replay(Config config) =>
        Environment.GetEnvironmentVariable("UBD_REPLAY") is { Length: > 0 } replay && replay.Split(',') is [var seed, var gamma, var size]
            ? config.WithReplay(ulong.Parse(seed, System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(gamma, System.Globalization.CultureInfo.InvariantCulture), int.Parse(size, System.Globalization.CultureInfo.InvariantCulture))
            : config;

    public abstract record Step;

    public sealed record Tick(int Ms) : Step;

    public sealed record Kill(int Node) : Step;

    public sealed record Partition(int Node) : Step;

    public sealed record Heal(int Node) : Step;

    public sealed record Reboot(int Node) : Step;

    public sealed record Quiesce(int Node, bool On) : Step;

    public sealed record Load(int Node, int Percent) : Step;

    public sealed record RestartDirector : Step;

    public sealed record Scenario(GroupPolicy Policy, int Nodes, IReadOnlyList<Step> Steps)
    {
        public override string ToString() =>
            $"instances {Policy.Instances} spares {Policy.Spares} nodes {Nodes} fence {Policy.Fence} give_back {Policy.GiveBack} meltdown {Policy.MeltdownSharePercent?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off"} min_available {Policy.MinAvailable} max_moves {Policy.MaxMoves}\n"
            + string.Join(", ", Steps);
    }

    private static Gen<Step> StepGen(int nodes) => Gen.Frequency(
        (12, Gen.Choose(100, 1500).Select(ms => (Step)new Tick(ms))),
        (2, Gen.Choose(0, nodes - 1).Select(n => (Step)new Kill(n))),
        (2, Gen.Choose(0, nodes - 1).Select(n => (Step)new Partition(n))),
        (2, Gen.Choose(0, nodes - 1).Select(n => (Step)new Heal(n))),
        (2, Gen.Choose(0, nodes - 1).Select(n => (Step)new Reboot(n))),
        (1, Gen.Choose(0, nodes - 1).SelectMany(n => Gen.Elements(true, false).Select(on => (Step)new Quiesce(n, on)))),
        (1, Gen.Choose(0, nodes - 1).SelectMany(n => Gen.Choose(0, 100).Select(p => (Step)new Load(n, p)))),
        (1, Gen.Constant((Step)new RestartDirector())));

    private static Gen<Scenario> ScenarioGen() =>
        from instances in Gen.Choose(1, 3)
        from spares in Gen.Choose(0, 2)
        from extra in Gen.Choose(0, 3)
        from fence in Gen.Elements(true, false)
        from giveBack in Gen.Elements(true, false)
        from meltdown in Gen.Elements<int?>(null, 50, 80)
        from minAvailable in Gen.Choose(0, instances)
        from maxMoves in Gen.Choose(0, 1)
        let nodes = instances + spares + extra
        from steps in Gen.Choose(10, 60).SelectMany(n => Gen.ArrayOf(StepGen(nodes), n))
        select new Scenario(new GroupPolicy
        {
            Instances = instances,
            Spares = spares,
            Fence = fence,
            GiveBack = giveBack,
            MeltdownSharePercent = meltdown,
            MinAvailable = minAvailable,
            MaxMoves = maxMoves,
            BalanceIntervalMs = 2000,
        }, nodes, steps);

    private static void Run(Scenario scenario, SupervisorWorld world)
    {
        foreach (Step step in scenario.Steps)
        {
            SupervisorWorld.Node? node = step switch
            {
                Kill k => world.Nodes[k.Node],
                Partition p => world.Nodes[p.Node],
                Heal h => world.Nodes[h.Node],
                Reboot r => world.Nodes[r.Node],
                Quiesce q => world.Nodes[q.Node],
                Load l => world.Nodes[l.Node],
                _ => null,
            };
            world.Log.Add(step.ToString());
            switch (step)
            {
                case Tick tick:
                    world.Tick(tick.Ms);
                    world.CheckEndpoints();
                    break;
                case Kill:
                    node!.Up = false;
                    break;
                case Partition:
                    node!.Partitioned = node.Up;
                    break;
                case Heal when node!.Partitioned:
                    world.Heal(node);
                    break;
                case Reboot when !node!.Up:
                    world.Reboot(node);
                    break;
                case Quiesce q:
                    node!.Quiesced = q.On;
                    break;
                case Load l:
                    node!.Load = l.Percent / 100.0;
                    break;
                case RestartDirector:
                    world.DirectorRestart();
                    break;
            }
            world.CheckInvariants();
        }
    }

    [Fact]
    public void Random_faults_never_give_an_instance_two_live_holders_and_it_runs_again_once_they_stop() =>
        Prop.ForAll(Arb.From(ScenarioGen()), scenario =>
        {
            var world = new SupervisorWorld(scenario.Policy, scenario.Nodes);
            Run(scenario, world);
            // The faults stop: partitions heal, dead nodes boot again, quiesces end, an operator
            // resumes a group its meltdown guard holds back. Within the bound everything runs again.
            foreach (SupervisorWorld.Node node in world.Nodes)
            {
                node.Quiesced = false;
                if (node.Partitioned)
                {
                    world.Heal(node);
                }
                if (!node.Up)
                {
                    world.Reboot(node);
                }
            }
            world.Resume();
            int bound = scenario.Policy.LeaseMs + (int)scenario.Policy.DeadTime.TotalMilliseconds + 5000;
            for (int elapsed = 0; elapsed < bound; elapsed += 500)
            {
                world.Tick(500);
                world.CheckInvariants();
                world.CheckEndpoints();
            }
            foreach (SupervisorWorld.Record record in world.Records)
            {
                SupervisorWorld.Node? holder = world.Nodes.FirstOrDefault(n => n.Mac == record.Node);
                if (record.Status != InstanceStatus.Running || holder is null || !holder.Running.ContainsKey(record.Key))
                {
                    throw new InvalidOperationException($"{record.Key} is {record.Status} on {record.Node ?? "no node"} {bound} ms after the faults stopped\n" + world.Describe() + "\n" + string.Join("\n", world.Log.TakeLast(60)));
                }
            }
            return true;
        }).Check(Runs);
}
