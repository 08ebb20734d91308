using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

/// <summary>For each scalar field of <see cref="ServiceGroupSample"/>: its line, and values out of its range.</summary>
internal static class ServiceGroupBadValues
{
    private const int Day = ManifestReader.MaxPolicyMs;

    private static Gen<string> Number(Gen<int> values, params string[] suffixes) =>
        from value in values
        from suffix in Gen.Elements(suffixes)
        select $"{value}{suffix}";

    private static Gen<string> Duration(int min, int max) =>
        Gen.OneOf(
            Number(Gen.Choose(max + 1, int.MaxValue), "", "ms"),
            Number(Gen.Choose(-1_000_000, min - 1), "", "ms", "s"),
            Gen.Elements("1h", "1.5s", "soon", "3 s", "'1000'"));

    private static Gen<string> Percent(int min, int max) =>
        Gen.OneOf(Number(Gen.Choose(max + 1, 100_000), "", "%"), Number(Gen.Choose(-100, min - 1), ""), Gen.Elements("5.5%", "half", "'50'"));

    private static Gen<string> Count(int min, int max) =>
        max == int.MaxValue
            ? Gen.OneOf(Number(Gen.Choose(-1000, min - 1), ""), Gen.Elements("1.5", "many"))
            : Gen.OneOf(Number(Gen.Choose(-1000, min - 1), ""), Number(Gen.Choose(max + 1, int.MaxValue), ""), Gen.Elements("1.5", "many"));

    private static Gen<string> Word => Gen.Elements("yes", "no", "on", "1", "cpus", "keep-it", "[a]", "{ a: 1 }");

    public static IReadOnlyList<(int Line, string Key, Gen<string> Values)> Fields { get; } =
    [
        (9, "heartbeat", Duration(ManifestReader.MinHeartbeatMs, ManifestReader.MaxHeartbeatMs)),
        (10, "suspect_after", Count(1, int.MaxValue)),
        (11, "dead_after", Count(1, int.MaxValue)),
        (12, "lease", Duration(1, Day)),
        (13, "fence", Word),
        (14, "give_back", Word),
        (15, "failing_after", Duration(0, Day)),
        (16, "orphan_alert", Duration(0, Day)),
        (19, "metric", Word),
        (20, "high_water", Percent(1, 100)),
        (21, "low_water", Percent(0, 99)),
        (22, "min_available", Count(0, ManifestReader.MaxInstances)),
        (23, "interval", Duration(ManifestReader.MinBalanceIntervalMs, Day)),
        (24, "max_moves", Count(0, ManifestReader.MaxInstances)),
        (26, "min", Count(1, ManifestReader.MaxInstances)),
        (27, "max", Count(1, ManifestReader.MaxInstances)),
        (28, "scale_out_above", Percent(1, 100)),
        (29, "scale_in_below", Percent(0, 99)),
        (30, "cooldown", Duration(0, Day)),
        (31, "release", Word),
    ];
}
