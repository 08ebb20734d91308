using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary>Typed reads of single values; each reports its own error and returns null on failure.</summary>
internal sealed partial class ManifestReader
{
    private ResolvedScalar? Scalar(ManifestNode node, string key)
    {
        if (!_context.Visit(node))
        {
            return null;
        }
        if (node is not ManifestScalar scalar)
        {
            _context.Error(node.Position, $"'{key}' must be a single value, not a {Kind(node)}");
            return null;
        }
        return Interpolation.Resolve(scalar, _context);
    }

    private string? Text(ManifestNode node, string key)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        if (value.Typed && ScalarTyping.IsNull(value.Text))
        {
            _context.Error(value.Position, $"'{key}' needs a value");
            return null;
        }
        return value.Text;
    }

    private string? Named(ManifestNode node, string key, Regex rule, string ruleText)
    {
        if (Text(node, key) is not { } text)
        {
            return null;
        }
        if (!rule.IsMatch(text))
        {
            _context.Error(node.Position, $"'{key}' must be {ruleText}, got '{Shown(text)}'");
            return null;
        }
        return text;
    }

    private int? Int(ManifestNode node, string key, int min, int max)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        if (value.Typed && ScalarTyping.AsInteger(value.Text) is { } integer && integer >= min && integer <= max)
        {
            return (int)integer;
        }
        string range = max == int.MaxValue ? $"{min} or more" : $"from {min} to {max}";
        _context.Error(node.Position, $"'{key}' must be a whole number {range}, got {Described(value)}");
        return null;
    }

    private bool? Bool(ManifestNode node, string key)
    {
        if (Scalar(node, key) is not { } value)
        {
            return null;
        }
        if (value.Typed && ScalarTyping.AsBool(value.Text) is { } flag)
        {
            return flag;
        }
        _context.Error(node.Position, $"'{key}' must be true or false, got {Described(value)}");
        return null;
    }

    private string? OneOf(ManifestNode node, string key, params string[] choices)
    {
        if (Text(node, key) is not { } text)
        {
            return null;
        }
        if (!choices.Contains(text, StringComparer.Ordinal))
        {
            string hint = KeySuggestion.Closest(text, choices) is { } near ? $" (did you mean '{near}'?)" : "";
            _context.Error(node.Position, $"'{key}' must be {string.Join(" or ", choices)}, got '{Shown(text)}'{hint}");
            return null;
        }
        return text;
    }

    /// <summary>The items of a list that must not be empty.</summary>
    private List<ManifestNode>? Items(ManifestNode? node, string key, string what, bool required)
    {
        if (node is null)
        {
            return required ? null : [];
        }
        if (!_context.Visit(node))
        {
            return null;
        }
        if (node is not ManifestSequence sequence)
        {
            _context.Error(node.Position, $"'{key}' must be a list of {what}, not a {Kind(node)}");
            return null;
        }
        if (required && sequence.Items.Count == 0)
        {
            _context.Error(node.Position, $"'{key}' must list at least one of {what}");
            return null;
        }
        return sequence.Items;
    }

    private static string Kind(ManifestNode node) => node switch
    {
        ManifestMapping => "mapping",
        ManifestSequence => "list",
        _ => "single value",
    };

    private static string Described(ResolvedScalar value) =>
        value.Typed ? $"'{Shown(value.Text)}'" : $"the string \"{Shown(value.Text)}\" (leave numbers and booleans unquoted)";

    private static string Shown(string text) =>
        text.Length <= 40 ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..40]}…");
}
