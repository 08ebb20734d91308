namespace DeployDirector.Manifest;

/// <summary>A service group's failover block: every key optional, missing ones taken from
/// <see cref="FailoverPolicy.Default"/>.</summary>
internal sealed partial class ManifestReader
{
    public const int MinHeartbeatMs = 100;
    public const int MaxHeartbeatMs = 60_000;

    private const string Off = "off";

    private static readonly string[] FailoverKeys =
        ["heartbeat", "suspect_after", "dead_after", "lease", "fence", "give_back", "failing_after", "orphan_alert", "meltdown"];

    private static readonly string[] MeltdownKeys = ["share", "window"];

    private FailoverPolicy? ReadFailover(ManifestNode node)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        FailoverPolicy d = FailoverPolicy.Default;
        MappingFields fields = MappingFields.Read(node, _context, "failover", FailoverKeys);
        int? heartbeat = fields.Optional("heartbeat") is { } h ? ReadDuration(h, "heartbeat", MinHeartbeatMs, MaxHeartbeatMs) : d.HeartbeatMs;
        int? suspect = fields.Optional("suspect_after") is { } s ? Int(s, "suspect_after", 1, int.MaxValue) : d.SuspectAfter;
        int? dead = fields.Optional("dead_after") is { } da ? Int(da, "dead_after", 1, int.MaxValue) : d.DeadAfter;
        int? lease = fields.Optional("lease") is { } l ? ReadDuration(l, "lease", 1, MaxPolicyMs) : d.LeaseMs;
        bool? fence = fields.Optional("fence") is { } f ? Bool(f, "fence") : d.Fence;
        bool? giveBack = fields.Optional("give_back") is { } g ? Bool(g, "give_back") : d.GiveBack;
        int? failing = fields.Optional("failing_after") is { } fa ? ReadDuration(fa, "failing_after", 0, MaxPolicyMs) : d.FailingAfterMs;
        int? orphan = fields.Optional("orphan_alert") is { } o ? ReadDuration(o, "orphan_alert", 0, MaxPolicyMs) : d.OrphanAlertMs;
        MeltdownGuard? meltdown = fields.Optional("meltdown") is { } m ? ReadMeltdown(m) : d.Meltdown;
        if (_context.ErrorCount != errors || heartbeat is null || suspect is null || dead is null || lease is null
            || fence is null || giveBack is null || failing is null || orphan is null)
        {
            return null;
        }
        if (dead <= suspect)
        {
            _context.Error(Given(fields, "dead_after", "suspect_after"),
                $"'dead_after' ({Stated(fields, "dead_after", dead.Value)}) must be more than 'suspect_after' ({Stated(fields, "suspect_after", suspect.Value)}): a member is suspect before it is dead");
            return null;
        }
        long silence = (long)heartbeat.Value * dead.Value;
        if (lease <= silence)
        {
            _context.Error(Given(fields, "lease", "dead_after", "heartbeat"),
                $"'lease' ({Stated(fields, "lease", lease.Value, " ms")}) must be longer than heartbeat × dead_after ({heartbeat} × {dead} = {silence} ms): "
                + "an agent cut off from the director must have stopped its jobs before they start elsewhere");
            return null;
        }
        return new FailoverPolicy(heartbeat.Value, suspect.Value, dead.Value, lease.Value, fence.Value, giveBack.Value, failing.Value, orphan.Value, meltdown);
    }

    /// <summary>The guard, or null when it is off; a failure shows as an error, not in the result.</summary>
    private MeltdownGuard? ReadMeltdown(ManifestNode node)
    {
        if (node is ManifestScalar)
        {
            if (Scalar(node, "meltdown") is { } value && value.Text != Off)
            {
                _context.Error(node.Position, $"'meltdown' must be off or a mapping of {string.Join(", ", MeltdownKeys)}, got {Described(value)}");
            }
            return null;
        }
        if (!_context.Visit(node))
        {
            return null;
        }
        MeltdownGuard d = FailoverPolicy.Default.Meltdown!;
        MappingFields fields = MappingFields.Read(node, _context, "meltdown", MeltdownKeys);
        bool off = false;
        int? share = d.SharePercent;
        if (fields.Optional("share") is { } s)
        {
            ResolvedScalar? value = Scalar(s, "share");
            off = value?.Text == Off;
            share = value is { } v && !off ? PercentOf(v, "share", 1, 100, ", or off") : null;
        }
        int? window = fields.Optional("window") is { } w ? ReadDuration(w, "window", 1, MaxPolicyMs) : d.WindowMs;
        return !off && share is not null && window is not null ? new MeltdownGuard(share.Value, window.Value) : null;
    }
}
