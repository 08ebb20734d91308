using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Ubd.Cli;

/// <summary>
/// One line for a command line that did not parse: the first thing wrong, said in the operator's
/// words (no .NET type names), and for a mistyped command or option the nearest one that exists.
/// </summary>
internal static partial class UsageErrors
{
    public static string Describe(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        var names = new List<string>();
        for (SymbolResult? result = parsed.CommandResult; result is CommandResult level; result = level.Parent)
        {
            names.Add(level.Command is RootCommand ? "ubd" : level.Command.Name);
        }
        names.Reverse();
        string where = string.Join(' ', names);
        if (parsed.UnmatchedTokens.Count > 0)
        {
            string unknown = parsed.UnmatchedTokens[0];
            string[] candidates = [.. command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)), .. command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))];
            string? nearest = candidates.Where(n => n.StartsWith('-') == unknown.StartsWith('-'))
                .Select(n => (Name: n, Distance: Distance(unknown, n)))
                .Where(c => c.Distance <= Math.Max(2, unknown.Length / 3))
                .OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
            string what = unknown.StartsWith('-') ? "option" : command.Subcommands.Count > 0 ? "command" : "argument";
            return nearest is not null
                ? $"'{where}' has no {what} '{unknown}'; did you mean '{nearest}'?"
                : command.Subcommands.Count > 0 && !unknown.StartsWith('-')
                    ? $"'{where}' has no {what} '{unknown}'; its commands are {string.Join(", ", command.Subcommands.Select(c => c.Name))}"
                    : $"'{where}' has no {what} '{unknown}'; see '{where} --help'";
        }
        return Plain(parsed.Errors[0].Message);
    }

    /// <summary>System.CommandLine names the .NET type it could not parse into; say what to write instead.</summary>
    public static string Plain(string message) => ExpectedType().Replace(message, match =>
    {
        string type = match.Groups["type"].Value.TrimEnd('?');
        return type switch
        {
            "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "as a whole number",
            "System.Boolean" or "System.Nullable`1[System.Boolean]" => "as true or false",
            "System.Double" or "System.Decimal" => "as a number",
            _ when FindEnum(type) is { } kind => $"as one of: {string.Join(", ", Enum.GetNames(kind).Select(n => n.ToLowerInvariant()))}",
            _ => "in the form the option's help shows",
        };
    });

    private static Type? FindEnum(string name) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name.Replace("System.Nullable`1[", "").TrimEnd(']'), throwOnError: false)).FirstOrDefault(t => t is { IsEnum: true });

    [GeneratedRegex(@"as expected type '(?<type>[^']+)'")]
    private static partial Regex ExpectedType();

    /// <summary>Levenshtein distance, case-insensitive (names here are short).</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        for (int i = 1; i <= a.Length; i++)
        {
            int[] current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
