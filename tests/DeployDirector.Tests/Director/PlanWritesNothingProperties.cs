using System.Text;
using DeployDirector.Running;
using DeployDirector.State;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Director;

/// <summary>
/// <c>ubd deploy plan</c> is a question, never a change: over random manifest variants (counts,
/// property values, which groups exist, invalid ones) after random earlier deploys, planning leaves
/// every key and value of the director's store and every file of the data directory as it was.
/// </summary>
public sealed class PlanWritesNothingProperties
{
    /// <summary>A manifest variant; <see cref="Broken"/> picks one way of being invalid (0: valid as YAML and
    /// schema; without backend instances a deploy of it still fails, at rendering).</summary>
    public sealed record Variant(int Backend, int Web, string Title, bool WithBackend, bool WithErrand, bool WithPassword, int Broken)
    {
        public string Yaml()
        {
            var text = new StringBuilder();
            text.Append("name: demo\n");
            text.Append(Broken == 1 ? "releases:\n  - { name: demo, version: '9' }\n" : "releases:\n  - { name: demo, version: latest }\n");
            text.Append("stemcells:\n  - { alias: default, edition: stemcell }\n");
            text.Append("update: { canaries: 1, max_in_flight: 2, canary_watch_time: 0-5000, update_watch_time: 0-5000 }\n");
            if (WithPassword)
            {
                text.Append("variables:\n  - { name: secret, type: password }\n");
            }
            text.Append("instance_groups:\n");
            if (WithBackend)
            {
                text.Append($"  - name: backend\n    instances: {Backend}\n    stemcell: default\n    jobs:\n      - {{ name: backend, release: demo }}\n");
            }
            text.Append($"  - name: web\n    instances: {(Broken == 2 ? "-1" : Web.ToString(System.Globalization.CultureInfo.InvariantCulture))}\n    stemcell: default\n");
            text.Append(Broken == 3 ? "    colour: blue\n" : "");
            text.Append($"    jobs:\n      - name: web\n        release: demo\n        properties: {{ title: \"{Title}\", port: {(WithPassword ? "((secret))" : "80")} }}\n");
            if (WithErrand)
            {
                text.Append("  - name: smoke\n    instances: 1\n    lifecycle: errand\n    stemcell: default\n    jobs:\n      - { name: backend, release: demo, provides: { backend: { as: smoke } } }\n");
            }
            return Broken == 4 ? text.ToString().Replace("instance_groups:\n", "instance_groups: [\n", StringComparison.Ordinal) : text.ToString();
        }
    }

    private static Gen<Variant> VariantGen(bool valid) =>
        from backend in Gen.Choose(valid ? 1 : 0, 2)
        from web in Gen.Choose(0, 3)
        from title in Gen.Elements("Hello", "World", "Ünïcode", "")
        from withBackend in valid ? Gen.Constant(true) : Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from withErrand in Gen.Elements(true, false)
        from withPassword in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        from broken in valid ? Gen.Constant(0) : Gen.Frequency((5, Gen.Constant(0)), (4, Gen.Choose(1, 4)))
        select new Variant(backend, web, title, withBackend, withErrand, withPassword, broken);

    [Fact]
    public async Task Planning_leaves_the_store_and_the_data_directory_unchanged()
    {
        await using var rig = new DirectorRig();
        rig.Boot(6);
        Gen<(Variant? Prior, Variant[] Plans)> cases =
            from prior in Gen.Frequency((2, VariantGen(valid: true).Select(v => (Variant?)v)), (1, Gen.Constant<Variant?>(null)))
            from plans in Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(VariantGen(valid: false), n))
            select (prior, plans);
        int planned = 0;
        Prop.ForAll(Arb.From(cases), c =>
        {
            if (c.Prior is { } prior && rig.Deployer.Deploy(prior.Yaml(), "manifest.yml", null).Task is { } task)
            {
                // The director's own wait does not resume on the test's context, so blocking on it here cannot deadlock.
                DirectorTaskRecord done = rig.Director.Context.Tasks.WaitAsync(task.Id).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
                Assert.True(done.State == DirectorTaskState.Done, done.Error);
            }
            string store = Snapshot(rig.Store);
            string files = Files(rig.Data);
            foreach (Variant variant in c.Plans)
            {
                PlanOutcome? outcome = TryPlan(rig.Deployer, variant.Yaml());
                Assert.True(variant.Broken == 0 || outcome?.Plan is null, $"variant {variant} should be invalid");
                planned += outcome?.Plan is null ? 0 : 1;
                Assert.Equal(store, Snapshot(rig.Store));
                Assert.Equal(files, Files(rig.Data));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
        Assert.True(planned > 0, "no variant was valid: the property tested only rejections");
    }

    /// <summary>A plan, the manifest's errors, or null when rendering refused it (a link with no instances).</summary>
    private static PlanOutcome? TryPlan(Deployer deployer, string yaml)
    {
        try
        {
            return deployer.Plan(yaml, "manifest.yml", null);
        }
        catch (DirectorException)
        {
            return null;
        }
    }

    private static string Snapshot(DirectorStore store) =>
        string.Join("\n", store.Raw.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)));

    private static string Files(string directory) =>
        string.Join("\n", new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories)
            .OrderBy(f => f.FullName, StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f.FullName)} {f.Length} {f.LastWriteTimeUtc.Ticks}"));
}
