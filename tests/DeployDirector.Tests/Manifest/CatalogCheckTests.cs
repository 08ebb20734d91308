using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

public sealed class CatalogCheckTests
{
    private readonly TestCatalog _catalog = new();

    private ManifestResult Load(string yaml) => ManifestLoader.Load(yaml, SampleManifest.File, SampleManifest.Variables, _catalog);

    [Fact]
    public void The_sample_passes_and_latest_is_pinned_to_the_newest_version()
    {
        DeploymentManifest m = ManifestAssert.Valid(Load(SampleManifest.Yaml));
        Assert.Equal(["demo 1", "other 0.10"], m.Releases.Select(r => $"{r.Name} {r.Version}").ToArray());
        Assert.Contains(("other", "0.10", "server"), _catalog.JobLookups);
    }

    [Fact]
    public void Latest_compares_digit_runs_as_numbers()
    {
        DeploymentManifest m = ManifestAssert.Valid(Load(SampleManifest.With(3, "  - { name: demo, version: latest }")));
        Assert.Equal("10", m.Releases[0].Version);
    }

    [Fact]
    public void A_release_not_uploaded_is_reported_at_its_entry()
    {
        _catalog.Releases.Remove("other");
        ManifestAssert.Single(Load(SampleManifest.Yaml), 4, 5, "release 'other' is not uploaded: upload it before deploying");
    }

    [Fact]
    public void A_missing_version_lists_the_uploaded_ones()
    {
        ManifestAssert.Single(Load(SampleManifest.With(3, "  - { name: demo, version: 3 }")), 3, 28,
            "release 'demo' has no version '3': the uploaded versions are 1, 2, 10 (or use latest)");
    }

    [Fact]
    public void A_job_not_in_its_release_is_reported_at_its_name()
    {
        ManifestAssert.Single(Load(SampleManifest.With(32, "      - name: httpdd")), 32, 15, "job 'httpdd' is not in release demo/1");
    }

    [Fact]
    public void An_unknown_property_is_reported_with_a_suggestion()
    {
        ManifestAssert.Single(Load(SampleManifest.With(34, "        properties: { prot: 80 }")), 34, 23,
            "unknown property 'prot' for job 'httpd' (demo/1): did you mean 'port'?");
    }

    [Fact]
    public void Nested_properties_are_checked_by_their_dotted_path()
    {
        ManifestAssert.Single(Load(SampleManifest.With(34, "        properties: { tls: { enabled: true, certs: x } }")), 34, 45,
            "unknown property 'tls.certs' for job 'httpd' (demo/1): did you mean 'tls.cert'?");
    }

    [Fact]
    public void A_property_group_given_a_single_value_is_reported()
    {
        ManifestAssert.Single(Load(SampleManifest.With(34, "        properties: { tls: on }")), 34, 28,
            "property 'tls' of job 'httpd' (demo/1) holds properties (tls.enabled, tls.cert): give it a mapping");
    }

    [Fact]
    public void A_declared_property_may_hold_any_value()
    {
        ManifestAssert.Valid(Load(SampleManifest.With(34, "        properties: { tags: { any: [1, { deep: x }] }, tls: ~ }")));
    }

    [Fact]
    public void A_provided_link_the_job_does_not_declare_is_reported()
    {
        ManifestAssert.Single(Load(SampleManifest.With(35, "        provides: { webb: { as: web-servers } }")), 35, 21,
            "job 'httpd' (demo/1) provides no link 'webb': did you mean 'web'?");
    }

    [Fact]
    public void A_consumed_link_the_job_does_not_declare_is_reported()
    {
        ManifestAssert.Single(Load(SampleManifest.With(44, "        consumes: { web: { from: web-servers }, db: { from: x, optional: true } }")), 44, 49,
            "job 'server' (other/0.10) consumes no link 'db': it consumes web");
    }

    [Fact]
    public void An_unconnected_required_link_needs_exactly_one_provider()
    {
        ManifestAssert.Single(Load(SampleManifest.With(36, "")), 32, 15,
            "job 'httpd' (demo/1) needs link 'backend' and no job in the deployment publishes it: connect it with consumes: { backend: { from: <published link> } }");
    }

    [Fact]
    public void An_implicit_link_to_the_one_provider_is_fine()
    {
        ManifestAssert.Valid(Load(SampleManifest.With((36, ""), (43, "        provides: { backend: ~ }"))));
    }

    [Fact]
    public void Links_a_spec_provides_are_published_under_their_own_name()
    {
        ManifestAssert.Valid(Load(SampleManifest.With((36, ""), (43, ""))));
    }

    [Fact]
    public void An_implicit_link_with_two_providers_is_ambiguous()
    {
        string yaml = SampleManifest.With((36, ""), (43, "        provides: { backend: ~ }"),
            (50, "      - { name: run, release: demo }\n  - name: api2\n    instances: 1\n    stemcell: fast\n    jobs:\n      - { name: server, release: other, consumes: { web: { from: web-servers } } }"));
        ManifestAssert.Single(Load(yaml), 32, 15, "needs link 'backend' and 2 jobs publish it (api/server, api2/server)");
    }

    [Fact]
    public void An_unknown_edition_is_reported_at_the_edition()
    {
        ManifestAssert.Single(Load(SampleManifest.With(9, "    edition: stemcell@3")), 9, 14,
            "edition 'stemcell@3' is not in the image tree: import or freeze it first");
    }

    [Fact]
    public void A_placement_problem_is_reported_at_the_placement_key_or_the_group()
    {
        _catalog.Unplaceable["web"] = "no node has label role=web";
        _catalog.Unplaceable["api"] = "needs 1 node, 0 are free";
        ManifestResult r = Load(SampleManifest.Yaml);
        Assert.Equal(
            [
                "demo.yml:28:5: instance group 'web' cannot be placed: no node has label role=web",
                "demo.yml:37:5: instance group 'api' cannot be placed: needs 1 node, 0 are free",
            ],
            r.Errors.Select(e => e.ToString()).ToArray());
    }

    [Fact]
    public void Catalog_problems_come_with_the_other_problems()
    {
        ManifestResult r = Load(SampleManifest.With((3, "  - { name: demo, version: 3 }"), (23, "    instances: 1001"), (34, "        properties: { prot: 80 }")));
        Assert.Equal([(3, 28), (23, 16)], r.Errors.Select(e => (e.Line, e.Column)).ToArray());
        r = Load(SampleManifest.With((9, "    edition: stemcell@3"), (23, "    instances: 1001"), (34, "        properties: { prot: 80 }")));
        Assert.Equal([(9, 14), (23, 16), (34, 23)], r.Errors.Select(e => (e.Line, e.Column)).ToArray());
    }

    [Fact]
    public void Without_a_catalog_none_of_these_checks_run()
    {
        ManifestAssert.Valid(ManifestLoader.Load(SampleManifest.With((3, "  - { name: demo, version: 3 }"), (34, "        properties: { prot: 80 }")),
            SampleManifest.File, SampleManifest.Variables));
    }
}
