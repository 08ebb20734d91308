using System.Text.Json.Nodes;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using FsCheck;
using FsCheck.Fluent;
using Needs = DeployDirector.Manifest.Placement;
using Placer = DeployDirector.Planning.Placement;

namespace DeployDirector.Tests.Director;

/// <summary>
/// Random placement inputs: nodes with labels from small alphabets (a role and a zone), cores and
/// memory, alive or not, some held by other deployments; a manifest of 1–3 groups with counts 0–5,
/// label and resource needs, spread over zones or not; and records of the deployment's instances on
/// some of the nodes (or on nodes that are gone, or on none).
/// </summary>
public sealed record PlacementScenario(DeploymentManifest Manifest, IReadOnlyList<InstanceRecord> Existing, IReadOnlyList<NodeFacts> Nodes)
{
    public const string Deployment = "demo";

    private static readonly string[] Roles = ["a", "b"];
    private static readonly string[] Zones = ["z1", "z2", "z3"];

    public static Arbitrary<PlacementScenario> Arbitrary() => Arb.From(Gen());

    public static Gen<PlacementScenario> Gen() =>
        from nodes in FsCheck.Fluent.Gen.Choose(0, 9).SelectMany(n => FsCheck.Fluent.Gen.ArrayOf(NodeGen(), n))
        from groups in FsCheck.Fluent.Gen.Choose(1, 3).SelectMany(n => FsCheck.Fluent.Gen.ArrayOf(GroupGen(), n))
        from claims in FsCheck.Fluent.Gen.ArrayOf(FsCheck.Fluent.Gen.Choose(0, 100), 24)
        select Build(nodes, groups, claims);

    public static InstanceGroup Group(string name, int instances, IReadOnlyDictionary<string, string>? labels = null, string? failureDomain = null, int cores = 0, long memory = 0) => new()
    {
        Name = name,
        Instances = instances,
        Stemcell = "default",
        Jobs = [new JobRef("web", "demo", new JsonObject(), new Dictionary<string, string>(), new Dictionary<string, LinkSource>(), default)],
        Placement = new Needs(labels ?? new Dictionary<string, string>(), failureDomain),
        Resources = new Resources(cores, memory),
        Position = default,
    };

    public static DeploymentManifest ManifestOf(params InstanceGroup[] groups) => new()
    {
        Name = Deployment,
        Releases = [new ReleaseRef("demo", "1", default)],
        Stemcells = [new StemcellRef("default", "stemcell", default)],
        Update = UpdatePolicy.Default,
        InstanceGroups = groups,
    };

    public static InstanceRecord Record(string group, int index, string? node) =>
        new(Deployment, group, index, $"id-{group}-{index}", node, 1, "sha", InstanceStatus.Running, Lifecycle.Service, DateTimeOffset.UnixEpoch);

    public static string Mac(int i) => $"52:54:00:00:00:{i:x2}";

    /// <summary>The records and nodes after <paramref name="plan"/> is applied: placed instances hold their
    /// nodes, removed ones are gone and their nodes idle.</summary>
    public PlacementScenario Apply(PlacementPlan plan)
    {
        List<InstanceRecord> records = [.. plan.Instances.Select(p => (p.Existing ?? Record(p.Group, p.Index, null)) with { Node = p.Node })];
        var holder = records.Where(r => r.Node is not null).ToDictionary(r => r.Node!, r => r.Key, StringComparer.Ordinal);
        List<NodeFacts> nodes = [.. Nodes.Select(n => n.HeldBy is { } held && !held.StartsWith(Deployment + "/", StringComparison.Ordinal)
            ? n : n with { HeldBy = holder.GetValueOrDefault(n.Mac) })];
        return this with { Existing = records, Nodes = nodes };
    }

    public override string ToString() =>
        "groups: " + string.Join("; ", Manifest.InstanceGroups.Select(g => $"{g.Name}×{g.Instances} needs[{Placer.Describe(g)}] fd={g.Placement.FailureDomain}"))
        + "\nnodes: " + string.Join("; ", Nodes.Select(n => $"{n.Mac[^2..]} {string.Join(",", n.Labels.Select(l => l.Key + "=" + l.Value))} c{n.Cores} m{n.MemoryBytes >> 30} {(n.Alive ? "up" : "down")} {n.HeldBy}"))
        + "\nrecords: " + string.Join("; ", Existing.Select(r => $"{r.Group}/{r.Index}@{r.Node?[^2..]}"));

