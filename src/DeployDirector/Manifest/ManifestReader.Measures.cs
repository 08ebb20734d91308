using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary>Durations and percentages of the service-group blocks.</summary>
internal sealed partial class ManifestReader
{
    /// <summary>The longest duration a service-group field takes: one day.</summary>
    public const int MaxPolicyMs = 86_400_000;

    [GeneratedRegex("^([0-9]{1,10})(ms|s|m)$")]
    private static partial Regex Duration();

    /// <summary>Milliseconds: a plain whole number, or a number with a unit (<c>500ms</c>, <c>3s</c>, <c>2m</c>).</summary>
    private int? ReadDuration(ManifestNode node, string key, int minMs, int maxMs)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        long? ms = null;
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } plain)
        {
            ms = plain;
        }
        else if (Duration().Match(value.Text) is { Success: true } unit)
        {
            long amount = long.Parse(unit.Groups[1].Value, CultureInfo.InvariantCulture);
            ms = amount * unit.Groups[2].Value switch { "ms" => 1, "s" => 1000, _ => 60_000 };
        }
        if (ms is { } duration && duration >= minMs && duration <= maxMs)
        {
            return (int)duration;
        }
        _context.Error(node.Position,
            $"'{key}' must be a duration from {minMs} to {maxMs} ms, in milliseconds (1000) or with a unit (500ms, 3s, 2m), got {Described(value)}");
        return null;
    }

    /// <summary>A percentage: <c>80%</c>, or a plain whole number (80).</summary>
    private int? ReadPercent(ManifestNode node, string key, int min, int max) =>
        Scalar(node, key) is { } value ? PercentOf(value, key, min, max) : null;

    /// <param name="alternative">What else the field takes, for the message (", or off").</param>
    private int? PercentOf(ResolvedScalar value, string key, int min, int max, string alternative = "")
    {
        long? percent = null;
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } plain)
        {
            percent = plain;
        }
        else if (Percent().Match(value.Text) is { Success: true } sign)
        {
            percent = long.Parse(sign.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        if (percent is { } p && p >= min && p <= max)
        {
            return (int)p;
        }
        _context.Error(value.Position, $"'{key}' must be a percentage from {min}% to {max}% (80% or 80){alternative}, got {Described(value)}");
        return null;
    }

    /// <summary>A cross check's place: the first of <paramref name="keys"/> the manifest gives a value for
    /// (the one to change), else the mapping itself.</summary>
    private static SourcePosition Given(MappingFields fields, params string[] keys) =>
        keys.Select(fields.Optional).FirstOrDefault(node => node is not null)?.Position ?? fields.Position;

    /// <summary>A value in a cross check's message, marked when it is the default rather than written.</summary>
    private static string Stated(MappingFields fields, string key, long value, string unit = "") =>
        fields.Optional(key) is null
            ? string.Create(CultureInfo.InvariantCulture, $"{value}{unit}, the default")
            : string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
}
