using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using FsCheck;
using FsCheck.Fluent;
using Placer = DeployDirector.Planning.Placement;

namespace DeployDirector.Tests.Director;

/// <summary>Placement as the pure function it is: random nodes and manifests, checked against what a
/// placement must never do, and a few examples of spreading and label matching.</summary>
public sealed class PlacementProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void No_node_gets_two_instances() =>
        Prop.ForAll(PlacementScenario.Arbitrary(), s =>
        {
            PlacementPlan plan = Placer.Plan(s.Manifest, s.Existing, s.Nodes);
            List<string> used = [.. plan.Instances.Where(p => p.Node is not null).Select(p => p.Node!)];
            return used.Count == used.Distinct(StringComparer.Ordinal).Count();
        }).Check(Runs);

    [Fact]
    public void Every_placed_node_fits_and_is_alive_or_is_the_instance_s_kept_node() =>
        Prop.ForAll(PlacementScenario.Arbitrary(), s =>
        {
            PlacementPlan plan = Placer.Plan(s.Manifest, s.Existing, s.Nodes);
            var nodes = s.Nodes.ToDictionary(n => n.Mac, StringComparer.Ordinal);
            var groups = s.Manifest.InstanceGroups.ToDictionary(g => g.Name, StringComparer.Ordinal);
            return plan.Instances.Where(p => p.Node is not null).All(p =>
            {
                NodeFacts node = nodes[p.Node!];
                bool fits = Placer.Fits(groups[p.Group], node);
                bool kept = p.Existing?.Node == p.Node && !p.Moved;
                bool free = node.HeldBy is null || node.HeldBy.StartsWith(PlacementScenario.Deployment + "/", StringComparison.Ordinal);
                return fits && free && (node.Alive || kept);
            });
        }).Check(Runs);

    [Fact]
    public void A_group_with_a_shortfall_leaves_no_alive_idle_fitting_node_unused() =>
        Prop.ForAll(PlacementScenario.Arbitrary(), s =>
        {
            PlacementPlan plan = Placer.Plan(s.Manifest, s.Existing, s.Nodes);
            var used = plan.Instances.Where(p => p.Node is not null).Select(p => p.Node!).ToHashSet(StringComparer.Ordinal);
            foreach (InstanceGroup group in s.Manifest.InstanceGroups)
            {
                int unplaced = plan.Instances.Count(p => p.Group == group.Name && p.Node is null);
                Shortfall? shortfall = plan.Shortfalls.SingleOrDefault(f => f.Group == group.Name);
                if ((shortfall?.Missing ?? 0) != unplaced)
                {
                    return false.Label($"{group.Name}: {unplaced} unplaced, shortfall says {shortfall?.Missing ?? 0}");
                }
                bool idleLeft = s.Nodes.Any(n => n.Alive && !used.Contains(n.Mac) && Placer.Fits(group, n)
                    && (n.HeldBy is null || n.HeldBy.StartsWith(PlacementScenario.Deployment + "/", StringComparison.Ordinal)));
                if (unplaced > 0 && idleLeft)
                {
                    return false.Label($"{group.Name} lacks {unplaced} node(s) while a fitting idle node is unused");
                }
            }
            return true.ToProperty();
        }).Check(Runs);

    [Fact]
    public void Planning_again_after_applying_keeps_every_instance_where_it_is() =>
        Prop.ForAll(PlacementScenario.Arbitrary(), s =>
        {
            PlacementPlan first = Placer.Plan(s.Manifest, s.Existing, s.Nodes);
            PlacementPlan again = Placer.Plan(s.Manifest, s.Apply(first).Existing, s.Apply(first).Nodes);
            return again.Removed.Count == 0
                && again.Instances.All(p => !p.Moved)
                && first.Instances.Select(p => (p.Group, p.Index, p.Node)).SequenceEqual(again.Instances.Select(p => (p.Group, p.Index, p.Node)));
        }).Check(Runs);

    [Fact]
    public void Instances_beyond_a_count_are_removed_and_every_index_below_it_is_planned() =>
        Prop.ForAll(PlacementScenario.Arbitrary(), s =>
        {
            PlacementPlan plan = Placer.Plan(s.Manifest, s.Existing, s.Nodes);
            var counts = s.Manifest.InstanceGroups.ToDictionary(g => g.Name, g => g.Instances, StringComparer.Ordinal);
            var beyond = s.Existing.Where(r => !counts.TryGetValue(r.Group, out int n) || r.Index >= n).Select(r => r.Key).Order(StringComparer.Ordinal);
            var wanted = s.Manifest.InstanceGroups.SelectMany(g => Enumerable.Range(0, g.Instances).Select(i => (g.Name, i))).Order();
            return beyond.SequenceEqual(plan.Removed.Select(r => r.Key).Order(StringComparer.Ordinal))
                && wanted.SequenceEqual(plan.Instances.Select(p => (p.Group, p.Index)).Order());
        }).Check(Runs);

    [Fact]
    public void Three_instances_over_three_zones_take_one_node_in_each()
    {
        string[] zones = ["z1", "z1", "z1", "z2", "z2", "z3"];
        NodeFacts[] nodes = [.. zones.Select((z, i) => Node(i + 1, ("zone", z)))];
        DeploymentManifest manifest = PlacementScenario.ManifestOf(PlacementScenario.Group("web", 3, failureDomain: "zone"));
        PlacementPlan plan = Placer.Plan(manifest, [], nodes);
        Assert.True(plan.Complete);
        var byMac = nodes.ToDictionary(n => n.Mac);
        Assert.Equal(["z1", "z2", "z3"], plan.Instances.Select(p => byMac[p.Node!].Labels["zone"]).Order());
    }

    [Fact]
    public void Without_a_failure_domain_the_same_nodes_fill_by_MAC()
    {
        string[] zones = ["z1", "z1", "z1", "z2", "z2", "z3"];
        NodeFacts[] nodes = [.. zones.Select((z, i) => Node(i + 1, ("zone", z)))];
        PlacementPlan plan = Placer.Plan(PlacementScenario.ManifestOf(PlacementScenario.Group("web", 3)), [], nodes);
        Assert.Equal([PlacementScenario.Mac(1), PlacementScenario.Mac(2), PlacementScenario.Mac(3)], plan.Instances.Select(p => p.Node));
    }

    [Fact]
    public void Only_nodes_with_every_label_take_the_group_and_the_rest_is_a_shortfall()
    {
        NodeFacts[] nodes =
        [
            Node(1, ("role", "web")),
            Node(2, ("role", "db"), ("disk", "ssd")),
            Node(3, ("role", "db")),
            Node(4, ("role", "db"), ("disk", "ssd")),
            Node(5),
        ];
        var needs = new Dictionary<string, string> { ["role"] = "db", ["disk"] = "ssd" };
        PlacementPlan plan = Placer.Plan(PlacementScenario.ManifestOf(PlacementScenario.Group("db", 3, needs)), [], nodes);
        Assert.Equal([PlacementScenario.Mac(2), PlacementScenario.Mac(4), null], plan.Instances.Select(p => p.Node));
        Shortfall shortfall = Assert.Single(plan.Shortfalls);
        Assert.Equal(1, shortfall.Missing);
        Assert.Contains("label disk=ssd", shortfall.Needs, StringComparison.Ordinal);
        Assert.Contains("label role=db", shortfall.Needs, StringComparison.Ordinal);
    }

    [Fact]
    public void An_instance_whose_node_lost_its_label_moves_to_one_that_has_it()
    {
        NodeFacts[] nodes = [Node(1) with { HeldBy = "demo/db/0" }, Node(2, ("role", "db"))];
        var needs = new Dictionary<string, string> { ["role"] = "db" };
        PlacementPlan plan = Placer.Plan(PlacementScenario.ManifestOf(PlacementScenario.Group("db", 1, needs)), [PlacementScenario.Record("db", 0, PlacementScenario.Mac(1))], nodes);
        PlacedInstance placed = Assert.Single(plan.Instances);
        Assert.Equal(PlacementScenario.Mac(2), placed.Node);
        Assert.True(placed.Moved);
    }

    private static NodeFacts Node(int i, params (string Key, string Value)[] labels) =>
        new(PlacementScenario.Mac(i), labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), 2, 1L << 30, true, null);
}