    private static Gen<(string? Role, string? Zone, int Cores, int MemoryGiB, bool Alive, bool Other)> NodeGen() =>
        from role in FsCheck.Fluent.Gen.Elements(Roles).OrNull()
        from zone in FsCheck.Fluent.Gen.Elements(Zones).OrNull()
        from cores in FsCheck.Fluent.Gen.Choose(1, 4)
        from memory in FsCheck.Fluent.Gen.Elements(1, 2, 4)
        from alive in FsCheck.Fluent.Gen.Frequency((4, FsCheck.Fluent.Gen.Constant(true)), (1, FsCheck.Fluent.Gen.Constant(false)))
        from other in FsCheck.Fluent.Gen.Frequency((5, FsCheck.Fluent.Gen.Constant(false)), (1, FsCheck.Fluent.Gen.Constant(true)))
        select (role, zone, cores, memory, alive, other);

    private static Gen<(int Instances, string? Role, bool Spread, int Cores, int MemoryGiB)> GroupGen() =>
        from instances in FsCheck.Fluent.Gen.Choose(0, 5)
        from role in FsCheck.Fluent.Gen.Frequency((2, FsCheck.Fluent.Gen.Constant<string?>(null)), (1, FsCheck.Fluent.Gen.Elements(Roles).Select(r => (string?)r)))
        from spread in FsCheck.Fluent.Gen.Elements(true, false)
        from cores in FsCheck.Fluent.Gen.Choose(0, 3)
        from memory in FsCheck.Fluent.Gen.Elements(0, 0, 1, 2)
        select (instances, role, spread, cores, memory);

    /// <summary>Claims decide, per record slot, whether it exists and where it sits: on a free node of the
    /// scenario, on a node that is gone, or nowhere. Slots cover every group's indexes 0–5 and a group no
    /// longer in the manifest, so counts both shrink and grow.</summary>
    private static PlacementScenario Build(
        (string? Role, string? Zone, int Cores, int MemoryGiB, bool Alive, bool Other)[] nodeSpecs,
        (int Instances, string? Role, bool Spread, int Cores, int MemoryGiB)[] groupSpecs,
        int[] claims)
    {
        var nodes = new List<NodeFacts>();
        for (int i = 0; i < nodeSpecs.Length; i++)
        {
            var n = nodeSpecs[i];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (n.Role is not null)
            {
                labels["role"] = n.Role;
            }
            if (n.Zone is not null)
            {
                labels["zone"] = n.Zone;
            }
            nodes.Add(new NodeFacts(Mac(i + 1), labels, n.Cores, (long)n.MemoryGiB << 30, n.Alive, n.Other ? $"other/x/{i}" : null));
        }
        InstanceGroup[] groups = [.. groupSpecs.Select((g, i) => Group($"g{i}", g.Instances,
            g.Role is null ? null : new Dictionary<string, string> { ["role"] = g.Role }, g.Spread ? "zone" : null, g.Cores, (long)g.MemoryGiB << 30))];
        string[] slotGroups = [.. groups.Select(g => g.Name), "gone"];
        var records = new List<InstanceRecord>();
        var free = new Queue<NodeFacts>(nodes.Where(n => n.HeldBy is null));
        int slot = 0;
        foreach (string group in slotGroups)
        {
            for (int index = 0; index < 6 && slot < claims.Length; index++, slot++)
            {
                int claim = claims[slot];
                if (claim < 45)
                {
                    continue;
                }
                string? node = claim < 80 && free.Count > 0 ? free.Dequeue().Mac : claim < 90 ? $"52:54:00:ff:00:{slot:x2}" : null;
                records.Add(Record(group, index, node));
            }
        }
        var holder = records.Where(r => r.Node is not null).ToDictionary(r => r.Node!, r => r.Key, StringComparer.Ordinal);
        nodes = [.. nodes.Select(n => holder.TryGetValue(n.Mac, out string? key) ? n with { HeldBy = key } : n)];
        return new PlacementScenario(ManifestOf(groups), [.. records.OrderBy(r => r.Key, StringComparer.Ordinal)], nodes);
    }
}
