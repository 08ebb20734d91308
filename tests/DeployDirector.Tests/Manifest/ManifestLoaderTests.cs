using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

public sealed class ManifestLoaderTests
{
    [Fact]
    public void A_full_manifest_maps_to_the_exact_model()
    {
        DeploymentManifest m = ManifestAssert.Valid(ManifestLoader.Load(SampleManifest.Yaml, SampleManifest.File, SampleManifest.Variables));

        const string expected = """
            name demo
            release demo 1 @3:5
            release other latest @4:5
            stemcell default stemcell @7:5
            stemcell fast stemcell@2 @8:5
            update canaries 1 max_in_flight 2 canary 1000-30000 update 5000 serial True min_available 1
            variable admin_password password @18:5
            variable title string @19:5
            group web @22:5 instances 2 @23:5 spares 1 stemcell default branch web lifecycle service
              placement [role=web] domain zone @28:5
              resources cores 1 memory 268435456
              update canaries 0 max_in_flight 50% canary 1000-30000 update 5000 serial True min_available 1
              failover heartbeat 1000 suspect 2 dead 3 lease 10000 fence True give_back False failing 10000 orphan 300000 meltdown 50%/30000
              balance cpu high 80% low 50% min_available 1 interval 10000 max_moves 0
              autoscale -
              ports []
              job httpd release demo @32:9 properties {"port":80,"title":"Hello","tls":{"enabled":false},"ratio":0.5,"tags":["a","1",null]}
                provides web as web-servers
                consumes backend from backend-api optional False @36:21
            group api @37:5 instances 1 @38:5 spares 0 stemcell fast branch - lifecycle service
              placement [] domain - @37:5
              resources cores 0 memory 0
              update -
              failover heartbeat 1000 suspect 2 dead 3 lease 10000 fence True give_back False failing 10000 orphan 300000 meltdown 50%/30000
              balance cpu high 80% low 50% min_available 1 interval 10000 max_moves 0
              autoscale -
              ports []
              job server release other @41:9 properties {}
                provides backend as backend-api
                consumes web from web-servers optional False @44:21
            group migrate @45:5 instances 1 @46:5 spares 0 stemcell default branch - lifecycle errand
              placement [] domain - @45:5
              resources cores 0 memory 0
              update -
              failover heartbeat 1000 suspect 2 dead 3 lease 10000 fence True give_back False failing 10000 orphan 300000 meltdown 50%/30000
              balance cpu high 80% low 50% min_available 1 interval 10000 max_moves 0
              autoscale -
              ports []
              job run release demo @50:9 properties {}

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), ManifestText.Of(m).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Property_values_are_typed_like_yaml_and_quoted_ones_stay_strings()
    {
        string yaml = SampleManifest.With(34,
            "        properties: { i: 7, big: 5000000000, hex: 0x1F, oct: 0o17, f: 1.5e3, t: True, n: null, e: , s: '80', d: \"true\", tagged: !!str 12, inf: .inf, word: yes }");
        DeploymentManifest m = ManifestAssert.Valid(ManifestLoader.Load(yaml, SampleManifest.File, SampleManifest.Variables));
        Assert.Equal(
            """{"i":7,"big":5000000000,"hex":31,"oct":15,"f":1500,"t":true,"n":null,"e":null,"s":"80","d":"true","tagged":"12","inf":".inf","word":"yes"}""",
            m.InstanceGroups[0].Jobs[0].Properties.ToJsonString());
    }

    [Fact]
    public void Unknown_keys_are_reported_with_a_suggestion()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(12, "  max_in_fligt: 2"), SampleManifest.File, SampleManifest.Variables);
        ManifestError e = ManifestAssert.Single(r, 12, 3, "unknown key 'max_in_fligt' in update: did you mean 'max_in_flight'?");
        Assert.Equal("demo.yml:12:3: " + e.Message, e.ToString());
    }

    [Fact]
    public void Camel_case_keys_are_pointed_to_their_snake_case_spelling()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(21, "instanceGroups:"), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Has(r, 21, 1, "unknown key 'instanceGroups' in the manifest: did you mean 'instance_groups'?");
        ManifestAssert.Has(r, 1, 1, "the manifest needs 'instance_groups'");
        Assert.Equal(2, r.Errors.Count);
    }

    [Fact]
    public void A_misspelt_required_key_is_unknown_and_missing()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(23, "    instance: 2"), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Has(r, 23, 5, "unknown key 'instance' in an instance group: did you mean 'instances'?");
        ManifestAssert.Has(r, 22, 5, "an instance group needs 'instances'");
        Assert.Equal(2, r.Errors.Count);
    }

    [Fact]
    public void An_unknown_key_far_from_any_known_one_lists_the_known_keys()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(29, "    resources: { cores: 1, gpu: 2 }"), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Single(r, 29, 28, "unknown key 'gpu' in resources: the known keys here are cores, memory");
    }

    [Fact]
    public void Several_errors_are_reported_together_in_file_order()
    {
        string yaml = SampleManifest.With(
            (1, "name: Demo_App"),
            (12, "  max_in_flight: 0"),
            (23, "    instances: 1001"),
            (33, "        release: nope"),
            (39, "    stemcell: slow"));
        ManifestResult r = ManifestLoader.Load(yaml, SampleManifest.File, SampleManifest.Variables);
        Assert.Null(r.Manifest);
        Assert.Equal(
            [(1, 7), (12, 18), (23, 16), (33, 18), (39, 15)],
            r.Errors.Select(e => (e.Line, e.Column)).ToArray());
    }

    [Fact]
    public void Duplicate_keys_are_errors_wherever_they_are()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(
            (16, "  min_available: 1\n  canaries: 2"),
            (34, "        properties: { port: 80, port: 81 }")), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Has(r, 17, 3, "duplicate key 'canaries' (first at line 11, column 3)");
        ManifestAssert.Has(r, 35, 33, "duplicate key 'port' (first at line 35, column 23)");
        Assert.Equal(2, r.Errors.Count);
    }

    [Fact]
    public void A_yaml_syntax_error_is_reported_at_the_parser_mark()
    {
        ManifestResult r = ManifestLoader.Load("name: demo\nreleases: [ { name: demo\n", "bad.yml");
        ManifestError e = Assert.Single(r.Errors);
        Assert.Null(r.Manifest);
        Assert.Equal(("bad.yml", 3, 1), (e.File, e.Line, e.Column));
        Assert.StartsWith("YAML syntax:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_that_trips_the_yaml_scanner_is_a_syntax_error_too()
    {
        // Found by the garbage property: YamlDotNet's scanner throws InvalidOperationException here.
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(34, "        properties: {[port: 80, title: x }"), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Single(r, 34, 21, "YAML syntax: the parser cannot read the YAML after this point");
    }

    [Fact]
    public void Bad_indentation_is_a_syntax_error_where_it_starts()
    {
        ManifestResult r = ManifestLoader.Load("name: demo\n releases: 1\n", "bad.yml");
        ManifestAssert.Single(r, 2, 10, "YAML syntax");
    }

    [Fact]
    public void A_document_over_the_size_limit_is_one_error()
    {
        string yaml = "name: demo\n# " + new string('x', ManifestLoader.MaxBytes) + "\n";
        ManifestAssert.Single(ManifestLoader.Load(yaml, "big.yml"), 1, 1, "larger than 1048576 bytes");
    }

    [Fact]
    public void An_empty_manifest_says_what_it_needs()
    {
        ManifestAssert.Single(ManifestLoader.Load("", "empty.yml"), 1, 1, "the manifest is empty");
        ManifestAssert.Single(ManifestLoader.Load("# nothing\n", "empty.yml"), 1, 1, "the manifest is empty");
    }

    [Fact]
    public void A_second_document_is_rejected()
    {
        ManifestAssert.Single(ManifestLoader.Load(SampleManifest.Yaml + "---\nname: again\n", SampleManifest.File, SampleManifest.Variables),
            51, 1, "a manifest is one YAML document");
    }

    [Fact]
    public void A_manifest_that_is_not_a_mapping_is_rejected()
    {
        ManifestAssert.Single(ManifestLoader.Load("- a\n- b\n", "list.yml"), 1, 1, "the manifest must be a mapping");
    }

    [Fact]
    public void Aliases_reuse_anchored_nodes()
    {
        string yaml = SampleManifest.With(
            (34, "        properties: &props { port: 80 }"),
            (44, "        consumes: { web: { from: web-servers } }\n        properties: *props"));
        DeploymentManifest m = ManifestAssert.Valid(ManifestLoader.Load(yaml, SampleManifest.File, SampleManifest.Variables));
        Assert.Equal("""{"port":80}""", m.InstanceGroups[1].Jobs[0].Properties.ToJsonString());
    }

    [Fact]
    public void An_alias_to_no_anchor_is_an_error_at_the_alias()
    {
        ManifestResult r = ManifestLoader.Load(SampleManifest.With(34, "        properties: *nothing"), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Has(r, 34, 21, "alias '*nothing' names no anchor");
    }

    [Fact]
    public void An_alias_bomb_stops_at_the_node_budget()
    {
        List<string> lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
        for (int i = 1; i <= 9; i++)
        {
            lines.Add($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]");
        }
        string bomb = string.Join("\n", lines.Select(l => "          " + l));
        string yaml = SampleManifest.With(34, "        properties:\n" + bomb);
        ManifestResult r = ManifestLoader.Load(yaml, SampleManifest.File, SampleManifest.Variables);
        Assert.Null(r.Manifest);
        ManifestError budget = Assert.Single(r.Errors, e => e.Message.Contains("more than 100000 nodes", StringComparison.Ordinal));
        Assert.True(budget.Line is >= 35 and <= 44, budget.ToString());
    }

    [Fact]
    public void Deep_nesting_is_bounded()
    {
        string yaml = "name: " + new string('[', 5000) + new string(']', 5000) + "\n";
        // The root mapping is the first level, so the 128th bracket is one too many.
        ManifestAssert.Single(ManifestLoader.Load(yaml, "deep.yml"), 1, 7 + 127, "nested deeper than 128 levels");
    }
}
