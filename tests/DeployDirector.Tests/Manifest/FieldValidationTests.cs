using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>Every field of the sample manifest, made valid in other ways and invalid in each way, with the
/// exact position of the one error expected (line numbers are the sample's; an edit may add lines).</summary>
public sealed class FieldValidationTests
{
    public static TheoryData<string, string, int, int, string> Invalid() => new()
    {
        { "1", "name: Demo", 1, 7, "'name' must be 1 to 63 lowercase letters" },
        { "1", "name: " + new string('a', 64), 1, 7, "'name' must be 1 to 63" },
        { "1", "name: -demo", 1, 7, "'name' must be 1 to 63" },
        { "1", "name: [a]", 1, 7, "'name' must be a single value, not a list" },
        { "1", "name: ~", 1, 7, "'name' needs a value" },
        { "1", "name:", 1, 6, "'name' needs a value" },
        { "1", "name: ''", 1, 7, "'name' must be 1 to 63" },
        { "3", "  - { name: demo, version: [1] }", 3, 28, "'version' must be a single value, not a list" },
        { "3", "  - { name: demo, version: 1 beta }", 3, 28, "'version' must be \"latest\" or a version" },
        { "3", "  - { name: demo }", 3, 5, "a release needs 'version'" },
        { "3", "  - { name: demo, version: 1, sha1: x }", 3, 31, "unknown key 'sha1' in a release" },
        { "3", "  - [demo, 1]\n  - { name: demo, version: 1 }", 3, 5, "a release must be a mapping of name, version" },
        { "5", "    version: latest\n  - { name: demo, version: 2 }", 6, 13, "release 'demo' is listed twice" },
        { "7", "  - { alias: default, edition: stem#cell }", 7, 32, "'edition' must be a lineage (base) or one of its editions (base@3)" },
        { "9", "    edition: stemcell@0", 9, 14, "'edition' must be a lineage" },
        { "9", "    edition: stemcell@2\n  - { alias: fast, edition: x }", 10, 14, "stemcell alias 'fast' is defined twice" },
        { "6-9", "stemcells: { alias: default }", 6, 12, "'stemcells' must be a list of stemcells" },
        { "2-5", "releases: []", 2, 11, "'releases' must list at least one of releases" },
        { "2-5", "releases: demo", 2, 11, "'releases' must be a list of releases" },
        { "21-50", "instance_groups: []", 21, 18, "'instance_groups' must list at least one of instance groups" },
        { "10-16", "update: 5", 10, 9, "update must be a mapping of canaries, max_in_flight" },
        { "11", "  canaries: -1", 11, 13, "'canaries' must be a whole number 0 or more, got '-1'" },
        { "11", "  canaries: '1'", 11, 13, "got the string \"1\" (leave numbers and booleans unquoted)" },
        { "11", "  canaries: 1.5", 11, 13, "'canaries' must be a whole number" },
        { "12", "  max_in_flight: 0", 12, 18, "'max_in_flight' must be a whole number of 1 or more, or a percentage from 1% to 100%" },
        { "12", "  max_in_flight: 101%", 12, 18, "'max_in_flight' must be" },
        { "12", "  max_in_flight: 0%", 12, 18, "'max_in_flight' must be" },
        { "12", "  max_in_flight: lots", 12, 18, "'max_in_flight' must be" },
        { "13", "  canary_watch_time: 3000-1000", 13, 22, "must satisfy 0 <= low <= high, 0 < high <= 3600000" },
        { "13", "  canary_watch_time: 0", 13, 22, "must satisfy 0 <= low <= high" },
        { "13", "  canary_watch_time: 1000-3600001", 13, 22, "must satisfy" },
        { "13", "  canary_watch_time: soon", 13, 22, "'canary_watch_time' must be milliseconds" },
        { "14", "  update_watch_time: 1-2-3", 14, 22, "'update_watch_time' must be milliseconds" },
        { "14", "  update_watch_time: -5", 14, 22, "must satisfy" },
        { "15", "  serial: yes", 15, 11, "'serial' must be true or false, got 'yes'" },
        { "16", "  min_available: -2", 16, 18, "'min_available' must be a whole number 0 or more" },
        { "16", "  max_in_flite: 3", 16, 3, "unknown key 'max_in_flite' in update: did you mean 'max_in_flight'?" },
        { "16", "  pause_after_canaries: 1", 16, 25, "'pause_after_canaries' must be true or false" },
        { "16", "  on_failure: retry", 16, 15, "'on_failure' must be halt or rollback, got 'retry'" },
        { "27", "    leaf_policy: wipe", 27, 18, "'leaf_policy' must be keep or reset, got 'wipe'" },
        { "18", "  - { name: admin_password, type: secret }", 18, 35, "'type' must be password or string" },
        { "18", "  - { name: 'bad name', type: password }", 18, 13, "'name' must be letters, digits" },
        { "19", "  - name: admin_password", 19, 11, "variable 'admin_password' is declared twice" },
        { "17-20", "variables: 3", 17, 12, "'variables' must be a list of variables" },
        { "22", "  - name: Web", 22, 11, "'name' must be 1 to 63" },
        { "37", "  - name: web", 37, 11, "instance group 'web' is defined twice" },
        { "23", "    instances: 1001", 23, 16, "'instances' must be a whole number from 0 to 1000, got '1001'" },
        { "23", "    instances: -1", 23, 16, "from 0 to 1000" },
        { "23", "    instances: two", 23, 16, "from 0 to 1000, got 'two'" },
        { "23", "    instances: 2.5", 23, 16, "from 0 to 1000" },
        { "23", "    instances: {}", 23, 16, "'instances' must be a single value, not a mapping" },
        { "24", "    spares: -1", 24, 13, "'spares' must be a whole number from 0 to 1000" },
        { "25", "    stemcell: nope", 25, 15, "stemcell 'nope' is not an alias under 'stemcells'" },
        { "26", "    branch: web@2", 26, 13, "'branch' must be a lineage name" },
        { "27", "    lifecycle: servce", 27, 16, "'lifecycle' must be service or errand, got 'servce' (did you mean 'service'?)" },
        { "47", "    stemcell: default\n    spares: 1", 48, 13, "an errand group keeps no hot spares" },
        { "28", "    placement: { labels: [web] }", 28, 26, "'labels' must be a mapping of label name to value, not a list" },
        { "28", "    placement: { labels: { role: [a] } }", 28, 34, "'role' must be a single value, not a list" },
        { "28", "    placement: { labels: { 'a b': c } }", 28, 28, "label name 'a b' must be" },
        { "28", "    placement: { failure_domain: 'a zone' }", 28, 34, "'failure_domain' must be a label name" },
        { "28", "    placement: { zone: a }", 28, 18, "unknown key 'zone' in placement" },
        { "28", "    placement: web", 28, 16, "placement must be a mapping of labels, failure_domain" },
        { "29", "    resources: { cores: -1 }", 29, 25, "'cores' must be a whole number from 0 to 4096" },
        { "29", "    resources: { memory: 256X }", 29, 26, "'memory' must be a size in bytes, or with a binary suffix K, M, G or T" },
        { "29", "    resources: { memory: 99999999999T }", 29, 26, "'memory' must be a size" },
        { "29", "    resources: { memory: -1 }", 29, 26, "'memory' must be a size" },
        { "30", "    update: { canaries: x }", 30, 25, "'canaries' must be a whole number 0 or more, got 'x'" },
        { "30", "    update: { serial: 1 }", 30, 23, "'serial' must be true or false" },
        { "49-50", "    jobs: []", 49, 11, "'jobs' must list at least one of jobs" },
        { "33", "        release: nope", 33, 18, "release 'nope' is not listed under 'releases': add it there or use a listed one (listed: demo, other)" },
        { "34", "        properties: [1]", 34, 21, "'properties' must be a mapping of property names to values" },
        { "34", "        properties: { a: !!int 5 }", 34, 26, "tag 'tag:yaml.org,2002:int' is not supported in properties" },
        { "34", "        properties: { t: ((nope)) }", 34, 26, "no value for variable 'nope': pass it in a variables file (--vars-file) or set it through the API" },
        { "34", "        properties: { [a]: 1 }", 34, 23, "a key must be a plain name, not a mapping or a list" },
        { "35", "        provides: { web: { as: web-servers, ass: 1 } }", 35, 45, "unknown key 'ass' in provides 'web': did you mean 'as'?" },
        { "43", "        provides: { backend: { as: backend-api }, 'x y': {} }", 43, 51, "link name 'x y' must be" },
        { "36", "        consumes: { backend: { from: nowhere } }", 36, 38, "consumes 'backend' from 'nowhere', which no job in the deployment publishes (published links are backend-api, web-servers)" },
        { "36", "        consumes: { backend: { from: backend-apj } }", 36, 38, "did you mean 'backend-api'?" },
        { "36", "        consumes: { backend: { optional: true } }", 36, 30, "consumes 'backend' needs 'from'" },
        { "36", "        consumes: { backend: { from: backend-api, optional: maybe } }", 36, 61, "'optional' must be true or false" },
        { "36", "        consumes: { backend: backend-api }", 36, 30, "consumes 'backend' must be a mapping of from, optional" },
        { "36", "        consumes: [backend]", 36, 19, "'consumes' must be a mapping of link name to its settings, not a list" },
        { "50", "      - { name: run, release: demo, templates: [] }", 50, 37, "unknown key 'templates' in a job" },
        { "50", "      - { release: demo }", 50, 9, "a job needs 'name'" },
        { "50", "      - { name: run, release: demo }\n      - { name: run, release: demo }", 51, 17, "job 'run' appears twice in instance group 'migrate'" },
        { "50", "      - run", 50, 9, "a job must be a mapping of name, release" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_values_are_reported_at_their_exact_position(string lines, string replacement, int errorLine, int errorColumn, string says)
    {
        ManifestResult result = ManifestLoader.Load(SampleManifest.With(lines, replacement), SampleManifest.File, SampleManifest.Variables);
        ManifestAssert.Single(result, errorLine, errorColumn, says);
    }

    private static readonly Dictionary<string, Func<DeploymentManifest, string>> Fields = new()
    {
        ["name"] = m => m.Name,
        ["release0"] = m => m.Releases[0].Version,
        ["edition1"] = m => m.Stemcells[1].Edition,
        ["update"] = m => $"{m.Update.Canaries} {m.Update.MaxInFlight} {m.Update.CanaryWatchTime} {m.Update.UpdateWatchTime} {m.Update.Serial} {m.Update.MinAvailable?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}",
        ["web"] = m => $"{m.InstanceGroups[0].Instances} {m.InstanceGroups[0].Spares} {m.InstanceGroups[0].Branch ?? "-"} {m.InstanceGroups[0].Lifecycle}",
        ["web.resources"] = m => $"{m.InstanceGroups[0].Resources.Cores} {m.InstanceGroups[0].Resources.MemoryBytes}",
        ["web.update"] = m => m.InstanceGroups[0].Update is { } u ? $"{u.Canaries} {u.MaxInFlight} {u.Serial}" : "-",
        ["web.placement"] = m => $"{string.Join(",", m.InstanceGroups[0].Placement.Labels.Select(l => $"{l.Key}={l.Value}"))} {m.InstanceGroups[0].Placement.FailureDomain ?? "-"}",
        ["httpd"] = m => m.InstanceGroups[0].Jobs[0].Properties.ToJsonString(),
        ["httpd.links"] = m => string.Join(" ", m.InstanceGroups[0].Jobs[0].Provides.Select(p => $"{p.Key}>{p.Value}")
            .Concat(m.InstanceGroups[0].Jobs[0].Consumes.Select(c => $"{c.Key}<{c.Value.From}{(c.Value.Optional ? "?" : "")}"))),
        ["run.links"] = m => string.Join(" ", m.InstanceGroups[2].Jobs[0].Provides.Select(p => $"{p.Key}>{p.Value}")),
        ["variables"] = m => string.Join(" ", m.Variables.Select(v => $"{v.Name}:{v.Type}")),
    };

    public static TheoryData<string, string, string, string> Valid() => new()
    {
        { "1", "name: " + new string('a', 63), "name", new string('a', 63) },
        { "1", "name: 0-a-", "name", "0-a-" },
        { "1", "name: true", "name", "true" },
        { "1", "name: \"demo\"", "name", "demo" },
        { "3", "  - { name: demo, version: 1.10 }", "release0", "1.10" },
        { "3", "  - { name: demo, version: v2.0+build.5 }", "release0", "v2.0+build.5" },
        { "3", "  - { name: demo, version: latest }", "release0", "latest" },
        { "9", "    edition: stemcell@12", "edition1", "stemcell@12" },
        { "9", "    edition: other.lineage_1", "edition1", "other.lineage_1" },
        { "12", "  max_in_flight: 25%", "update", "1 25% 1000-30000 5000 True 1" },
        { "12", "  max_in_flight: 100%", "update", "1 100% 1000-30000 5000 True 1" },
        { "11", "  canaries: 0", "update", "0 2 1000-30000 5000 True 1" },
        { "13", "  canary_watch_time: 500", "update", "1 2 500 5000 True 1" },
        { "13", "  canary_watch_time: ' 100 - 200 '", "update", "1 2 100-200 5000 True 1" },
        { "14", "  update_watch_time: 0-3600000", "update", "1 2 1000-30000 0-3600000 True 1" },
        { "15", "  serial: false", "update", "1 2 1000-30000 5000 False 1" },
        { "16", "", "update", "1 2 1000-30000 5000 True -" },
        { "10-16", "update: ~", "update", "1 1 1000-30000 1000-30000 True -" },
        { "23", "    instances: 0", "web", "0 1 web service" },
        { "23", "    instances: 1000", "web", "1000 1 web service" },
        { "24", "    spares: 0", "web", "2 0 web service" },
        { "26", "    branch: ~", "web", "2 1 - service" },
        { "27", "", "web", "2 1 web service" },
        { "29", "    resources: { cores: 2, memory: 1G }", "web.resources", "2 1073741824" },
        { "29", "    resources: { memory: 4096 }", "web.resources", "0 4096" },
        { "29", "    resources: { memory: 2k }", "web.resources", "0 2048" },
        { "29", "    resources: { memory: 3T }", "web.resources", "0 3298534883328" },
        { "30", "    update: ~", "web.update", "-" },
        { "30", "    update: { serial: false }", "web.update", "1 2 False" },
        { "28", "    placement: { labels: { role: web, rack: 7 } }", "web.placement", "role=web,rack=7 -" },
        { "28", "", "web.placement", " -" },
        { "34", "        properties: ~", "httpd", "{}" },
        { "34", "        properties: { nested: { list: [[1, 2], { k: v }] } }", "httpd", """{"nested":{"list":[[1,2],{"k":"v"}]}}""" },
        { "34", "        properties: { url: 'http://((title)):80/x' }", "httpd", """{"url":"http://Hello:80/x"}""" },
        { "50", "      - { name: run, release: demo, provides: { done: ~ } }", "run.links", "done>done" },
        { "36", "        consumes: { backend: { from: backend-api }, cache: { from: nowhere, optional: true } }", "httpd.links", "web>web-servers backend<backend-api cache<nowhere?" },
        { "17-20", "variables: []", "variables", "" },
        { "19", "  - name: ti.t-le_2", "variables", "admin_password:password ti.t-le_2:string" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_values_map_to_the_model(string lines, string replacement, string field, string expected)
    {
        ManifestResult result = ManifestLoader.Load(SampleManifest.With(lines, replacement), SampleManifest.File, SampleManifest.Variables);
        Assert.Equal(expected, Fields[field](ManifestAssert.Valid(result)));
    }
}
