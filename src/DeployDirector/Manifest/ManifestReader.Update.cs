using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary>The update block: every key optional, missing ones taken from <c>inherited</c>.</summary>
internal sealed partial class ManifestReader
{
    public const int MaxWatchMs = 3_600_000;

    private static readonly string[] UpdateKeys = ["canaries", "max_in_flight", "canary_watch_time", "update_watch_time", "serial", "min_available", "pause_after_canaries", "on_failure"];

    [GeneratedRegex(@"^([0-9]{1,4})%$")]
    private static partial Regex Percent();

    [GeneratedRegex(@"^\s*([0-9]{1,10})\s*-\s*([0-9]{1,10})\s*$")]
    private static partial Regex Range();

    private UpdatePolicy? ReadUpdate(ManifestNode node, string where, UpdatePolicy inherited)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        int errors = _context.ErrorCount;
        MappingFields fields = MappingFields.Read(node, _context, where, UpdateKeys);
        int? canaries = fields.Optional("canaries") is { } c ? Int(c, "canaries", 0, int.MaxValue) : inherited.Canaries;
        MaxInFlight? maxInFlight = fields.Optional("max_in_flight") is { } m ? ReadMaxInFlight(m) : inherited.MaxInFlight;
        WatchTime? canaryWatch = fields.Optional("canary_watch_time") is { } cw ? ReadWatchTime(cw, "canary_watch_time") : inherited.CanaryWatchTime;
        WatchTime? updateWatch = fields.Optional("update_watch_time") is { } uw ? ReadWatchTime(uw, "update_watch_time") : inherited.UpdateWatchTime;
        bool? serial = fields.Optional("serial") is { } s ? Bool(s, "serial") : inherited.Serial;
        int? minAvailable = fields.Optional("min_available") is { } a ? Int(a, "min_available", 0, int.MaxValue) : inherited.MinAvailable;
        bool? pause = fields.Optional("pause_after_canaries") is { } pa ? Bool(pa, "pause_after_canaries") : inherited.PauseAfterCanaries;
        string? onFailure = fields.Optional("on_failure") is { } f ? OneOf(f, "on_failure", UpdatePolicy.Halt, UpdatePolicy.Rollback) : inherited.OnFailure;
        if (_context.ErrorCount != errors || canaries is null || maxInFlight is null || canaryWatch is null || updateWatch is null || serial is null
            || pause is null || onFailure is null)
        {
            return null;
        }
        return new UpdatePolicy(canaries.Value, maxInFlight, canaryWatch, updateWatch, serial.Value, minAvailable, pause.Value, onFailure);
    }

    private MaxInFlight? ReadMaxInFlight(ManifestNode node)
    {
        if (Scalar(node, "max_in_flight") is not { } value)
        {
            return null;
        }
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } count and >= 1 and <= int.MaxValue)
        {
            return new MaxInFlight((int)count, null);
        }
        Match percent = Percent().Match(value.Text);
        if (percent.Success && int.Parse(percent.Groups[1].Value, CultureInfo.InvariantCulture) is >= 1 and <= 100 and int p)
        {
            return new MaxInFlight(null, p);
        }
        _context.Error(node.Position, $"'max_in_flight' must be a whole number of 1 or more, or a percentage from 1% to 100%, got {Described(value)}");
        return null;
    }

    private WatchTime? ReadWatchTime(ManifestNode node, string key)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        long low;
        long high;
        Match range = Range().Match(value.Text);
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } single)
        {
            (low, high) = (single, single);
        }
        else if (range.Success)
        {
            low = long.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture);
            high = long.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        else
        {
            _context.Error(node.Position, $"'{key}' must be milliseconds, one number (5000) or a range low-high (1000-30000), got {Described(value)}");
            return null;
        }
        if (low < 0 || low > high || high <= 0 || high > MaxWatchMs)
        {
            _context.Error(node.Position, $"'{key}' must satisfy 0 <= low <= high, 0 < high <= {MaxWatchMs} (one hour), got '{Shown(value.Text)}'");
            return null;
        }
        return new WatchTime((int)low, (int)high);
    }
}
