using System.Text;
using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary><c>((name))</c> in scalars: a whole scalar takes the value (then typed as if written there);
/// inside longer text it is substituted as text.</summary>
internal static partial class Interpolation
{
    [GeneratedRegex(@"\(\(([^()]*)\)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+$")]
    private static partial Regex VariableName();

    public static bool IsVariableName(string name) => VariableName().IsMatch(name);

    /// <summary>The scalar's text, or null when a reference cannot be resolved (reported).</summary>
    public static ResolvedScalar? Resolve(ManifestScalar scalar, ManifestContext context)
    {
        string text = scalar.Value;
        bool typed = scalar.IsPlain && scalar.Tag.Length == 0;
        if (!text.Contains("((", StringComparison.Ordinal))
        {
            return new ResolvedScalar(text, typed, scalar.Position);
        }
        MatchCollection matches = Reference().Matches(text);
        if (matches.Count == 0)
        {
            return new ResolvedScalar(text, typed, scalar.Position);
        }
        bool whole = matches.Count == 1 && matches[0].Length == text.Length;
        StringBuilder result = new();
        int last = 0;
        bool ok = true;
        foreach (Match match in matches)
        {
            result.Append(text, last, match.Index - last);
            last = match.Index + match.Length;
            string name = match.Groups[1].Value.Trim();
            if (!IsVariableName(name))
            {
                context.Error(scalar.Position, $"'{match.Value}' is not a variable reference: names use letters, digits, '_', '.' and '-'");
                ok = false;
            }
            else if (!context.Variables.TryGetValue(name, out string? value))
            {
                context.Error(scalar.Position, $"no value for variable '{name}': pass it in a variables file (--vars-file) or set it through the API");
                ok = false;
            }
            else
            {
                result.Append(value);
            }
        }
        result.Append(text, last, text.Length - last);
        return ok ? new ResolvedScalar(result.ToString(), whole && typed, scalar.Position) : null;
    }
}
