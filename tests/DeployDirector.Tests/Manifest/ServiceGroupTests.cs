using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

/// <summary>The service-group blocks as whole records: the sample, the defaults, and random in-range and
/// out-of-range values.</summary>
public sealed class ServiceGroupTests
{
    [Fact]
    public void The_sample_maps_to_the_exact_policies()
    {
        InstanceGroup web = ManifestAssert.Valid(ManifestLoader.Load(ServiceGroupSample.Yaml, ServiceGroupSample.File)).InstanceGroups[0];

        Assert.Equal(new FailoverPolicy(500, 2, 4, 3000, true, true, 120_000, 600_000, new MeltdownGuard(40, 60_000)), web.Failover);
        Assert.Equal(new BalancePolicy("memory", 85, 60, 2, 5000, 1), web.Balance);
        Assert.Equal(new AutoscalePolicy(2, 6, 75, 25, 30_000, false), web.Autoscale);
        Assert.Equal(new Dictionary<string, int> { ["http"] = 8080, ["admin-api"] = 9090 }, web.Ports);
    }

    [Fact]
    public void Groups_that_say_nothing_take_the_defaults()
    {
        DeploymentManifest m = ManifestAssert.Valid(ManifestLoader.Load(SampleManifest.Yaml, SampleManifest.File, SampleManifest.Variables));

        Assert.All(m.InstanceGroups, g =>
        {
            Assert.Equal(FailoverPolicy.Default, g.Failover);
            Assert.Equal(BalancePolicy.Default, g.Balance);
            Assert.Null(g.Autoscale);
            Assert.Empty(g.Ports);
        });
        Assert.Equal(new FailoverPolicy(1000, 2, 3, 10_000, true, false, 10_000, 300_000, new MeltdownGuard(50, 30_000)), FailoverPolicy.Default);
        Assert.Equal(new BalancePolicy("cpu", 80, 50, 1, 10_000, 0), BalancePolicy.Default);
    }

    [Fact]
    public void A_group_of_no_instances_keeps_none_available_by_default()
    {
        DeploymentManifest m = ManifestAssert.Valid(ManifestLoader.Load(ServiceGroupSample.Yaml, ServiceGroupSample.File));
        Assert.Equal(BalancePolicy.Default with { MinAvailable = 0 }, m.InstanceGroups[1].Balance);

        string withBlock = ServiceGroupSample.With("37", "    stemcell: default\n    balance: { metric: job }");
        InstanceGroup plain = ManifestAssert.Valid(ManifestLoader.Load(withBlock, ServiceGroupSample.File)).InstanceGroups[1];
        Assert.Equal(BalancePolicy.Default with { Metric = "job", MinAvailable = 0 }, plain.Balance);
    }

    [Fact]
    public void Every_error_of_the_blocks_is_reported_at_once()
    {
        string yaml = ServiceGroupSample.With("9-31", string.Join('\n',
            "      heartbeat: 1",
            "      dead_after: 0",
            "    balance: { metric: disk, interval: 1 }",
            "    autoscale: { max: 0 }"));
        ManifestResult result = ManifestLoader.Load(yaml, ServiceGroupSample.File);
        Assert.Equal(6, result.Errors.Count);
        ManifestAssert.Has(result, 9, 18, "'heartbeat' must be a duration");
        ManifestAssert.Has(result, 10, 19, "'dead_after' must be a whole number 1 or more");
        ManifestAssert.Has(result, 11, 24, "'metric' must be cpu or memory or job");
        ManifestAssert.Has(result, 11, 40, "'interval' must be a duration");
        ManifestAssert.Has(result, 12, 16, "autoscale needs 'min'");
        ManifestAssert.Has(result, 12, 23, "'max' must be a whole number from 1 to 1000");
    }

    [Fact]
    public void Any_in_range_combination_parses_back_to_the_same_values()
    {
        Prop.ForAll(Arb.From(ServiceGroupGen.Case), c =>
        {
            string yaml = c.Yaml();
            ManifestResult result = ManifestLoader.Load(yaml, "random.yml");
            Assert.True(result.Ok, string.Join("\n", result.Errors) + "\n" + yaml);
            InstanceGroup g = result.Manifest!.InstanceGroups[0];
            Assert.Equal(c.Failover, g.Failover);
            Assert.Equal(c.Balance, g.Balance);
            Assert.Equal(c.Autoscale, g.Autoscale);
            Assert.Equal(c.Ports.ToDictionary(p => p.Name, p => p.Port), g.Ports);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_out_of_range_value_is_the_one_error_at_its_field()
    {
        Gen<(int Line, string Key, string Value)> bad =
            from field in Gen.Elements(ServiceGroupBadValues.Fields.ToArray())
            from value in field.Values
            select (field.Line, field.Key, value);
        Prop.ForAll(Arb.From(bad), b =>
        {
            string prefix = $"      {b.Key}: ";
            ManifestResult result = ManifestLoader.Load(ServiceGroupSample.With($"{b.Line}", prefix + b.Value), ServiceGroupSample.File);
            ManifestAssert.Single(result, b.Line, prefix.Length + 1, $"'{b.Key}' must be");
        }).QuickCheckThrowOnFailure();
    }
}
