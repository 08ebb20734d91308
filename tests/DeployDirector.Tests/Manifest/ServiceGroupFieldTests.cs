using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>Every service-group field of <see cref="ServiceGroupSample"/>, made valid in other ways and
/// invalid in each way, with the exact position of the one error expected.</summary>
public sealed class ServiceGroupFieldTests
{
    public static TheoryData<string, string, int, int, string> Invalid() => new()
    {
        { "9", "      heartbeat: 50", 9, 18, "'heartbeat' must be a duration from 100 to 60000 ms, in milliseconds (1000) or with a unit (500ms, 3s, 2m), got '50'" },
        { "9", "      heartbeat: 61s", 9, 18, "from 100 to 60000 ms" },
        { "9", "      heartbeat: 5h", 9, 18, "got '5h'" },
        { "9", "      heartbeat: 1.5s", 9, 18, "got '1.5s'" },
        { "9", "      heartbeat: soon", 9, 18, "'heartbeat' must be a duration" },
        { "9", "      heartbeat: '500'", 9, 18, "got the string \"500\" (leave numbers and booleans unquoted)" },
        { "9", "      heartbeat: 99999999999ms", 9, 18, "'heartbeat' must be a duration" },
        { "9", "      heartbeat: [1]", 9, 18, "'heartbeat' must be a single value, not a list" },
        { "9", "      hartbeat: 500ms", 9, 7, "unknown key 'hartbeat' in failover: did you mean 'heartbeat'?" },
        { "10", "      suspect_after: 0", 10, 22, "'suspect_after' must be a whole number 1 or more, got '0'" },
        { "11", "      dead_after: x", 11, 19, "'dead_after' must be a whole number 1 or more" },
        { "11", "      dead_after: 2", 11, 19, "'dead_after' (2) must be more than 'suspect_after' (2): a member is suspect before it is dead" },
        { "10", "      suspect_after: 5", 11, 19, "'dead_after' (4) must be more than 'suspect_after' (5)" },
        { "10-11", "      suspect_after: 3", 10, 22, "'dead_after' (3, the default) must be more than 'suspect_after' (3)" },
        { "12", "      lease: 2s", 12, 14, "'lease' (2000 ms) must be longer than heartbeat × dead_after (500 × 4 = 2000 ms)" },
        { "9-12", "      heartbeat: 5s\n      suspect_after: 2\n      dead_after: 4", 11, 19, "'lease' (10000 ms, the default) must be longer than heartbeat × dead_after (5000 × 4 = 20000 ms)" },
        { "9-12", "      lease: 1s", 9, 14, "'lease' (1000 ms) must be longer than heartbeat × dead_after (1000 × 3 = 3000 ms)" },
        { "12", "      lease: 0", 12, 14, "'lease' must be a duration from 1 to 86400000 ms" },
        { "12", "      lease: 1441m", 12, 14, "'lease' must be a duration from 1 to 86400000 ms" },
        { "13", "      fence: maybe", 13, 14, "'fence' must be true or false, got 'maybe'" },
        { "14", "      give_back: 1", 14, 18, "'give_back' must be true or false" },
        { "15", "      failing_after: -1", 15, 22, "'failing_after' must be a duration from 0 to 86400000 ms" },
        { "16", "      orphan_alert: 2d", 16, 21, "'orphan_alert' must be a duration" },
        { "17", "      meltdown: { share: 0%, window: 1m }", 17, 26, "'share' must be a percentage from 1% to 100% (80% or 80), or off, got '0%'" },
        { "17", "      meltdown: { share: 101, window: 1m }", 17, 26, "'share' must be a percentage" },
        { "17", "      meltdown: { share: half }", 17, 26, "'share' must be a percentage" },
        { "17", "      meltdown: { share: 50%, window: 0 }", 17, 39, "'window' must be a duration from 1 to 86400000 ms" },
        { "17", "      meltdown: { share: 50%, windw: 1m }", 17, 31, "unknown key 'windw' in meltdown: did you mean 'window'?" },
        { "17", "      meltdown: on", 17, 17, "'meltdown' must be off or a mapping of share, window, got 'on'" },
        { "17", "      meltdown: [1]", 17, 17, "meltdown must be a mapping of share, window" },
        { "8-17", "    failover: 5", 8, 15, "failover must be a mapping of heartbeat, suspect_after, dead_after, lease" },
        { "8", "    failovr:", 8, 5, "unknown key 'failovr' in an instance group: did you mean 'failover'?" },
        { "19", "      metric: disk", 19, 15, "'metric' must be cpu or memory or job, got 'disk'" },
        { "19", "      metric: jobs", 19, 15, "(did you mean 'job'?)" },
        { "20", "      high_water: 0%", 20, 19, "'high_water' must be a percentage from 1% to 100% (80% or 80), got '0%'" },
        { "20", "      high_water: 101%", 20, 19, "'high_water' must be a percentage" },
        { "20", "      high_water: 80.5%", 20, 19, "'high_water' must be a percentage" },
        { "20", "      high_water: '85'", 20, 19, "got the string \"85\"" },
        { "20", "      high_water: 60%", 21, 18, "'low_water' (60%) must be below 'high_water' (60%)" },
        { "20-21", "      high_water: 40%", 20, 19, "'low_water' (50%, the default) must be below 'high_water' (40%)" },
        { "21", "      low_water: 100", 21, 18, "'low_water' must be a percentage from 0% to 99%" },
        { "22", "      min_available: 4", 22, 22, "'min_available' (4) must not exceed the group's instances (3): lower it or add instances" },
        { "22", "      min_available: -1", 22, 22, "'min_available' must be a whole number from 0 to 1000" },
        { "37", "    stemcell: default\n    balance: { min_available: 1 }", 38, 31, "'min_available' (1) must not exceed the group's instances (0)" },
        { "23", "      interval: 50ms", 23, 17, "'interval' must be a duration from 100 to 86400000 ms" },
        { "24", "      max_moves: -1", 24, 18, "'max_moves' must be a whole number from 0 to 1000" },
        { "24", "      max_move: 1", 24, 7, "unknown key 'max_move' in balance: did you mean 'max_moves'?" },
        { "18-24", "    balance: [cpu]", 18, 14, "balance must be a mapping of metric, high_water" },
        { "26", "      min: 0", 26, 12, "'min' must be a whole number from 1 to 1000, got '0'" },
        { "27", "      max: 1001", 27, 12, "'max' must be a whole number from 1 to 1000" },
        { "26", "      min: 7", 26, 12, "'min' (7) must not exceed 'max' (6)" },
        { "26", "      min: 4", 6, 16, "'instances' (3) is below autoscale's 'min' (4): the group starts within its bounds; raise instances or lower min" },
        { "27", "      max: 2", 6, 16, "'instances' (3) is above autoscale's 'max' (2): the group starts within its bounds; lower instances or raise max" },
        { "26", "", 27, 7, "autoscale needs 'min'" },
        { "27", "", 26, 7, "autoscale needs 'max'" },
        { "28", "      scale_out_above: 0", 28, 24, "'scale_out_above' must be a percentage from 1% to 100%" },
        { "29", "      scale_in_below: 75%", 29, 23, "'scale_in_below' (75%) must be below 'scale_out_above' (75%)" },
        { "28-29", "      scale_out_above: 30%", 28, 24, "'scale_in_below' (30%, the default) must be below 'scale_out_above' (30%)" },
        { "30", "      cooldown: 1.5s", 30, 17, "'cooldown' must be a duration from 0 to 86400000 ms" },
        { "31", "      release: drop", 31, 16, "'release' must be delete or keep, got 'drop'" },
        { "31", "      relaese: keep", 31, 7, "unknown key 'relaese' in autoscale: did you mean 'release'?" },
        { "25-31", "    autoscale: yes", 25, 16, "autoscale must be a mapping of min, max" },
        { "32", "    ports: { http: 0 }", 32, 20, "'http' must be a whole number from 1 to 65535, got '0'" },
        { "32", "    ports: { http: 65536 }", 32, 20, "'http' must be a whole number from 1 to 65535" },
        { "32", "    ports: { http: '80' }", 32, 20, "got the string \"80\"" },
        { "32", "    ports: { HTTP: 80 }", 32, 14, "port name 'HTTP' must be 1 to 15 lowercase letters, digits or '-'" },
        { "32", "    ports: { a--b: 80 }", 32, 14, "port name 'a--b' must be" },
        { "32", "    ports: { http-: 80 }", 32, 14, "port name 'http-' must be" },
        { "32", "    ports: { 8080: 80 }", 32, 14, "port name '8080' must be" },
        { "32", "    ports: { sixteen-chars-xy: 80 }", 32, 14, "port name 'sixteen-chars-xy' must be" },
        { "32", "    ports: { http: 80, http: 81 }", 32, 24, "duplicate key 'http'" },
        { "32", "    ports: [8080]", 32, 12, "'ports' must be a mapping of port name to TCP port (http: 8080), not a list" },
        { "43", "    lifecycle: errand\n    failover: { heartbeat: 1s }", 44, 5, "an errand group takes no 'failover' (it runs to completion; failover is for service groups): remove it" },
        { "43", "    lifecycle: errand\n    balance: {}", 44, 5, "an errand group takes no 'balance'" },
        { "43", "    lifecycle: errand\n    autoscale: { min: 1, max: 2 }", 44, 5, "an errand group takes no 'autoscale'" },
        { "43", "    lifecycle: errand\n    ports: { http: x }", 44, 20, "'http' must be a whole number from 1 to 65535" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_values_are_reported_at_their_exact_position(string lines, string replacement, int errorLine, int errorColumn, string says)
    {
        ManifestResult result = ManifestLoader.Load(ServiceGroupSample.With(lines, replacement), ServiceGroupSample.File);
        ManifestAssert.Single(result, errorLine, errorColumn, says);
    }

    private static readonly Dictionary<string, Func<DeploymentManifest, string>> Fields = new()
    {
        ["failover"] = m => Failover(m.InstanceGroups[0].Failover),
        ["balance"] = m => Balance(m.InstanceGroups[0].Balance),
        ["autoscale"] = m => m.InstanceGroups[0].Autoscale is { } a ? $"{a.Min} {a.Max} {a.ScaleOutAbovePercent} {a.ScaleInBelowPercent} {a.CooldownMs} {a.DeleteReleased}" : "-",
        ["ports"] = m => Ports(m.InstanceGroups[0]),
        ["plain"] = m => $"{Failover(m.InstanceGroups[1].Failover)} | {Balance(m.InstanceGroups[1].Balance)} | {m.InstanceGroups[1].Autoscale?.ToString() ?? "-"} | {Ports(m.InstanceGroups[1])}",
        ["once"] = m => $"{Failover(m.InstanceGroups[2].Failover)} | {Balance(m.InstanceGroups[2].Balance)} | {m.InstanceGroups[2].Autoscale?.ToString() ?? "-"} | {Ports(m.InstanceGroups[2])}",
    };

    private static string Failover(FailoverPolicy f) =>
        $"{f.HeartbeatMs} {f.SuspectAfter} {f.DeadAfter} {f.LeaseMs} {f.Fence} {f.GiveBack} {f.FailingAfterMs} {f.OrphanAlertMs} {(f.Meltdown is { } g ? $"{g.SharePercent}/{g.WindowMs}" : "off")}";

    private static string Balance(BalancePolicy b) => $"{b.Metric} {b.HighWaterPercent} {b.LowWaterPercent} {b.MinAvailable} {b.IntervalMs} {b.MaxMoves}";

    private static string Ports(InstanceGroup g) => string.Join(" ", g.Ports.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    public static TheoryData<string, string, string, string> Valid() => new()
    {
        { "9", "      heartbeat: 100", "failover", "100 2 4 3000 True True 120000 600000 40/60000" },
        { "9", "      heartbeat: 0x1F4", "failover", "500 2 4 3000 True True 120000 600000 40/60000" },
        { "9-12", "      heartbeat: 1m\n      suspect_after: 2\n      dead_after: 4\n      lease: 5m", "failover", "60000 2 4 300000 True True 120000 600000 40/60000" },
        { "9-12", "      heartbeat: ~\n      suspect_after: 2\n      dead_after: 4\n      lease: 5s", "failover", "1000 2 4 5000 True True 120000 600000 40/60000" },
        { "10-11", "      suspect_after: 1\n      dead_after: 2", "failover", "500 1 2 3000 True True 120000 600000 40/60000" },
        { "12", "      lease: '2001ms'", "failover", "500 2 4 2001 True True 120000 600000 40/60000" },
        { "12", "      lease: 1440m", "failover", "500 2 4 86400000 True True 120000 600000 40/60000" },
        { "13-14", "      fence: false\n      give_back: false", "failover", "500 2 4 3000 False False 120000 600000 40/60000" },
        { "15", "      failing_after: 0", "failover", "500 2 4 3000 True True 0 600000 40/60000" },
        { "16", "      orphan_alert: 0ms", "failover", "500 2 4 3000 True True 120000 0 40/60000" },
        { "17", "      meltdown: off", "failover", "500 2 4 3000 True True 120000 600000 off" },
        { "17", "      meltdown: { share: off }", "failover", "500 2 4 3000 True True 120000 600000 off" },
        { "17", "      meltdown: { share: 100 }", "failover", "500 2 4 3000 True True 120000 600000 100/30000" },
        { "17", "      meltdown: { window: 2s }", "failover", "500 2 4 3000 True True 120000 600000 50/2000" },
        { "17", "      meltdown: ~", "failover", "500 2 4 3000 True True 120000 600000 50/30000" },
        { "8-17", "    failover: {}", "failover", "1000 2 3 10000 True False 10000 300000 50/30000" },
        { "8-17", "", "failover", "1000 2 3 10000 True False 10000 300000 50/30000" },
        { "19", "      metric: cpu", "balance", "cpu 85 60 2 5000 1" },
        { "19", "      metric: job", "balance", "job 85 60 2 5000 1" },
        { "20", "      high_water: 100", "balance", "memory 100 60 2 5000 1" },
        { "21", "      low_water: 0%", "balance", "memory 85 0 2 5000 1" },
        { "20-21", "      high_water: 51%", "balance", "memory 51 50 2 5000 1" },
        { "22", "      min_available: 3", "balance", "memory 85 60 3 5000 1" },
        { "22", "      min_available: 0", "balance", "memory 85 60 0 5000 1" },
        { "22", "", "balance", "memory 85 60 1 5000 1" },
        { "23", "      interval: 100ms", "balance", "memory 85 60 2 100 1" },
        { "24", "      max_moves: 1000", "balance", "memory 85 60 2 5000 1000" },
        { "18-24", "    balance: ~", "balance", "cpu 80 50 1 10000 0" },
        { "26", "      min: 3", "autoscale", "3 6 75 25 30000 False" },
        { "27", "      max: 3", "autoscale", "2 3 75 25 30000 False" },
        { "29", "      scale_in_below: 74", "autoscale", "2 6 75 74 30000 False" },
        { "28-31", "", "autoscale", "2 6 80 30 60000 True" },
        { "30", "      cooldown: 0", "autoscale", "2 6 75 25 0 False" },
        { "31", "      release: delete", "autoscale", "2 6 75 25 30000 True" },
        { "25-31", "    autoscale: ~", "autoscale", "-" },
        { "25-31", "", "autoscale", "-" },
        { "32", "    ports: { a: 1, z9: 65535 }", "ports", "a=1 z9=65535" },
        { "32", "    ports: { fifteen-chars-x: 80 }", "ports", "fifteen-chars-x=80" },
        { "32", "    ports: {}", "ports", "" },
        { "32", "", "ports", "" },
        { "1", "name: demo", "ports", "admin-api=9090 http=8080" },
        { "1", "name: demo", "plain", "1000 2 3 10000 True False 10000 300000 50/30000 | cpu 80 50 0 10000 0 | - | " },
        { "1", "name: demo", "once", "1000 2 3 10000 True False 10000 300000 50/30000 | cpu 80 50 1 10000 0 | - | " },
        { "36", "    instances: 5", "plain", "1000 2 3 10000 True False 10000 300000 50/30000 | cpu 80 50 1 10000 0 | - | " },
        { "43", "    lifecycle: errand\n    ports: { http: 80 }", "once", "1000 2 3 10000 True False 10000 300000 50/30000 | cpu 80 50 1 10000 0 | - | http=80" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_values_map_to_the_model(string lines, string replacement, string field, string expected)
    {
        ManifestResult result = ManifestLoader.Load(ServiceGroupSample.With(lines, replacement), ServiceGroupSample.File);
        Assert.Equal(expected, Fields[field](ManifestAssert.Valid(result)));
    }
}
