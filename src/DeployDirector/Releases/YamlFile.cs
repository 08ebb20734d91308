using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployDirector.Releases;

/// <summary>
/// Reads one YAML file of a release through YamlDotNet's node model, so every value keeps its
/// position: syntax errors and wrong shapes alike become <see cref="ReleaseProblem"/>s with line and
/// column, collected rather than thrown.
/// </summary>
internal sealed partial class YamlFile(string path, List<ReleaseProblem> problems)
{
    public string Path { get; } = path;

    /// <summary>The top mapping, or null (with a problem) when the text is not a YAML mapping.</summary>
    public YamlMappingNode? Load(string text)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            string reason = e.InnerException?.Message ?? e.Message;
            problems.Add(new ReleaseProblem(Path, (int)e.Start.Line, (int)e.Start.Column, reason));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections; the last
            // event it parsed is the closest position it knows.
            Mark at = parser.Current?.End ?? Mark.Empty;
            problems.Add(new ReleaseProblem(Path, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), "invalid YAML after this point (an unclosed [ or { ?)"));
            return null;
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(new ReleaseProblem(Path, 1, 1, "expected one YAML document holding a mapping"));
            return null;
        }
        return root;
    }

    public void Problem(YamlNode node, string message) =>
        problems.Add(new ReleaseProblem(Path, (int)node.Start.Line, (int)node.Start.Column, message));

    /// <summary>Every key must be one of <paramref name="allowed"/>: a typo is an error, not ignored.</summary>
    public void OnlyKeys(YamlMappingNode map, params string[] allowed)
    {
        foreach (YamlNode key in map.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } name } || !allowed.Contains(name, StringComparer.Ordinal))
            {
                Problem(key, $"unknown key '{(key as YamlScalarNode)?.Value}' (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;

    /// <summary>The scalar text under <paramref name="key"/>, as written (no type conversion).</summary>
    public string? Scalar(YamlMappingNode map, string key, bool required)
    {
        YamlNode? node = Child(map, key);
        if (node is null)
        {
            if (required)
            {
                Problem(map, $"'{key}' is required");
            }
            return null;
        }
        if (node is not YamlScalarNode scalar)
        {
            Problem(node, $"'{key}' must be a plain value");
            return null;
        }
        return scalar.Value ?? "";
    }

    /// <summary>The items of a sequence; absent or null is empty; anything else is a problem.</summary>
    public IReadOnlyList<YamlNode> Sequence(YamlNode? node, string what)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" }:
                return [];
            case YamlSequenceNode sequence:
                return [.. sequence.Children];
            default:
                Problem(node, $"'{what}' must be a list");
                return [];
        }
    }

    /// <summary>The entries of a mapping; absent or null is empty; anything else is a problem.</summary>
    public IReadOnlyList<KeyValuePair<YamlNode, YamlNode>> Mapping(YamlNode? node, string what)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" }:
                return [];
            case YamlMappingNode mapping:
                return [.. mapping.Children];
            default:
                Problem(node, $"'{what}' must be a mapping");
                return [];
        }
    }

    public string? ScalarText(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } value })
        {
            return value;
        }
        Problem(node, $"{what} must be a plain value");
        return null;
    }

    /// <summary>A YAML value as JSON, plain scalars typed by the YAML 1.2 core schema (null, booleans,
    /// integers, floats); quoted scalars stay strings.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlScalarNode scalar => ScalarToJson(scalar),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlMappingNode mapping => ToJsonObject(mapping),
        _ => null,
    };

    private static JsonObject ToJsonObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach ((YamlNode key, YamlNode value) in mapping.Children)
        {
            result[((YamlScalarNode)key).Value ?? ""] = ToJson(value);
        }
        return result;
    }

    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }
        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }
        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return JsonValue.Create(integer);
        }
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
