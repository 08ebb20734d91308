using System.Text.RegularExpressions;

namespace UnionBlock.Store;

/// <summary>Layer names double as NBD export names and URL segments, so they are kept plain.</summary>
public static partial class LayerName
{
    public const int MaxLength = 128;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
    private static partial Regex Pattern();

    /// <summary>Null when <paramref name="name"/> is acceptable, else what is wrong with it.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a name is required";
        }
        if (name.Length > MaxLength)
        {
            return $"'{name[..16]}…' is longer than {MaxLength} characters";
        }
        return Pattern().IsMatch(name)
            ? null
            : $"'{name}' is not a valid layer name: use letters, digits, '.', '_', '-' and '@', starting with a letter or digit";
    }
}
