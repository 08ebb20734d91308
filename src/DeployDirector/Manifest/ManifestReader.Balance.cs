namespace DeployDirector.Manifest;

/// <summary>A service group's balance and autoscale blocks.</summary>
internal sealed partial class ManifestReader
{
    public const int MinBalanceIntervalMs = 100;

    private const string DeleteReleased = "delete";
    private const string KeepReleased = "keep";

    private static readonly string[] BalanceKeys = ["metric", "high_water", "low_water", "min_available", "interval", "max_moves"];
    private static readonly string[] AutoscaleKeys = ["min", "max", "scale_out_above", "scale_in_below", "cooldown", "release"];

    /// <summary>The balance policy of a group that gives none: a group of 0 instances cannot keep 1 available.</summary>
    private static BalancePolicy DefaultBalance(int? instances) =>
        instances is { } count && count < BalancePolicy.Default.MinAvailable ? BalancePolicy.Default with { MinAvailable = count } : BalancePolicy.Default;

    /// <param name="instances">The group's instances, or null when they are invalid (the checks against them are skipped).</param>
    private BalancePolicy? ReadBalance(ManifestNode node, int? instances)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        BalancePolicy d = DefaultBalance(instances);
        MappingFields fields = MappingFields.Read(node, _context, "balance", BalanceKeys);
        string? metric = fields.Optional("metric") is { } m ? OneOf(m, "metric", BalancePolicy.Cpu, BalancePolicy.Memory, BalancePolicy.Job) : d.Metric;
        int? high = fields.Optional("high_water") is { } h ? ReadPercent(h, "high_water", 1, 100) : d.HighWaterPercent;
        int? low = fields.Optional("low_water") is { } l ? ReadPercent(l, "low_water", 0, 99) : d.LowWaterPercent;
        int? minAvailable = fields.Optional("min_available") is { } a ? Int(a, "min_available", 0, MaxInstances) : d.MinAvailable;
        int? interval = fields.Optional("interval") is { } i ? ReadDuration(i, "interval", MinBalanceIntervalMs, MaxPolicyMs) : d.IntervalMs;
        int? maxMoves = fields.Optional("max_moves") is { } mm ? Int(mm, "max_moves", 0, MaxInstances) : d.MaxMoves;
        if (_context.ErrorCount != errors || metric is null || high is null || low is null || minAvailable is null || interval is null || maxMoves is null)
        {
            return null;
        }
        if (low >= high)
        {
            _context.Error(Given(fields, "low_water", "high_water"),
                $"'low_water' ({Stated(fields, "low_water", low.Value, "%")}) must be below 'high_water' ({Stated(fields, "high_water", high.Value, "%")}): moves aim below low water from nodes above high water");
        }
        if (minAvailable > instances)
        {
            _context.Error(Given(fields, "min_available"),
                $"'min_available' ({minAvailable}) must not exceed the group's instances ({instances}): lower it or add instances");
        }
        return _context.ErrorCount == errors ? new BalancePolicy(metric, high.Value, low.Value, minAvailable.Value, interval.Value, maxMoves.Value) : null;
    }

    private AutoscalePolicy? ReadAutoscale(ManifestNode node)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(node, _context, "autoscale", AutoscaleKeys);
        int? min = fields.Required("min") is { } mn ? Int(mn, "min", 1, MaxInstances) : null;
        int? max = fields.Required("max") is { } mx ? Int(mx, "max", 1, MaxInstances) : null;
        int? above = fields.Optional("scale_out_above") is { } o ? ReadPercent(o, "scale_out_above", 1, 100) : 80;
        int? below = fields.Optional("scale_in_below") is { } i ? ReadPercent(i, "scale_in_below", 0, 99) : 30;
        int? cooldown = fields.Optional("cooldown") is { } c ? ReadDuration(c, "cooldown", 0, MaxPolicyMs) : 60_000;
        string? release = fields.Optional("release") is { } r ? OneOf(r, "release", DeleteReleased, KeepReleased) : DeleteReleased;
        if (_context.ErrorCount != errors || min is null || max is null || above is null || below is null || cooldown is null || release is null)
        {
            return null;
        }
        if (min > max)
        {
            _context.Error(Given(fields, "min"), $"'min' ({min}) must not exceed 'max' ({max})");
        }
        if (below >= above)
        {
            _context.Error(Given(fields, "scale_in_below", "scale_out_above"),
                $"'scale_in_below' ({Stated(fields, "scale_in_below", below.Value, "%")}) must be below 'scale_out_above' ({Stated(fields, "scale_out_above", above.Value, "%")}): otherwise the group would grow and shrink in turn");
        }
        return _context.ErrorCount == errors ? new AutoscalePolicy(min.Value, max.Value, above.Value, below.Value, cooldown.Value, release == DeleteReleased) : null;
    }
}
