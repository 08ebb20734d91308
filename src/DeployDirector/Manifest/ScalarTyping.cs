using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary>
/// YAML 1.2 core-schema typing of plain scalars: null (<c>~</c>, <c>null</c>, empty), booleans,
/// integers (decimal, <c>0x</c>, <c>0o</c>) and floats. <c>.inf</c> and <c>.nan</c> stay strings
/// because JSON cannot carry them.
/// </summary>
internal static partial class ScalarTyping
{
    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    public static bool IsNull(string text) => text is "" or "~" or "null" or "Null" or "NULL";

    public static bool? AsBool(string text) => text switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    public static long? AsInteger(string text)
    {
        if (Decimal().IsMatch(text))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value : null;
        }
        if (text.StartsWith("0x", StringComparison.Ordinal) && text.Length > 2)
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex) && hex >= 0 ? hex : null;
        }
        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text.AsSpan(2).IndexOfAnyExcept("01234567") < 0 && text.Length <= 23)
        {
            return Convert.ToInt64(text[2..], 8);
        }
        return null;
    }

    /// <summary>A scalar as a JSON value: typed when <paramref name="scalar"/> is typed, else a string.</summary>
    public static JsonNode? ToJson(ResolvedScalar scalar)
    {
        string text = scalar.Text;
        if (!scalar.Typed)
        {
            return JsonValue.Create(text);
        }
        if (IsNull(text))
        {
            return null;
        }
        if (AsBool(text) is { } flag)
        {
            return JsonValue.Create(flag);
        }
        if (AsInteger(text) is { } integer)
        {
            return integer is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)integer) : JsonValue.Create(integer);
        }
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }
}
