using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Ubd.Cli;

/// <summary>Byte counts as operators write them: 20000000000, 20G, 512M, 1.5T (K, M, G, T are powers
/// of 1024, an optional B or iB after them is allowed), as qemu-img and zfs read sizes.</summary>
internal static class ByteSizes
{
    public static Option<long> Option(string name, string description) => new(name)
    {
        Description = description + " (bytes, or with K, M, G, T)",
        HelpName = "SIZE",
        CustomParser = result => Parse(result) ?? 0,
    };

    public static Option<long?> OptionalOption(string name, string description) => new(name)
    {
        Description = description + " (bytes, or with K, M, G, T)",
        HelpName = "SIZE",
        CustomParser = Parse,
    };

    private static long? Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (TryParse(text, out long bytes))
        {
            return bytes;
        }
        result.AddError($"'{text}' is not a size: write bytes (20000000000) or a number with K, M, G or T (20G, 1.5T)");
        return null;
    }

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        string trimmed = text.Trim();
        foreach (string unit in new[] { "iB", "B" })
        {
            if (trimmed.Length > unit.Length && trimmed.EndsWith(unit, StringComparison.OrdinalIgnoreCase) && char.IsLetter(trimmed[^(unit.Length + 1)]))
            {
                trimmed = trimmed[..^unit.Length];
                break;
            }
        }
        int shift = trimmed.Length == 0 ? 0 : char.ToUpperInvariant(trimmed[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            _ => 0,
        };
        string number = shift == 0 ? trimmed : trimmed[..^1];
        if (shift == 0)
        {
            return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out bytes);
        }
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value) || value > (decimal)(long.MaxValue >> shift))
        {
            return false;
        }
        bytes = (long)decimal.Round(value * (1L << shift));
        return true;
    }
}
