using System.Text.Json.Nodes;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

/// <summary>Random valid manifests as model values (positions left at their defaults).</summary>
internal static class ManifestGen
{
    private const string Lower = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Text for string values: quotes, escapes, YAML indicators and non-ASCII, but no '(' (that is interpolation's).</summary>
    private const string AnyText = "abcXYZ 019:#-?&*!|>'\"%@`,[]{}\\\n\té€漢";

    public static Gen<T[]> Between<T>(Gen<T> gen, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Sequence(Enumerable.Repeat(gen, n).ToArray()));

    private static Gen<string> Word(string alphabet, int max) =>
        from first in Gen.Elements(Lower.ToCharArray())
        from rest in Gen.ListOf(Gen.Elements(alphabet.ToCharArray()))
        select first + new string([.. rest.Take(max - 1)]);

    private static Gen<string> Text => Gen.ListOf(Gen.Elements(AnyText.ToCharArray())).Select(cs => new string([.. cs.Take(16)]));

    /// <summary>Names made unique by their index.</summary>
    private static Gen<string[]> Names(string alphabet, int min, int max) =>
        Between(Word(alphabet, 8), min, max).Select(ws => ws.Select((w, i) => $"{w}{i}").ToArray());

    public static Gen<UpdatePolicy> Update =>
        from canaries in Gen.Choose(0, 10)
        from byPercent in Gen.Elements(true, false)
        from count in Gen.Choose(1, 50)
        from percent in Gen.Choose(1, 100)
        from canary in Watch
        from update in Watch
        from serial in Gen.Elements(true, false)
        from min in Gen.Elements<int?>(null, 0, 1, 3)
        from pause in Gen.Elements(true, false)
        from onFailure in Gen.Elements(UpdatePolicy.Halt, UpdatePolicy.Rollback)
        select new UpdatePolicy(canaries, byPercent ? new MaxInFlight(null, percent) : new MaxInFlight(count, null), canary, update, serial, min, pause, onFailure);

    private static Gen<WatchTime> Watch =>
        from low in Gen.Choose(0, 3_600_000)
        from high in Gen.Choose(1, 3_600_000)
        from single in Gen.Elements(true, false)
        select single ? new WatchTime(high, high) : new WatchTime(Math.Min(low, high), high);

    private static Gen<JsonNode?> Json(int depth)
    {
        Gen<JsonNode?> scalar = Gen.OneOf(
            Gen.Choose(-100000, 100000).Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Choose(1, 1000).Select(i => (JsonNode?)JsonValue.Create(i * 10_000_000_000L)),
            Gen.Choose(-4000, 4000).Select(i => (JsonNode?)JsonValue.Create(i / 8.0)),
            Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Constant<JsonNode?>(null),
            Text.Select(t => (JsonNode?)JsonValue.Create(t)));
        if (depth == 0)
        {
            return scalar;
        }
        return Gen.Frequency(
            (4, scalar),
            (1, Object(depth - 1).Select(o => (JsonNode?)o)),
            (1, Between(Json(depth - 1), 0, 3).Select(items => (JsonNode?)new JsonArray(items))));
    }

    private static Gen<JsonObject> Object(int depth) =>
        from keys in Between(Gen.OneOf(Word(Lower + "_.", 6), Text), 0, 4)
        from values in Between(Json(depth), 4, 4)
        select new JsonObject(keys.Distinct(StringComparer.Ordinal).Select((k, i) => KeyValuePair.Create<string, JsonNode?>(k, values[i])));

    private sealed record JobDraft(string Name, int Release, JsonObject Properties, string[] Provides, bool[] Renamed, string[] Consumes, int[] Picks, bool[] Optional);

    private static Gen<JobDraft> Job(string name) =>
        from release in Gen.Choose(0, 100)
        from properties in Object(2)
        from provides in Names(Lower + "_-", 0, 2)
        from renamed in Between(Gen.Elements(true, false), 2, 2)
        from consumes in Names(Lower + "_-", 0, 2)
        from picks in Between(Gen.Choose(0, 100), 2, 2)
        from optional in Between(Gen.Elements(true, false), 2, 2)
        select new JobDraft(name, release, properties, provides, renamed, consumes, picks, optional);

    private sealed record GroupDraft(string Name, int Instances, int Spares, int Stemcell, string? Branch, bool Errand,
        Placement Placement, Resources Resources, UpdatePolicy? Update, JobDraft[] Jobs,
        FailoverPolicy Failover, BalancePolicy Balance, AutoscalePolicy? Autoscale, (string, int)[] Ports, string LeafPolicy);

    private static Gen<GroupDraft> Group(string name) =>
        from instances in Gen.Choose(0, 1000)
        from spares in Gen.Choose(0, 5)
        from stemcell in Gen.Choose(0, 100)
        from branch in Gen.OneOf(Gen.Constant<string?>(null), Word(Lower + "._-", 10).Select(w => (string?)w))
        from errand in Gen.Elements(false, false, true)
        from labelNames in Names(Lower + "_.-", 0, 3)
        from labelValues in Between(Text, 3, 3)
        from domain in Gen.OneOf(Gen.Constant<string?>(null), Word(Lower, 6).Select(w => (string?)w))
        from cores in Gen.Choose(0, 64)
        from memory in Gen.OneOf(Gen.Constant(0L), Gen.Choose(1, 4096).Select(m => (long)m << 20), Gen.Choose(1, 100000).Select(m => (long)m))
        from update in Gen.OneOf(Gen.Constant<UpdatePolicy?>(null), Update.Select(u => (UpdatePolicy?)u))
        from jobNames in Names(Lower + "_.-", 1, 3)
        from jobs in Sequence(jobNames.Select(Job).ToArray())
        from failover in ServiceGroupGen.Failover
        from balance in ServiceGroupGen.Balance(instances)
        from autoscale in ServiceGroupGen.Autoscale(instances)
        from ports in ServiceGroupGen.Ports
        from leafPolicy in Gen.Elements(LeafPolicies.Keep, LeafPolicies.Reset)
        select new GroupDraft(name, instances, errand ? 0 : spares, stemcell, branch, errand,
            new Placement(labelNames.Select((l, i) => (l, labelValues[i])).ToDictionary(p => p.l, p => p.Item2), domain),
            new Resources(cores, memory), update, jobs,
            // Errand groups take no service-group blocks: they keep the defaults.
            errand ? FailoverPolicy.Default : failover,
            errand ? BalancePolicy.Default with { MinAvailable = Math.Min(instances, BalancePolicy.Default.MinAvailable) } : balance,
            errand ? null : autoscale,
            ports, leafPolicy);

    private static Gen<T[]> Sequence<T>(Gen<T>[] gens) =>
        gens.Aggregate(Gen.Constant(Array.Empty<T>()), (acc, g) => from xs in acc from x in g select xs.Append(x).ToArray());

    public static Gen<(DeploymentManifest Manifest, bool WithUpdate)> Manifest =>
        from name in Word(Lower + "-", 20)
        from releaseNames in Names(Lower + "_.-", 1, 3)
        from versions in Between(Gen.Elements("1", "latest", "2.10", "v1.0+b.7", "0.0.1"), 3, 3)
        from aliases in Names(Lower + "_-", 1, 3)
        from editions in Between(Gen.OneOf(Word(Lower + "._-", 10), from w in Word(Lower, 8) from n in Gen.Choose(1, 999) select $"{w}@{n}"), 3, 3)
        from withUpdate in Gen.Elements(true, false)
        from update in Update
        from variableNames in Names(Lower + "_.-", 0, 3)
        from variableTypes in Between(Gen.Elements("password", "string"), 3, 3)
        from groupNames in Names(Lower + "-", 1, 3)
        from groups in Sequence(groupNames.Select(Group).ToArray())
        select (Build(name, releaseNames, versions, aliases, editions, withUpdate ? update : UpdatePolicy.Default, variableNames, variableTypes, groups), withUpdate);

    private static DeploymentManifest Build(string name, string[] releaseNames, string[] versions, string[] aliases, string[] editions,
        UpdatePolicy update, string[] variableNames, string[] variableTypes, GroupDraft[] groups)
    {
        List<string> published = [.. groups.SelectMany(g => g.Jobs).SelectMany(j => j.Provides.Select((p, i) => j.Renamed[i] ? $"{p}-as" : p))];
        return new DeploymentManifest
        {
            Name = name,
            Releases = [.. releaseNames.Select((r, i) => new ReleaseRef(r, versions[i], default))],
            Stemcells = [.. aliases.Select((a, i) => new StemcellRef(a, editions[i], default))],
            Update = update,
            Variables = [.. variableNames.Select((v, i) => new VariableDeclaration(v, variableTypes[i], default))],
            InstanceGroups = [.. groups.Select(g => new InstanceGroup
            {
                Name = g.Name,
                Instances = g.Instances,
                Spares = g.Spares,
                Stemcell = aliases[g.Stemcell % aliases.Length],
                Branch = g.Branch,
                Lifecycle = g.Errand ? Lifecycle.Errand : Lifecycle.Service,
                LeafPolicy = g.LeafPolicy,
                Placement = g.Placement,
                Resources = g.Resources,
                // A group's update block inherits what it leaves out; the emitter writes every key but an absent min_available.
                Update = g.Update is { } u ? u with { MinAvailable = u.MinAvailable ?? update.MinAvailable } : null,
                Failover = g.Failover,
                Balance = g.Balance,
                Autoscale = g.Autoscale,
                Ports = g.Ports.ToDictionary(p => p.Item1, p => p.Item2),
                Jobs = [.. g.Jobs.Select(j => new JobRef(
                    j.Name,
                    releaseNames[j.Release % releaseNames.Length],
                    j.Properties,
                    j.Provides.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => j.Renamed[x.i] ? $"{x.p}-as" : x.p),
                    j.Consumes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => published.Count > 0 && !j.Optional[x.i]
                        ? new LinkSource(published[j.Picks[x.i] % published.Count], false, default)
                        : new LinkSource($"{x.c}-from", true, default)),
                    default))],
                Position = default,
            })],
        };
    }
}
